/**
 * `npm run demo`: a fresh database seeded with the Pakistan field visit of November 2024, then the
 * real service on it, started as src/main.ts starts it (AppModule, configureApp, PORT, the real
 * clock and the timer poller). DATA_DIR defaults to ./data-demo; its database is replaced at
 * every start, and a DATA_DIR holding a database the demo did not make is refused, never deleted.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppModule } from '../src/app.module.js';
import { configureApp } from '../src/app.setup.js';
import { validateEnvironment, type AppConfig } from '../src/config/app.config.js';
import { ensurePrivateDirectory } from '../src/common/private-files.js';
import { seedDemoDatabase, type DemoSeedResult } from '../src/demo/demo-seed.js';
import { generatePassword } from '../src/users/password-policy.js';
import { INITIAL_ADMIN_USERNAME } from '../src/users/users.service.js';

const DEFAULT_DATA_DIR = './data-demo';
const DATABASE_FILE = 'partnerships.sqlite';
const DEMO_MARKER = '.partnership-engine-demo';

/** Removes the demo's previous database, or refuses when the directory holds someone else's. */
function startAfresh(dataDir: string, explicit: boolean): void {
  const database = join(dataDir, DATABASE_FILE);
  if (explicit && existsSync(database) && !existsSync(join(dataDir, DEMO_MARKER))) {
    throw new Error(`${database} was not made by the demo; choose another DATA_DIR (the demo starts afresh and will not delete it)`);
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });
  ensurePrivateDirectory(dataDir);
  writeFileSync(join(dataDir, DEMO_MARKER), 'This directory holds the demo database; `npm run demo` replaces it at every start.\n');
}

function printSeed(result: DemoSeedResult, dataDir: string, adminFromEnv: boolean, adminPassword: string): void {
  const rows = [
    { username: 'admin', roles: 'admin', password: adminFromEnv ? '(from ADMIN_PASSWORD)' : adminPassword },
    ...result.accounts.map((a) => ({ username: a.username, roles: a.roles.join(','), password: a.password })),
  ];
  const width = (key: 'username' | 'roles') => Math.max(key.length, ...rows.map((r) => r[key].length));
  const line = (u: string, r: string, p: string) => `  ${u.padEnd(width('username'))}  ${r.padEnd(width('roles'))}  ${p}`;
  const stateWidth = Math.max(...result.partnerships.map((p) => p.state.length));
  console.log(
    [
      '',
      `Partnership Engine demo: a fresh database in ${dataDir}`,
      `seeded from the Pakistan field visit of November 2024 (${result.organizations} organizations, ${result.partnerships.length} partnerships, history up to ${result.now}).`,
      '',
      'Sign in with these accounts; the passwords are shown only this once:',
      '',
      line('user', 'roles', 'password'),
      ...rows.map((r) => line(r.username, r.roles, r.password)),
      '',
      'Partnerships:',
      ...result.partnerships.map((p) => `  ${p.state.padEnd(stateWidth)}  ${p.title}`),
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  // The raw settings: the demo has a data directory of its own when DATA_DIR is unset.
  const settings = validateEnvironment(process.env);
  if (settings.DATABASE_URL) throw new Error('the demo runs on its own SQLite file; unset DATABASE_URL');
  const explicit = Boolean(settings.DATA_DIR);
  const dataDir = resolve(settings.DATA_DIR || DEFAULT_DATA_DIR);
  startAfresh(dataDir, explicit);
  process.env.DATA_DIR = dataDir;
  const adminFromEnv = settings.ADMIN_PASSWORD !== undefined;
  const adminPassword = settings.ADMIN_PASSWORD ?? generatePassword(INITIAL_ADMIN_USERNAME);
  const seeded = await seedDemoDatabase({ dataDir, adminPassword });

  const app = await NestFactory.create(AppModule, { bufferLogs: false });
  configureApp(app);
  app.enableShutdownHooks();
  const { port } = app.get(ConfigService).getOrThrow<AppConfig>('app');
  await app.listen(port);
  // After Nest's start-up lines, so the accounts are the last thing on the screen.
  printSeed(seeded, dataDir, adminFromEnv, adminPassword);
  Logger.log(`Partnership Engine demo listening on http://localhost:${port}/api (docs at /api/docs)`, 'Demo');
}

main().catch((error: Error) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
