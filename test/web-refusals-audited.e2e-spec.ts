import { AuditService } from '../src/audit/audit.service.js';
import { sha256Hex } from '../src/common/canonical-json.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { ADMIN_PASSWORD, createApiApp, USER_PASSWORD, type ApiApp, type UserName } from './support/api.js';
import { organizationInput, partnershipInput } from './support/factories.js';
import { signInToPages, type WebAgent } from './support/web-agent.js';

interface Attempt {
  who: UserName;
  path: string;
  form: Record<string, string | string[]>;
}

/**
 * SPEC wants every refused change (403, 409, 412, 422) in the audit chain, whichever interface it
 * came from: each refusal made from a page, the user pages included, leaves exactly one row.
 */
describe('a refusal made from the web interface is recorded in the audit chain', () => {
  let api: ApiApp;
  const agents = new Map<UserName, WebAgent>();

  beforeAll(async () => {
    api = await createApiApp();
    for (const who of ['admin', 'manager', 'approver'] as const) {
      agents.set(who, await signInToPages(api.http, who, who === 'admin' ? ADMIN_PASSWORD : USER_PASSWORD));
    }
  });

  afterAll(async () => {
    await api.close();
  });

  const manager = () => ({ id: api.ids.manager, roles: ['manager'] });
  const proposal = async (title: string) => {
    const org = await api.get(OrganizationsService).create(organizationInput({ name: `Org of ${title}` }), manager());
    return api.get(PartnershipsService).create(partnershipInput(org.id, { title }), manager());
  };
  const submitted = async (title: string) => {
    const p = await proposal(title);
    return (await api.get(PartnershipsService).send(p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: manager(), expectedVersion: p.version })).row;
  };
  const deniedRowsOf = async (who: UserName) => (await api.get(AuditService).search({ actor: api.ids[who], outcome: 'denied', limit: 200 })).items;

  const post = (who: UserName, path: string, form: Attempt['form']): Attempt => ({ who, path, form });
  const newUser = (username: string) => ({ username, password: 'a long enough passphrase', displayName: 'Someone', roles: 'manager' });
  const ownEntry = (form: Attempt['form']) => post('admin', `/ui/users/${api.ids.admin}`, form);
  const event = (p: { id: string; version: number }, type: string, staleBy = 0) =>
    post('manager', `/ui/partnerships/${p.id}/events`, { type, version: String(p.version + staleBy) });
  const decision = (who: UserName, p: { id: string; version: number }, form: Attempt['form']) =>
    post(who, `/ui/inbox/${p.id}`, { ...form, version: String(p.version) });
  const rejection = { type: 'REJECT', comment: 'No' };
  const approval = { type: 'APPROVE', 'data.contentHash': sha256Hex('an older proposal') };

  const cases: Array<[string, number, string, string, () => Attempt | Promise<Attempt>]> = [
    ['a user page posted by a non-admin', 403, 'FORBIDDEN', 'POST /ui/users', () => post('manager', '/ui/users', newUser('made.by.manager'))],
    ['an admin changing their own roles', 403, 'SEPARATION_OF_DUTIES', 'POST /ui/users/:id', () => ownEntry({ roles: ['admin', 'approver'], active: 'true' })],
    ['a username that is taken', 409, 'CONFLICT', 'POST /ui/users', () => post('admin', '/ui/users', newUser('manager'))],
    ['an admin disabling their own account', 422, 'GUARD_FAILED', 'POST /ui/users/:id', () => ownEntry({ roles: 'admin', active: 'false' })],
    ['an event the state does not take', 409, 'EVENT_NOT_ALLOWED', 'AGREE_TEXT', async () => event(await proposal('Agreed too early'), 'AGREE_TEXT')],
    ['an event from a stale page', 412, 'VERSION_MISMATCH', 'SUBMIT_FOR_APPROVAL', async () => event(await proposal('Stale page'), 'SUBMIT_FOR_APPROVAL', 1)],
    ['a manager deciding', 403, 'FORBIDDEN', 'POST /ui/inbox/:id', async () => decision('manager', await submitted('By a manager'), rejection)],
    ['an approval of other content', 422, 'GUARD_FAILED', 'APPROVE', async () => decision('approver', await submitted('Old hash'), approval)],
    ['an approver adding an organization', 403, 'FORBIDDEN', 'POST /ui/organizations', () => post('approver', '/ui/organizations', { name: 'By an approver' })],
  ];

  it.each(cases)('%s: %i %s, one row', async (_name, status, code, action, prepare) => {
    const attempt = await prepare();
    const agent = agents.get(attempt.who)!;
    const before = await deniedRowsOf(attempt.who);
    // Any page carries the session's CSRF token.
    await agent.get('/ui');
    const refused = await agent.post(attempt.path, attempt.form);
    expect(refused.status).toBe(status);
    const added = (await deniedRowsOf(attempt.who)).slice(before.length);
    expect(added.map((row) => ({ action: row.action, code: (JSON.parse(row.payload) as { code: string }).code }))).toEqual([{ action, code }]);
  });
});

/**
 * Every page route that changes something, found in the router rather than listed, so that a page
 * added later is held to it: a form posted with the session cookie but without this session's CSRF
 * token (as another site can make a browser send) is refused before any work, and recorded.
 */
describe('every page form refuses a post without the CSRF token of the session', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
  });

  afterAll(async () => {
    await api.close();
  });

  interface RouterLayer {
    route?: { path: string; methods: Record<string, boolean> };
  }

  it('refuses it on each, with 403 and one audit row naming the rule', async () => {
    const router = (api.app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } }).router;
    const routes = router.stack.flatMap(({ route }) =>
      // Not the API, nor the catch-alls that answer any method on an unknown page.
      route && !route.path.startsWith('/api') && Object.keys(route.methods).length < 5
        ? Object.keys(route.methods)
            .filter((m) => !['get', 'head', 'options'].includes(m))
            .map((m) => ({ method: m, path: route.path }))
        : [],
    );
    // The pages as they stand: a form of each of these features (a smaller count means the router was not read).
    for (const prefix of [
      '/ui/people',
      '/ui/engagements',
      '/ui/follow-ups',
      '/ui/import',
      '/ui/workflows',
      '/ui/notifications',
      '/ui/partner/',
      '/ui/sign-in',
    ]) {
      expect(routes.some((r) => r.path.startsWith(prefix))).toBe(true);
    }
    // Every role, so that only the missing token can be the reason.
    const everyRole = await api
      .as('admin')
      .post('/api/users')
      .send({ username: 'holds.every.role', password: USER_PASSWORD, displayName: 'Every role', roles: ['admin', 'manager', 'approver', 'auditor'] })
      .expect(201);
    const agent = await signInToPages(api.http, 'holds.every.role');
    const uuid = '00000000-0000-4000-8000-000000000000';
    const answers = [];
    for (const { method, path } of routes) {
      const url = path.replace(/:[A-Za-z]+/g, uuid);
      expect(method).toBe('post');
      const refused = await agent.post(url, { _csrf: '' });
      answers.push({ route: `${method.toUpperCase()} ${path}`, status: refused.status, said: refused.html.includes('did not come from this site') });
    }
    expect(answers.filter((a) => a.status !== 403 || !a.said)).toEqual([]);
    const denied = (await api.get(AuditService).search({ actor: everyRole.body.id, outcome: 'denied', limit: 200 })).items;
    expect(denied.filter((row) => (JSON.parse(row.payload) as { details?: { rule?: string } }).details?.rule === 'csrf')).toHaveLength(routes.length);
  });
});
