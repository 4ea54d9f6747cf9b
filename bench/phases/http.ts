import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { PartnershipsService } from '../../src/partnerships/partnerships.service.js';
import { ADMIN_PASSWORD, BENCH_MANAGER, emit, log, openServices, peakRssMb, round, SCALE } from '../support.js';
import { Pool, proposal, SEND_BACK, STEPS_PER_PARTNERSHIP, SUBMIT, type Cursor } from '../workload.js';

/**
 * HTTP transitions per second against the real service (node dist/src/main.js) with autocannon
 * at 1, 10 and 50 connections: bearer-token authentication (the user reloaded from the database),
 * validation, If-Match, the same transition mix and write transaction as the service-layer
 * figure, and the partnership view as the answer. Every request is a valid transition: each
 * connection takes a partnership from a shared pool, sends the next step with the version the
 * previous answer's ETag named, and gives it back.
 */
const DURATION_S = Math.max(2, Math.round(10 * SCALE));
const CONNECTIONS = [1, 10, 50];
const POOL = Math.ceil((CONNECTIONS.length * DURATION_S * 1500 + 2 * 1500) / STEPS_PER_PARTNERSHIP);
const PASSWORD = 'bench user password';

interface Run {
  connections: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// The proposals are made in this process through the services (quicker than over HTTP), then the service starts on the same data.
const seeding = await openServices();
const organization = await seeding.get(OrganizationsService).create({ name: 'Benchmark University', kind: 'university', country: 'PK' }, BENCH_MANAGER);
const cursors: Cursor[] = [];
for (let n = 0; n < POOL; n += 1) {
  const row = await seeding.get(PartnershipsService).create(proposal(organization.id, n), BENCH_MANAGER);
  cursors.push({ id: row.id, version: row.version, submitted: false });
}
await seeding.close();
log(`http: ${POOL} proposals created`);

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: { ...process.env, PORT: String(port), ADMIN_PASSWORD, TIMER_POLL_MS: '5000', RATE_LIMIT_WRITES_PER_MINUTE: '1000000000' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (let i = 0; ; i += 1) {
  if ((await fetch(`${base}/api/health`).catch(() => undefined))?.ok) break;
  if (i > 300 || server.exitCode !== null) throw new Error('the service did not start');
  await sleep(100);
}

async function call(path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}/api${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}
const login = async (username: string, password: string) => (await call('/auth/login', { username, password })).accessToken as string;
const admin = await login('admin', ADMIN_PASSWORD);
await call('/users', { username: 'manager', password: PASSWORD, roles: ['manager'] }, admin);
await call('/users', { username: 'approver', password: PASSWORD, roles: ['approver'] }, admin);
const tokens = { manager: await login('manager', PASSWORD), approver: await login('approver', PASSWORD) };

const pool = new Pool(cursors);
/** Partnerships between two requests, with steps left; a connection takes one, or a fresh one from the pool. */
const idle: Array<Cursor & { steps: number }> = [];

function bodies(cursor: Cursor) {
  return cursor.submitted ? { body: JSON.stringify(SEND_BACK), token: tokens.approver } : { body: JSON.stringify(SUBMIT), token: tokens.manager };
}

async function load(connections: number, seconds: number): Promise<Run> {
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request, context) => {
          const cursor = idle.pop() ?? { ...pool.take(), steps: 0 };
          (context as { cursor?: Cursor }).cursor = cursor;
          const { body, token } = bodies(cursor);
          return {
            ...request,
            method: 'POST',
            path: `/api/partnerships/${cursor.id}/events`,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'if-match': `"${cursor.version}"` },
            body,
          };
        },
        onResponse: (status, _body, context, headers) => {
          const cursor = (context as { cursor: Cursor & { steps: number } }).cursor;
          if (status !== 200) return;
          const etag = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'etag')?.[1];
          cursor.version = Number(String(etag).replaceAll('"', ''));
          cursor.submitted = !cursor.submitted;
          cursor.steps += 1;
          if (cursor.steps < STEPS_PER_PARTNERSHIP) idle.push(cursor);
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    connections,
    requests: ok,
    perSecond: round(ok / result.duration, 1),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

await load(10, 2);
const runs: Run[] = [];
for (const connections of CONNECTIONS) {
  const run = await load(connections, DURATION_S);
  log(`http, ${connections} connection(s): ${run.perSecond}/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, non-2xx ${run.non2xx}`);
  runs.push(run);
}
const serverPeakRssMb = peakRssMb(server.pid as number);
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
emit({ durationSeconds: DURATION_S, runs, serverPeakRssMb });
