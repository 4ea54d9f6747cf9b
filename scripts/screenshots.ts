/**
 * `npm run screenshots`: the main pages of the web interface at desktop (1280 px) and mobile
 * (360 px) width, into docs/screenshots/. The app runs on a fresh database seeded with the demo
 * data (the field visit), through the services, and Debian's Chromium takes the pictures.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AppModule } from '../src/app.module.js';
import { configureApp } from '../src/app.setup.js';
import { seedDemoDatabase, type DemoSeedResult } from '../src/demo/demo-seed.js';
import { generatePassword } from '../src/users/password-policy.js';
import { INITIAL_ADMIN_USERNAME } from '../src/users/users.service.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
const OUT_DIR = resolve('docs/screenshots');
const WIDTHS = { desktop: 1280, mobile: 360 } as const;

interface Shot {
  name: string;
  user: string | null;
  path: string;
  /** What to do on the page before the picture, e.g. open a form. */
  prepare?: (page: Page) => Promise<void>;
}

function shots(seed: DemoSeedResult): Shot[] {
  const first = (prefix: string) => seed.partnerships.find((p) => p.state.startsWith(prefix));
  const inForce = first('in_force');
  const inReview = first('senior_management_review');
  return [
    { name: 'sign-in', user: null, path: '/ui/sign-in' },
    { name: 'my-work', user: 'approver', path: '/' },
    { name: 'pipeline', user: 'manager', path: '/ui/pipeline' },
    { name: 'dashboard', user: 'manager', path: '/ui/dashboard' },
    { name: 'partnership-list', user: 'manager', path: '/ui/partnerships?sort=deadline' },
    ...(inForce ? [{ name: 'partnership-in-force', user: 'manager', path: `/ui/partnerships/${inForce.id}` }] : []),
    ...(inReview
      ? [
          {
            name: 'partnership-in-review',
            user: 'approver',
            path: `/ui/partnerships/${inReview.id}`,
            prepare: (page: Page) =>
              page
                .locator('summary', { hasText: /^Approve$/ })
                .first()
                .click(),
          },
        ]
      : []),
    { name: 'inbox', user: 'approver', path: '/ui/inbox' },
    { name: 'organizations', user: 'manager', path: '/ui/organizations' },
    { name: 'activities', user: 'manager', path: '/ui/activities?days=365' },
    { name: 'audit-log', user: 'auditor', path: '/ui/audit' },
    { name: 'audit-verified', user: 'auditor', path: '/ui/audit/verify' },
    { name: 'users', user: 'admin', path: '/ui/users' },
    { name: 'notifications', user: 'approver', path: '/ui/notifications' },
    { name: 'account', user: 'manager', path: '/ui/account' },
  ];
}

async function signedInPage(browser: Browser, baseURL: string, width: number, username: string | null, password: string | undefined): Promise<Page> {
  const context = await browser.newContext({ baseURL, viewport: { width, height: 800 } });
  const page = await context.newPage();
  if (username === null) return page;
  await page.goto('/ui/sign-in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseURL}/`);
  return page;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'partnership-engine-screenshots-'));
  const adminPassword = generatePassword(INITIAL_ADMIN_USERNAME);
  Object.assign(process.env, { DATA_DIR: dataDir, TIMER_POLL_MS: '0', ADMIN_PASSWORD: adminPassword });
  delete process.env.DATABASE_URL;
  const seed = await seedDemoDatabase({ dataDir, adminPassword });
  const passwords = new Map<string, string>([['admin', adminPassword], ...seed.accounts.map((a): [string, string] => [a.username, a.password])]);

  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const baseURL = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    mkdirSync(OUT_DIR, { recursive: true });
    for (const [label, width] of Object.entries(WIDTHS)) {
      const pages = new Map<string | null, Page>();
      for (const shot of shots(seed)) {
        const page = pages.get(shot.user) ?? (await signedInPage(browser, baseURL, width, shot.user, passwords.get(shot.user ?? '')));
        pages.set(shot.user, page);
        await page.goto(shot.path);
        await shot.prepare?.(page);
        const file = join(OUT_DIR, `${shot.name}-${label}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`wrote ${file}`);
      }
    }
  } finally {
    await browser.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`screenshots failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
