import type { Page } from 'playwright-core';
import { EngagementsService } from '../../src/engagements/engagements.service.js';
import { FollowUpsService } from '../../src/engagements/follow-ups.service.js';
import { PartnershipsService } from '../../src/partnerships/partnerships.service.js';
import { PeopleService } from '../../src/people/people.service.js';
import { createProposal, sendFromCurrent } from '../support/factories.js';
import { startWebApp, type Person, type WebApp } from './browser.js';
import { axeViolations } from './axe.js';
import { seedPartnerLink } from './partner-links.js';

describe('accessibility of the main pages (axe-core)', () => {
  let web: WebApp;
  let inForce: string;
  let inReview: string;
  let drafting: string;
  let organizationId: string;
  let partnerToken: string;
  let agreedText: string;
  let personId: string;
  let engagementId: string;
  let training: string;
  const signedIn = new Map<Person, Page>();

  beforeAll(async () => {
    web = await startWebApp();
    const partnerships = web.get(PartnershipsService);
    inReview = await web.seedProposal({ title: 'Police training programme', submit: true });
    inForce = await web.seedProposal({ title: 'Annual lecture and research visits', submit: true });
    drafting = await web.seedProposal({ title: 'Course on organized crime', submit: true });
    await sendFromCurrent(web, drafting, 'APPROVE', web.actors.approver);
    await sendFromCurrent(web, inForce, 'APPROVE', web.actors.approver);
    await sendFromCurrent(web, inForce, 'SHARE_DRAFT', web.actors.manager, { data: { document: { name: 'MOU v1.docx', sha256: 'b'.repeat(64) } } });
    await sendFromCurrent(web, inForce, 'AGREE_TEXT', web.actors.manager, { data: { effectiveFrom: '2026-03-01', expiresOn: '2029-02-28' } });
    await sendFromCurrent(web, inForce, 'RECORD_SIGNATURE', web.actors.manager, { data: { party: 'partner', signatory: 'Rector', signedOn: '2026-03-02' } });
    await sendFromCurrent(web, inForce, 'RECORD_SIGNATURE', web.actors.manager, { data: { party: 'own', signatory: 'Director', signedOn: '2026-03-02' } });
    organizationId = (await partnerships.get(inForce)).organizationId;
    ({ token: partnerToken, partnershipId: agreedText } = await seedPartnerLink(web, 'Workplan with the human-rights centre'));
    personId = (await web.get(PeopleService).create({ name: 'Dr Kaleem', affiliations: [{ organizationId, title: 'Professor' }] }, web.actors.manager)).id;
    engagementId = (
      await web
        .get(EngagementsService)
        .create(
          { kind: 'meeting', title: 'Round table', startsOn: '2026-03-03', organizationIds: [organizationId], attendeeIds: [personId] },
          web.actors.manager,
        )
    ).id;
    training = (await createProposal(web, { title: 'Training for the police academy', workflowId: 'training-programme' }, { by: web.actors.manager })).id;
    await web
      .get(FollowUpsService)
      .create(engagementId, { title: 'Draft the workplan', ownerId: web.actors.manager.id, dueOn: '2026-04-01' }, web.actors.manager);
  });

  afterAll(async () => {
    await web.closeAll();
  });

  /** Who looks, what at, and where. */
  const pages: Array<[Person, string, () => string]> = [
    ['manager', 'my work', () => '/'],
    ['approver', 'my work', () => '/'],
    ['manager', 'pipeline', () => '/ui/pipeline'],
    ['manager', 'dashboard', () => '/ui/dashboard'],
    ['manager', 'partnership list', () => '/ui/partnerships?sort=deadline&direction=desc'],
    ['approver', 'notifications', () => '/ui/notifications'],
    ['manager', 'new proposal', () => '/ui/partnerships/new'],
    ['manager', 'MOU in force', () => `/ui/partnerships/${inForce}`],
    ['manager', 'proposal in review', () => `/ui/partnerships/${inReview}`],
    ['manager', 'MOU drafting, with the form that uploads a draft', () => `/ui/partnerships/${drafting}`],
    ['manager', 'agreed text with a partner link', () => `/ui/partnerships/${agreedText}`],
    ['manager', 'organizations', () => '/ui/organizations'],
    ['manager', 'organization', () => `/ui/organizations/${organizationId}`],
    ['manager', 'activities', () => '/ui/activities?days=365'],
    ['manager', 'people', () => '/ui/people'],
    ['manager', 'person', () => `/ui/people/${personId}`],
    ['manager', 'engagements', () => '/ui/engagements'],
    ['manager', 'engagement with a follow-up', () => `/ui/engagements/${engagementId}`],
    ['manager', 'import', () => '/ui/import'],
    ['approver', 'inbox', () => '/ui/inbox'],
    ['auditor', 'audit verified', () => '/ui/audit/verify'],
    ['auditor', 'audit log', () => '/ui/audit?outcome=ok'],
    ['admin2', 'users', () => '/ui/users'],
    ['manager', 'account', () => '/ui/account'],
    ['manager', 'training programme', () => `/ui/partnerships/${training}`],
    ['auditor', 'replay', () => `/ui/partnerships/${inForce}/replay`],
    ['admin2', 'workflows', () => '/ui/workflows'],
    ['admin2', 'import of agreements', () => '/ui/import/agreements'],
  ];

  /** The routes that answer with no page of their own: files, exports and the steps of single sign-on. */
  const NOT_PAGES = ['/ui/documents/:id/content', '/ui/audit/export', '/ui/partnerships/export.csv', '/ui/sign-in/sso', '/ui/sign-in/sso/callback'];

  it('checks every page the router serves (a page added without a line here fails)', () => {
    interface RouterLayer {
      route?: { path: string; methods: Record<string, boolean> };
    }
    const router = (web.app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } }).router;
    const pagePaths = router.stack
      .flatMap(({ route }) => (route?.methods.get && (route.path === '/' || route.path.startsWith('/ui')) ? [route.path] : []))
      // The partner's page and sign-in are checked below without an account; `/ui` and `/ui/{*path}` answer "no such page".
      .filter((path) => !NOT_PAGES.includes(path) && !['/ui', '/ui/{*path}', '/ui/partner/:token', '/ui/sign-in'].includes(path));
    // What each checked path looks like as a route: ids become parameters.
    const asRoute = (path: string) =>
      path
        .replace(/\?.*$/, '')
        .replace(/^\/ui\/partnerships\/(?!new$)[^/]+/, '/ui/partnerships/:id')
        .replace(/^\/ui\/(organizations|people|engagements)\/[^/]+/, '/ui/$1/:id');
    const checked = new Set(pages.map(([, , path]) => asRoute(path())));
    expect(pagePaths.length).toBeGreaterThan(20);
    expect(pagePaths.filter((path) => !checked.has(path))).toEqual([]);
  });

  // One test a page, so that a slow page on a loaded machine does not take the others' time.
  for (const width of [1280, 360]) {
    it(`finds no violations on the sign-in page at ${width} px`, async () => {
      const anonymous = await web.browser.newContext({ baseURL: web.baseUrl, viewport: { width, height: 800 }, bypassCSP: true });
      const signInPage = await anonymous.newPage();
      await signInPage.goto('/ui/sign-in');
      const found = await axeViolations(signInPage);
      await anonymous.close();
      expect(found).toEqual([]);
    });

    it(`finds no violations on the partner's page, with no account, at ${width} px`, async () => {
      const partner = await web.browser.newContext({ baseURL: web.baseUrl, viewport: { width, height: 800 }, bypassCSP: true });
      const partnerPage = await partner.newPage();
      const response = await partnerPage.goto(`/ui/partner/${partnerToken}`);
      expect(response?.status()).toBe(200);
      const found = await axeViolations(partnerPage);
      await partner.close();
      expect(found).toEqual([]);
    });

    for (const [person, what, path] of pages) {
      it(`finds no violations on the ${what} page (${person}) at ${width} px`, async () => {
        // axe is injected as a script, which the pages' own policy (script-src 'self') would block.
        const page = signedIn.get(person) ?? (await web.signIn(person, { bypassCSP: true }));
        signedIn.set(person, page);
        await page.setViewportSize({ width, height: 800 });
        const response = await page.goto(path());
        expect(response?.status()).toBe(200);
        expect(await axeViolations(page)).toEqual([]);
      });
    }
  }
});
