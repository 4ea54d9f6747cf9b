import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import type { BrowserContext, Page } from 'playwright-core';
import { AuditService } from '../../src/audit/audit.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { SYSTEM_ACTOR } from '../../src/workflow-engine/workflow.types.js';
import { freePort } from '../support/service-process.js';
import { PASSWORD, startWebApp, type WebApp } from './browser.js';

const CLIENT = { client_id: 'partnership-engine', client_secret: 'a client secret for the tests 8d0f' };
const PROVIDER_NAME = 'Test University';

/**
 * A real OpenID Connect provider (oidc-provider) on a local port, with its development sign-in
 * pages: whatever login one types there is the account, and its email address. The app is
 * registered as a confidential client that comes back to /ui/sign-in/sso/callback.
 */
async function startProvider(port: number, appUrl: string): Promise<{ issuer: string; server: Server }> {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        ...CLIENT,
        redirect_uris: [`${appUrl}/ui/sign-in/sso/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    cookies: { keys: ['cookie key for the tests only'] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    findAccount: (_context, id) => ({ accountId: id, claims: () => ({ sub: id, email: id, email_verified: true }) }),
  });
  const server = provider.listen(port);
  await new Promise((resolve) => server.once('listening', resolve));
  return { issuer, server };
}

describe('single sign-on with an OpenID Connect provider, in Chromium', () => {
  let web: WebApp;
  let provider: Server;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const [appPort, providerPort] = [await freePort(), await freePort()];
    const appUrl = `http://127.0.0.1:${appPort}`;
    const started = await startProvider(providerPort, appUrl);
    provider = started.server;
    web = await startWebApp({
      port: appPort,
      env: {
        PUBLIC_URL: appUrl,
        OIDC_ISSUER: started.issuer,
        OIDC_CLIENT_ID: CLIENT.client_id,
        OIDC_CLIENT_SECRET: CLIENT.client_secret,
        OIDC_NAME: PROVIDER_NAME,
      },
    });
    const users = web.get(UsersService);
    await users.create({ username: 'known', password: PASSWORD, displayName: 'Kim Known', roles: ['auditor'], email: 'Kim.Known@Example.org' }, SYSTEM_ACTOR);
    const gone = await users.create(
      { username: 'gone', password: PASSWORD, displayName: 'Gil Gone', roles: ['manager'], email: 'gil.gone@example.org' },
      SYSTEM_ACTOR,
    );
    await users.update(gone.id, { active: false }, SYSTEM_ACTOR);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await web.closeAll();
    await new Promise((resolve) => provider.close(resolve));
  });

  /** A fresh browser (no cookies, here or at the provider) that reaches nothing but this machine: the provider's pages link web fonts. */
  async function browser(): Promise<Page> {
    const context = await web.browser.newContext({ baseURL: web.baseUrl });
    contexts.push(context);
    await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  /** From the sign-in page, through the provider's sign-in (and consent) as `login`, back to this site. */
  async function signInAtProvider(page: Page, login: string): Promise<void> {
    await page.goto('/ui/sign-in?next=/ui/audit');
    await page.getByRole('link', { name: `Sign in with ${PROVIDER_NAME}`, exact: true }).click();
    expect(page.url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/interaction\//);
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('anything: the provider checks no password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  /** The last audit row of `action`, its payload parsed. */
  async function lastAuditRow(action: string): Promise<{ outcome: string; entityType: string; payload: Record<string, unknown> }> {
    const rows = (await web.get(AuditService).search({ action, limit: 1000 })).items;
    const row = rows[rows.length - 1];
    return { outcome: row.outcome, entityType: row.entityType, payload: JSON.parse(row.payload) as Record<string, unknown> };
  }

  it('signs a known address in, whatever its case, to the session a password opens, audited; signing out ends it', async () => {
    const page = await browser();
    await signInAtProvider(page, 'kim.known@example.org');
    await page.waitForURL(`${web.baseUrl}/ui/audit`);
    expect(await page.getByRole('banner').textContent()).toContain('Kim Known');
    const session = (await page.context().cookies()).find((cookie) => cookie.name === 'pe_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect((await page.context().cookies()).some((cookie) => cookie.name === 'pe_sso')).toBe(false);
    expect(await lastAuditRow('LOGIN')).toMatchObject({
      outcome: 'ok',
      entityType: 'user',
      payload: { method: 'oidc', email: 'kim.known@example.org', subject: 'kim.known@example.org', issuer: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/) },
    });

    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    await page.context().addCookies([session!]);
    await page.goto('/ui/audit');
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
  });

  it('refuses an address no account has, saying so, and makes no account', async () => {
    const page = await browser();
    await signInAtProvider(page, 'stranger@example.org');
    await page.waitForURL(/\/ui\/sign-in\/sso\/callback/);
    expect(await page.getByRole('alert').textContent()).toContain('No account here has the address stranger@example.org.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    expect((await page.context().cookies()).some((cookie) => cookie.name === 'pe_session')).toBe(false);
    expect(await lastAuditRow('LOGIN_FAILED')).toMatchObject({
      outcome: 'denied',
      payload: { method: 'oidc', email: 'stranger@example.org', reason: 'unknownEmail' },
    });
    const users = await web.get(UsersService).list({});
    expect(users.items.map((user) => user.email)).not.toContain('stranger@example.org');
  });

  it('refuses a disabled user', async () => {
    const page = await browser();
    await signInAtProvider(page, 'gil.gone@example.org');
    await page.waitForURL(/\/ui\/sign-in\/sso\/callback/);
    expect(await page.getByRole('alert').textContent()).toContain('The account with the address gil.gone@example.org is disabled.');
    expect((await page.context().cookies()).some((cookie) => cookie.name === 'pe_session')).toBe(false);
    expect(await lastAuditRow('LOGIN_FAILED')).toMatchObject({ payload: { method: 'oidc', email: 'gil.gone@example.org', reason: 'disabled' } });
  });

  it('refuses a callback that no sign-in of this browser began', async () => {
    const page = await browser();
    const response = await page.goto('/ui/sign-in/sso/callback?code=forged&state=forged');
    expect(response?.status()).toBe(401);
    expect(await page.getByRole('alert').textContent()).toContain('This sign-in took too long, or began in another browser.');
  });
});
