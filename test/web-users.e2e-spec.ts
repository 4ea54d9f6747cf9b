import request from 'supertest';
import { AuditService } from '../src/audit/audit.service.js';
import { UsersService } from '../src/users/users.service.js';
import { ADMIN_PASSWORD, createApiApp, type ApiApp } from './support/api.js';
import { inputValue, signInToPages, type WebAgent } from './support/web-agent.js';

/** The users page and the sign-in pages, over HTTP as a browser sends them (session cookie, CSRF token, form encoding). */
describe('the users page and the session pages', () => {
  let api: ApiApp;
  let admin: WebAgent;

  beforeAll(async () => {
    api = await createApiApp();
    admin = await signInToPages(api.http, 'admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await api.close();
  });

  it('tells caches to keep none of them: they show people or carry the session', async () => {
    expect((await admin.get('/ui/users')).headers['cache-control']).toBe('no-store');
    const refused = await admin.post('/ui/users', { username: 'x', password: 'x', roles: 'manager' });
    expect(refused.headers['cache-control']).toBe('no-store');
    const signInPage = await request(api.http).get('/ui/sign-in').expect(200);
    expect(signInPage.headers['cache-control']).toBe('no-store');
    const signedIn = await request(api.http)
      .post('/ui/sign-in')
      .type('form')
      .set('Cookie', signInPage.headers['set-cookie'])
      .send({
        _csrf: /name="_csrf" value="([^"]+)"/.exec(signInPage.text)?.[1],
        username: 'manager',
        password: 'correct horse battery',
        next: '/',
      });
    expect({ status: signedIn.status, cacheControl: signedIn.headers['cache-control'] }).toEqual({ status: 303, cacheControl: 'no-store' });
  });

  it('refuses a weak password in plain words, naming the rule, keeps what was typed and creates no one', async () => {
    await admin.get('/ui/users');
    for (const [password, words] of [
      ['aaaaaaaaaa', 'password must not be one character repeated'],
      ['1234567890', 'password is a commonly used password; choose another'],
      ['Page.User.One', 'password must not be the username'],
    ]) {
      const refused = await admin.post('/ui/users', { username: 'page.user.one', displayName: 'Page User', password, roles: 'manager' });
      expect({ status: refused.status, said: refused.html.includes(words) }).toEqual({ status: 400, said: true });
      expect(inputValue(refused.html, 'nu-username')).toBe('page.user.one');
      expect(inputValue(refused.html, 'nu-name')).toBe('Page User');
    }
    const { items } = await api.get(UsersService).list({ limit: 100 });
    expect(items.map((u) => u.username)).not.toContain('page.user.one');
  });

  it('refuses an admin who gives themselves a role, says another admin must, and records the attempt', async () => {
    await admin.get('/ui/users');
    const refused = await admin.post(`/ui/users/${api.ids.admin}`, { roles: ['admin', 'approver'], active: 'true' });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('You cannot change your own roles: another admin must.');
    expect((await api.get(UsersService).get(api.ids.admin)).roles).toEqual(['admin']);
    const denied = await api.get(AuditService).search({ actor: api.ids.admin, outcome: 'denied' });
    expect(denied.items.map((row) => JSON.parse(row.payload))).toEqual([
      expect.objectContaining({
        code: 'SEPARATION_OF_DUTIES',
        message: 'another admin must change your roles',
        details: { rule: 'adminCannotChangeOwnRoles' },
      }),
    ]);
    // Saving one's own entry unchanged is no change of roles.
    expect((await admin.post(`/ui/users/${api.ids.admin}`, { roles: 'admin', active: 'true' })).status).toBe(303);
  });
  it('lets an admin give a user a mail address, on creation and later, and take it away', async () => {
    await admin.get('/ui/users');
    expect(
      (await admin.post('/ui/users', { username: 'page.mail', password: 'correct horse battery', roles: 'manager', email: 'mail@example.org' })).status,
    ).toBe(303);
    const [created] = (await api.get(UsersService).list({ limit: 100 })).items.filter((u) => u.username === 'page.mail');
    expect(created.email).toBe('mail@example.org');
    const page = await admin.get('/ui/users');
    expect(inputValue(page.html, `email-${created.id}`)).toBe('mail@example.org');
    const refused = await admin.post(`/ui/users/${created.id}`, { roles: 'manager', active: 'true', email: 'no address' });
    expect(refused.status).toBe(400);
    expect(inputValue(refused.html, `email-${created.id}`)).toBe('no address');
    expect((await admin.post(`/ui/users/${created.id}`, { roles: 'manager', active: 'true', email: '' })).status).toBe(303);
    expect((await api.get(UsersService).get(created.id)).email).toBeNull();
  });
});
