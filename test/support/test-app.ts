import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { Clock, ManualClock } from '../../src/common/clock.js';
import { MIGRATION_LOCK } from '../../src/database/data-source-options.js';

export interface TestApp {
  app: INestApplication;
  clock: ManualClock;
  dataDir: string;
  get<T>(type: abstract new (...args: never[]) => T): T;
  close(): Promise<void>;
}

/**
 * The PostgreSQL server the tests run on when DATABASE_URL or TEST_DATABASE_URL names one
 * (`npm test` runs the suite once without, on SQLite files, and once with); undefined means SQLite.
 */
export const testPostgresUrl = [process.env.DATABASE_URL, process.env.TEST_DATABASE_URL].find(
  (url): url is string => url !== undefined && /^postgres(ql)?:\/\//.test(url),
);

export const testDatabaseKind: 'postgres' | 'sqlite' = testPostgresUrl ? 'postgres' : 'sqlite';

/** On PostgreSQL, each data directory's schema: reopening the directory (a restart) reopens its data. */
const schemas = new Map<string, string>();

/**
 * The environment that keeps an app's data apart from every other app's: its own SQLite file in
 * `dataDir`, or on PostgreSQL a schema `t_<random>` of its own (see `createDatabase`). Also what a
 * test passes to the service processes it starts.
 */
export function databaseEnv(dataDir: string): Record<string, string> {
  if (!testPostgresUrl) return { DATA_DIR: dataDir };
  let schema = schemas.get(dataDir);
  if (!schema) {
    schema = `t_${randomBytes(8).toString('hex')}`;
    schemas.set(dataDir, schema);
  }
  return { DATA_DIR: dataDir, DATABASE_URL: testPostgresUrl, DATABASE_SCHEMA: schema };
}

async function onServer(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: testPostgresUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the PostgreSQL schema of `dataDir` (nothing to do on SQLite: the app creates its file). */
export async function createDatabase(dataDir: string): Promise<void> {
  const { DATABASE_SCHEMA: schema } = databaseEnv(dataDir);
  if (schema) await onServer((client) => client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
}

/**
 * Drops the PostgreSQL schema of `dataDir`, once no app is migrating (an app whose start failed
 * may still be); the directory is the caller's to remove.
 */
export async function dropDatabase(dataDir: string): Promise<void> {
  const schema = schemas.get(dataDir);
  if (!schema) return;
  schemas.delete(dataDir);
  await onServer(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });
}

/**
 * An app started without `databaseEnv` (none should be) lands in a throwaway schema of the test
 * file's instead of the server's `public` schema, which tests never touch.
 */
const STRAY_APPS = 'apps started without databaseEnv';
beforeAll(async () => {
  if (!testPostgresUrl) return;
  await createDatabase(STRAY_APPS);
  process.env.DATABASE_SCHEMA = databaseEnv(STRAY_APPS).DATABASE_SCHEMA;
});

// Schemas of data directories that a test owns (kept across restarts) go when the file ends.
afterAll(async () => {
  for (const dataDir of [...schemas.keys()]) await dropDatabase(dataDir);
});

/**
 * The real AppModule on fresh storage (a SQLite file in a temp directory, or a fresh PostgreSQL
 * schema, created before and dropped after), with a manual clock and the timer poller off (tests fire timers by moving the clock
 * and calling `fireDue`), and the audit checkpoint poller off too (tests call `AuditService.checkpointIfDue`).
 */
export async function createTestApp(options: { dataDir?: string; clock?: ManualClock; env?: Record<string, string> } = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'partnership-engine-'));
  const clock = options.clock ?? new ManualClock('2026-03-02T09:00:00.000Z');
  const discard = async () => {
    if (options.dataDir) return;
    await dropDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  };
  Object.assign(process.env, { ...databaseEnv(dataDir), TIMER_POLL_MS: '0', AUDIT_CHECKPOINT_POLL_MS: '0', WORKFLOWS_DIR: 'workflows', ...options.env });
  let app: INestApplication;
  try {
    await createDatabase(dataDir);
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    configureApp(app);
    await app.init();
  } catch (error) {
    await discard();
    throw error;
  }
  return {
    app,
    clock,
    dataDir,
    get: (type) => app.get(type),
    close: async () => {
      await app.close();
      await discard();
    },
  };
}
