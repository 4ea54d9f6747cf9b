import Database from 'better-sqlite3';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { MIGRATION_LOCK } from '../src/database/data-source-options.js';
import { buildService } from './support/service-build.js';
import { type Exit, ServiceProcess, waitForReady, whenLogged } from './support/service-process.js';
import { organizationInput, partnershipInput } from './support/factories.js';
import { createDatabase, databaseEnv, dropDatabase, testDatabaseKind } from './support/test-app.js';

/**
 * The built service as an operator runs it: what it logs, how it stops. On SQLite, or on a
 * PostgreSQL schema of its own.
 */
const ADMIN_PASSWORD = 'operations-admin-password-7f3a';
const USER_PASSWORD = 'operations user password 51c9';
const WRONG_PASSWORD = 'a wrong guess 0d2e9b';
const NOBODY = { uid: 65534, gid: 65534 };

/** What the service left in its database, read with `?` placeholders on either database. */
async function readStore<T>(dataDir: string, sql: string): Promise<T[]> {
  const { DATABASE_URL: url, DATABASE_SCHEMA: schema } = databaseEnv(dataDir);
  if (!url) {
    const db = new Database(join(dataDir, 'partnerships.sqlite'), { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Holds PostgreSQL's migration lock (an advisory lock) until `release`. */
async function holdMigrationLock(dataDir: string): Promise<{ release: () => Promise<void> }> {
  const { DATABASE_URL: url, DATABASE_SCHEMA: schema } = databaseEnv(dataDir);
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  return { release: () => client.end() };
}

describe(`the service as operators run it, on ${testDatabaseKind === 'postgres' ? 'PostgreSQL' : 'SQLite'}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'partnership-operations-'));
  let main: string;

  beforeAll(async () => {
    main = buildService('operations-build');
    await createDatabase(dataDir);
  }, 120_000);

  afterAll(async () => {
    await dropDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  function service(env: Record<string, string> = {}): ServiceProcess {
    return new ServiceProcess('the service', main, { ...databaseEnv(dataDir), ADMIN_PASSWORD, TIMER_POLL_MS: '50', WORKFLOWS_DIR: 'workflows', ...env });
  }

  it('logs JSON lines, one per request with its id, user, method, route, status and time, and no password, token or cookie', async () => {
    const server = service();
    await server.start();
    try {
      const http = request(server.url);
      const login = async (username: string, password: string) =>
        (await http.post('/api/auth/login').send({ username, password }).expect(200)).body.accessToken as string;
      const admin = await login('admin', ADMIN_PASSWORD);
      await http
        .post('/api/users')
        .set('Authorization', `Bearer ${admin}`)
        .send({ username: 'logged', password: USER_PASSWORD, roles: ['auditor'] })
        .expect(201);
      await http.post('/api/auth/login').send({ username: 'logged', password: WRONG_PASSWORD }).expect(401);
      const cookie = await login('logged', USER_PASSWORD);
      await http.get('/').set('Cookie', `pe_session=${cookie}`).expect(200);
      const me = await http.get('/api/auth/me').set('Authorization', `Bearer ${admin}`).set('X-Request-Id', 'operations-me-1').expect(200);
      await http
        .get(`/api/partnerships/${me.body.id}?token=${cookie}`)
        .set('Authorization', `Bearer ${admin}`)
        .set('X-Request-Id', 'operations-last')
        .expect(404);
      // A request's line is written when its answer has gone, so it may reach the pipe a moment after the answer.
      await whenLogged([server], (output) => output.includes('"reqId":"operations-last"'));

      const lines = server.log.trim().split('\n');
      const records = lines.map((line) => JSON.parse(line) as Record<string, string | number | null>);
      for (const secret of [ADMIN_PASSWORD, USER_PASSWORD, WRONG_PASSWORD, admin, cookie]) expect(server.log).not.toContain(secret);
      // Nest's own lines are JSON too, with their context.
      expect(records).toContainEqual(expect.objectContaining({ level: 'info', context: 'Bootstrap', msg: expect.stringContaining('listening on') }));
      const requests = records.filter((record) => record.msg === 'request');
      expect(requests.find((record) => record.reqId === 'operations-me-1')).toEqual({
        level: 'info',
        time: expect.any(String),
        pid: expect.any(Number),
        hostname: expect.any(String),
        msg: 'request',
        reqId: 'operations-me-1',
        userId: me.body.id,
        method: 'GET',
        route: '/api/auth/me',
        status: 200,
        ms: expect.any(Number),
      });
      expect(requests.map((record) => `${String(record.method)} ${String(record.route)} ${String(record.status)} ${record.userId !== null}`)).toEqual([
        'POST /api/auth/login 200 false',
        'POST /api/users 201 true',
        'POST /api/auth/login 401 false',
        'POST /api/auth/login 200 false',
        'GET / 200 true',
        'GET /api/auth/me 200 true',
        'GET /api/partnerships/:id 404 true',
      ]);
      expect(new Set(requests.map((record) => record.reqId)).size).toBe(requests.length);
    } finally {
      await server.stop();
    }
  });

  // PostgreSQL only: there the migration lock (an advisory lock) makes a start wait as long as it is held. On SQLite a
  // start that finds the file's write lock held fails at once, while it sets WAL mode, before it reaches the migrations.
  (testDatabaseKind === 'postgres' ? it : it.skip)('does not listen while it migrates, so a probe is refused; it is ready once migrations end', async () => {
    const lock = await holdMigrationLock(dataDir);
    const server = service();
    try {
      const child = await server.spawn();
      const listening = waitForReady(child, () => `the service exited:\n${server.log}`);
      await whenLogged([server], (output) => output.includes('Starting Nest application'));
      await expect(fetch(`${server.url}/api/health/ready`)).rejects.toThrow('fetch failed');
      await lock.release();
      await listening;
      const ready = await request(server.url).get('/api/health/ready').expect(200);
      expect(ready.body).toMatchObject({ status: 'ready', checks: { migrations: { status: 'up' }, timerPoller: { status: 'up' } } });
    } finally {
      await lock.release().catch(() => undefined);
      await server.stop();
    }
  });

  (testDatabaseKind === 'sqlite' ? it : it.skip)('is not ready when its SQLite file cannot be read, though its open connection still works', async () => {
    const ownDir = mkdtempSync(join(tmpdir(), 'partnership-unreadable-'));
    chownSync(ownDir, NOBODY.uid, NOBODY.gid);
    const server = new ServiceProcess(
      'the service as nobody',
      main,
      { DATA_DIR: ownDir, ADMIN_PASSWORD, TIMER_POLL_MS: '50', WORKFLOWS_DIR: 'workflows' },
      NOBODY,
    );
    try {
      await server.start();
      await request(server.url).get('/api/health/ready').expect(200);
      const file = join(ownDir, 'partnerships.sqlite');
      chmodSync(file, 0o000);
      const answer = await request(server.url).get('/api/health/ready').expect(503);
      expect(answer.body.details.checks).toMatchObject({
        database: { status: 'up' },
        databaseFile: { status: 'down', message: `${file} cannot be read and written by the service` },
      });
      await request(server.url).get('/api/health/live').expect(200);
      chmodSync(file, 0o600);
      await request(server.url).get('/api/health/ready').expect(200);
    } finally {
      await server.stop();
      rmSync(ownDir, { recursive: true, force: true });
    }
  });

  it('on SIGTERM during a stream of transitions, finishes what it took, exits 0 in time, and loses nothing acknowledged', async () => {
    const server = service({ SHUTDOWN_TIMEOUT_MS: '10000', RATE_LIMIT_WRITES_PER_MINUTE: '1000000' });
    await server.start();
    const http = request(server.url);
    const login = async (username: string, password: string) =>
      (await http.post('/api/auth/login').send({ username, password }).expect(200)).body.accessToken as string;
    const admin = await login('admin', ADMIN_PASSWORD);
    for (const role of ['manager', 'approver']) {
      await http
        .post('/api/users')
        .set('Authorization', `Bearer ${admin}`)
        .send({ username: `stream-${role}`, password: USER_PASSWORD, roles: [role] })
        .expect(201);
    }
    const tokens = { manager: await login('stream-manager', USER_PASSWORD), approver: await login('stream-approver', USER_PASSWORD) };
    const org = await http.post('/api/organizations').set('Authorization', `Bearer ${tokens.manager}`).send(organizationInput()).expect(201);
    const proposals = await Promise.all(
      Array.from(
        { length: 6 },
        async () =>
          (await http.post('/api/partnerships').set('Authorization', `Bearer ${tokens.manager}`).send(partnershipInput(org.body.id)).expect(201)).body as {
            id: string;
            version: number;
          },
      ),
    );

    const acks: Array<{ requestId: string; id: string; version: number }> = [];
    let signalled: Promise<Exit | undefined> | undefined;
    // Each worker moves its own partnership back and forth (submitted, sent back) until the service stops answering 200.
    const worker = async ({ id, version: first }: { id: string; version: number }) => {
      let version = first;
      for (let step = 0; ; step += 1) {
        const [body, token] =
          step % 2 === 0 ? [{ type: 'SUBMIT_FOR_APPROVAL' }, tokens.manager] : [{ type: 'REQUEST_CHANGES', comment: 'Add the outline.' }, tokens.approver];
        const requestId = `stream-${id.slice(0, 8)}-${step}`;
        const answer = await fetch(`${server.url}/api/partnerships/${id}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'if-match': `"${version}"`, 'x-request-id': requestId },
          body: JSON.stringify(body),
        }).catch(() => undefined);
        if (answer?.status !== 200) return;
        version = ((await answer.json()) as { version: number }).version;
        acks.push({ requestId, id, version });
        if (acks.length === 40) signalled = server.stop('SIGTERM');
      }
    };
    await Promise.all(proposals.map(worker));
    const exit = await signalled;
    expect(exit).toEqual({ code: 0, signal: null, ms: expect.any(Number) });
    expect(exit?.ms).toBeLessThan(10_000);
    expect(server.log).toContain('SIGTERM: shutting down');
    expect(acks.length).toBeGreaterThanOrEqual(40);

    const audited = new Set(
      (await readStore<{ request_id: string }>(dataDir, "SELECT request_id FROM audit_events WHERE outcome = 'ok' AND request_id LIKE 'stream-%'")).map(
        (row) => row.request_id,
      ),
    );
    expect(acks.filter((ack) => !audited.has(ack.requestId))).toEqual([]);
    const versions = new Map(
      (await readStore<{ id: string; version: number }>(dataDir, 'SELECT id, version FROM partnerships')).map((row) => [row.id, Number(row.version)]),
    );
    for (const ack of acks) expect(versions.get(ack.id)).toBeGreaterThanOrEqual(ack.version);

    const again = service();
    await again.start();
    try {
      const token = (await request(again.url).post('/api/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200)).body
        .accessToken as string;
      await request(again.url)
        .get('/api/audit/verify')
        .set('Authorization', `Bearer ${token}`)
        .expect(200)
        .expect((answer) => expect(answer.body.ok).toBe(true));
    } finally {
      await again.stop();
    }
  });
});
