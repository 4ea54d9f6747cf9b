import { existsSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Role } from '../../src/users/roles.js';
import { UsersService } from '../../src/users/users.service.js';
import { SYSTEM_ACTOR, type Actor } from '../../src/workflow-engine/workflow.types.js';
import { createProposal, sendFromCurrent } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** Debian's Chromium; `.ci/run` installs it when missing. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
export const PASSWORD = 'correct horse battery';

export const PEOPLE = {
  manager: { displayName: 'Mona Manager', roles: ['manager'] },
  approver: { displayName: 'Amir Approver', roles: ['approver'] },
  auditor: { displayName: 'Aude Auditor', roles: ['auditor'] },
  admin2: { displayName: 'Ada Admin', roles: ['admin'] },
} satisfies Record<string, { displayName: string; roles: Role[] }>;

export type Person = keyof typeof PEOPLE;

export interface WebApp extends TestApp {
  baseUrl: string;
  browser: Browser;
  actors: Record<Person, Actor>;
  /** A fresh browser context (its own cookies) signed in as this person, on the board. */
  signIn(person: Person, options?: { bypassCSP?: boolean }): Promise<Page>;
  /** A proposal created through the service, as a manager would, and optionally submitted. */
  seedProposal(overrides?: { title?: string; submit?: boolean }): Promise<string>;
  closeAll(): Promise<void>;
}

/** The real app on a local port (a random one unless given), with one user per role, and headless Chromium; `env` adds settings. */
export async function startWebApp(options: { port?: number; env?: Record<string, string> } = {}): Promise<WebApp> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const t = await createTestApp({ env: { ADMIN_PASSWORD: 'admin-password-for-tests', ...options.env } });
  await t.app.listen(options.port ?? 0, '127.0.0.1');
  const port = ((t.app.getHttpServer() as Server).address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const users = t.get(UsersService);
  const actors = {} as Record<Person, Actor>;
  for (const [username, person] of Object.entries(PEOPLE) as Array<[Person, (typeof PEOPLE)[Person]]>) {
    const created = await users.create(
      { username: username.toLowerCase(), password: PASSWORD, displayName: person.displayName, roles: person.roles },
      SYSTEM_ACTOR,
    );
    actors[username] = { id: created.id, roles: created.roles };
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const contexts: BrowserContext[] = [];
  const signIn = async (person: Person, options: { bypassCSP?: boolean } = {}) => {
    const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 900 }, bypassCSP: options.bypassCSP ?? false });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto('/ui/sign-in');
    await page.getByLabel('Username').fill(person.toLowerCase());
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/`);
    return page;
  };
  const seedProposal = async (overrides: { title?: string; submit?: boolean } = {}) => {
    const organization = { name: `Org for ${overrides.title ?? 'a proposal'}` };
    const row = await createProposal(t, overrides.title ? { title: overrides.title } : {}, { by: actors.manager, organization });
    if (overrides.submit) await sendFromCurrent(t, row.id, 'SUBMIT_FOR_APPROVAL', actors.manager);
    return row.id;
  };
  return {
    ...t,
    baseUrl,
    browser,
    actors,
    signIn,
    seedProposal,
    closeAll: async () => {
      for (const context of contexts) await context.close();
      await browser.close();
      await t.close();
    },
  };
}
