import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildService } from './support/service-build.js';
import { ServiceProcess, whenLogged } from './support/service-process.js';
import { createDatabase, databaseEnv, dropDatabase, testDatabaseKind } from './support/test-app.js';

/**
 * The built service as an operator runs it: what it logs, how it stops. On SQLite, or on a
 * PostgreSQL schema of its own.
 */
const ADMIN_PASSWORD = 'operations-admin-password-7f3a';
const USER_PASSWORD = 'operations user password 51c9';
const WRONG_PASSWORD = 'a wrong guess 0d2e9b';

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
});
