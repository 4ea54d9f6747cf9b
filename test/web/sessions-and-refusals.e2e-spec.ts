import { AuditService } from '../../src/audit/audit.service.js';
import { PartnershipsService } from '../../src/partnerships/partnerships.service.js';
import { startWebApp, type WebApp } from './browser.js';

describe('web sessions, roles and refusals', () => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
  });

  afterAll(async () => {
    await web.closeAll();
  });

  it('sends a visitor without a session to sign in, and back where they were going', async () => {
    const id = await web.seedProposal({ title: 'Where to after sign-in' });
    const context = await web.browser.newContext({ baseURL: web.baseUrl });
    const page = await context.newPage();
    await page.goto(`/ui/partnerships/${id}`);
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    await page.getByLabel('Username').fill('manager');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('The username or password is wrong');
    expect(await page.getByLabel('Username').inputValue()).toBe('manager');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(new URL(page.url()).pathname).toBe(`/ui/partnerships/${id}`);

    const session = (await context.cookies()).find((c) => c.name === 'pe_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    expect((await context.cookies()).some((c) => c.name === 'pe_session')).toBe(false);
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    await context.close();
  });

  it('ends the session on the server at sign-out: a copy of the cookie kept from before is refused', async () => {
    const page = await web.signIn('auditor');
    const context = page.context();
    const kept = (await context.cookies()).find((c) => c.name === 'pe_session');
    expect(kept).toBeDefined();
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    await context.addCookies([kept!]);
    await page.goto('/ui/audit');
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    expect((await context.cookies()).some((c) => c.name === 'pe_session')).toBe(false);
  });

  it('shows a manager no approver actions, and refuses the inbox', async () => {
    const id = await web.seedProposal({ title: 'Waiting for senior management', submit: true });
    const page = await web.signIn('manager');
    await page.goto(`/ui/partnerships/${id}`);
    const actions = await page
      .locator('section', { has: page.getByRole('heading', { name: 'What you can do now' }) })
      .locator('summary')
      .allTextContents();
    expect(actions).toEqual(['Withdraw']);
    expect(await page.getByRole('button', { name: /Approve|Reject|Request changes/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Inbox' }).count()).toBe(0);
    const response = await page.goto('/ui/inbox');
    expect(response?.status()).toBe(403);
    expect(await page.getByRole('alert').textContent()).toContain('Your roles do not allow this.');
  });

  it('refuses a forged form post, with no CSRF token or a wrong one, and records the attempt', async () => {
    const id = await web.seedProposal({ title: 'Target of a forged post', submit: true });
    const partnerships = web.get(PartnershipsService);
    const before = await partnerships.get(id);
    const page = await web.signIn('approver');
    // The request carries the approver's session cookie, as a browser tricked by another site would.
    const forged = { type: 'APPROVE', version: String(before.version) };
    const withoutToken = await page.request.post(`/ui/inbox/${id}`, { form: forged, maxRedirects: 0 });
    expect(withoutToken.status()).toBe(403);
    expect(await withoutToken.text()).toContain('did not come from this site');
    const wrongToken = await page.request.post(`/ui/inbox/${id}`, { form: { ...forged, _csrf: 'f'.repeat(64) + '.' + 'a'.repeat(64) }, maxRedirects: 0 });
    expect(wrongToken.status()).toBe(403);
    const after = await partnerships.get(id);
    expect({ state: after.state, version: after.version }).toEqual({ state: before.state, version: before.version });
    const denied = await web.get(AuditService).search({ actor: web.actors.approver.id, outcome: 'denied' });
    expect(denied.items.map((r) => JSON.parse(r.payload).details)).toEqual([{ rule: 'csrf' }, { rule: 'csrf' }]);
  });

  it('says in plain words why an action was refused, and keeps what was typed', async () => {
    const id = await web.seedProposal({ title: 'Needs a reason to reject', submit: true });
    const page = await web.signIn('approver');
    await page.goto('/ui/inbox');
    const item = page.locator('.inbox-item', { hasText: 'Needs a reason to reject' });
    await item.getByRole('button', { name: 'Reject' }).click();
    await page.locator('.inbox-item', { hasText: 'Needs a reason to reject' }).getByRole('alert').waitFor();
    expect(await page.locator('.inbox-item', { hasText: 'Needs a reason to reject' }).getByRole('alert').textContent()).toContain('Fill in a comment.');

    // Someone edits the proposal while the manager has the page open: the stale form is refused, the text kept.
    const manager = await web.signIn('manager');
    await manager.goto(`/ui/partnerships/${id}`);
    await manager.locator('summary', { hasText: 'Withdraw' }).click();
    await manager.getByLabel('Comment').fill('The partner asked us to pause.');
    const partnerships = web.get(PartnershipsService);
    const row = await partnerships.get(id);
    await partnerships.updateDetails(id, { notes: 'Changed meanwhile' }, web.actors.manager, row.version);
    await manager.getByRole('button', { name: 'Withdraw' }).click();
    expect(await manager.getByRole('alert').textContent()).toContain('Someone changed this after you opened the page');
    expect(await manager.getByLabel('Comment').inputValue()).toBe('The partner asked us to pause.');
    expect((await partnerships.get(id)).state).toBe('senior_management_review');
  });
});
