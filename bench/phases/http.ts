import autocannon from 'autocannon';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { PartnershipsService } from '../../src/partnerships/partnerships.service.js';
import { freePort, waitForReady } from '../../test/support/service-process.js';
import { ADMIN_PASSWORD, BENCH_MANAGER, emit, log, openServices, peakRssMb, round, SCALE, tempDir } from '../support.js';
import { advance, Pool, POOL_SIZE, proposal, SEND_BACK, STEPS_PER_ROUND, SUBMIT, type Cursor } from '../workload.js';

/**
 * HTTP transitions per second against the real service (dist/src/main.js) with autocannon
 * at 1, 10 and 50 connections: bearer-token authentication (the user reloaded from the database),
 * validation, If-Match, the same transition mix and write transaction as the service-layer
 * figure. Each count is run twice: with `Prefer: return=minimal` (the answer is id, state and
 * version: the service layer's work, over HTTP) and without (the answer is the partnership's whole
 * view, which the service-layer figure does not build). Every request is a valid transition: a
 * connection takes a partnership from the pool, sends its next step with the version the
 * previous answer's ETag named, and after a round hands it back.
 *
 * Beside them, at each count, the floor: `GET /api/auth/me` with the same bearer token, i.e. the
 * HTTP server, the framework, authentication and the user's row, and no transition. No event
 * request can be answered faster than this one, so its rate bounds what the judged figure can reach.
 *
 * The service runs as an operator with Prometheus runs it: a line per request logged (to a file, as a
 * collector's pipe would take it) and each request timed for `GET /metrics` (METRICS_TOKEN set).
 * BENCH_OBSERVABILITY=off runs it with neither (LOG_LEVEL=silent, no METRICS_TOKEN): the two,
 * alternated, say what logging and metrics cost (bench/README.md, "What logging and metrics cost").
 */
const DURATION_S = Math.max(2, Math.round(10 * SCALE));
const CONNECTIONS = [1, 10, 50];
const PASSWORD = 'bench user password';
const METRICS_TOKEN = 'bench-metrics-token-0123456789';
const OBSERVED = process.env.BENCH_OBSERVABILITY !== 'off';

type Answer = 'minimal' | 'view';

/** What autocannon measured at one connection count. */
interface Measured {
  connections: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** The service process's CPU time per answered request. */
  serverCpuUsPerRequest: number;
}

interface Run extends Measured {
  /** `minimal`: sent with Prefer: return=minimal; `view`: answered with the whole partnership view. */
  answer: Answer;
}

/** CPU time a process has used, in microseconds (user + system, from /proc). */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1e6;
}
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** The proposals are made through the services in this process (quicker than over HTTP); the service then starts on the same data. */
async function seed(): Promise<Cursor[]> {
  const services = await openServices();
  const organization = await services.get(OrganizationsService).create({ name: 'Benchmark University', kind: 'university', country: 'PK' }, BENCH_MANAGER);
  const cursors: Cursor[] = [];
  for (let n = 0; n < POOL_SIZE; n += 1) {
    const row = await services.get(PartnershipsService).create(proposal(organization.id, n), BENCH_MANAGER);
    cursors.push({ id: row.id, version: row.version, submitted: false, steps: 0 });
  }
  await services.close();
  log(`http: ${POOL_SIZE} proposals created`);
  return cursors;
}

async function post(base: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}/api${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

async function signIn(base: string): Promise<{ manager: string; approver: string }> {
  const login = async (username: string, password: string) => (await post(base, '/auth/login', { username, password })).accessToken as string;
  const admin = await login('admin', ADMIN_PASSWORD);
  await post(base, '/users', { username: 'manager', password: PASSWORD, roles: ['manager'] }, admin);
  await post(base, '/users', { username: 'approver', password: PASSWORD, roles: ['approver'] }, admin);
  return { manager: await login('manager', PASSWORD), approver: await login('approver', PASSWORD) };
}

async function load(
  base: string,
  serverPid: number,
  tokens: { manager: string; approver: string },
  pool: Pool,
  connections: number,
  answer: Answer,
  seconds: number,
): Promise<Run> {
  /** Partnerships between two requests of a round; a connection takes one of these, or the next from the pool. */
  const idle: Cursor[] = [];
  const cpuBefore = cpuUs(serverPid);
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request, context) => {
          const cursor = idle.pop() ?? pool.take();
          (context as { cursor?: Cursor }).cursor = cursor;
          const [body, token] = cursor.submitted ? [SEND_BACK, tokens.approver] : [SUBMIT, tokens.manager];
          return {
            ...request,
            method: 'POST',
            path: `/api/partnerships/${cursor.id}/events`,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${token}`,
              'if-match': `"${cursor.version}"`,
              ...(answer === 'minimal' ? { prefer: 'return=minimal' } : {}),
            },
            body: JSON.stringify(body),
          };
        },
        onResponse: (status, _body, context, headers) => {
          const cursor = (context as { cursor: Cursor }).cursor;
          // A refused step leaves its partnership out of the run; non-2xx counts it.
          if (status !== 200) return;
          const etag = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'etag')?.[1];
          advance(cursor, Number(String(etag).replaceAll('"', '')));
          if (cursor.steps < STEPS_PER_ROUND) idle.push(cursor);
          else pool.giveBack(cursor);
        },
      },
    ],
  });
  // Rounds cut short by the end of the run go back, with their versions, for the next run.
  for (const cursor of idle) pool.giveBack(cursor);
  return { ...measured(connections, result, cpuUs(serverPid) - cpuBefore), answer };
}

function measured(connections: number, result: autocannon.Result, serverCpuUs: number): Measured {
  const ok = result['2xx'];
  return {
    connections,
    requests: ok,
    perSecond: round(ok / result.duration, 1),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    serverCpuUsPerRequest: round(serverCpuUs / Math.max(1, ok), 0),
  };
}

/** `GET /api/auth/me` at one connection count: the HTTP floor under the event requests. */
async function floor(base: string, serverPid: number, token: string, connections: number, seconds: number): Promise<Measured> {
  const cpuBefore = cpuUs(serverPid);
  const result = await autocannon({ url: `${base}/api/auth/me`, connections, duration: seconds, headers: { authorization: `Bearer ${token}` } });
  return measured(connections, result, cpuUs(serverPid) - cpuBefore);
}

const pool = new Pool(await seed());
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// The service of the same build as this file.
// BENCH_SERVER_NODE_ARGS passes flags to the service's node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` for a profile.
const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const { METRICS_TOKEN: _token, LOG_LEVEL: logLevel, ...inherited } = process.env;
const observability = OBSERVED ? { METRICS_TOKEN, ...(logLevel ? { LOG_LEVEL: logLevel } : {}) } : { LOG_LEVEL: 'silent' };
const logFile = join(tempDir('http-log'), 'service.log');
const logFd = openSync(logFile, 'w');
const server = spawn(process.execPath, [...nodeArgs, fileURLToPath(new URL('../../src/main.js', import.meta.url))], {
  env: { ...inherited, ...observability, PORT: String(port), ADMIN_PASSWORD, TIMER_POLL_MS: '5000', RATE_LIMIT_WRITES_PER_MINUTE: '1000000000' },
  stdio: ['ignore', logFd, 'inherit', 'ipc'],
});
closeSync(logFd);
const exited = new Promise((resolve) => server.once('exit', resolve));
log(`http: logging and metrics ${OBSERVED ? 'on' : 'off (BENCH_OBSERVABILITY=off)'}`);

/** Requests the service timed for /metrics (the histogram's count over every label), or null when it has no /metrics. */
async function timedRequests(): Promise<number | null> {
  const answer = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (answer.status === 404) return null;
  const counts = [...(await answer.text()).matchAll(/^http_request_duration_seconds_count\{[^}]*\} (\d+)$/gm)];
  return counts.reduce((sum, [, n]) => sum + Number(n), 0);
}
try {
  await waitForReady(server, () => 'the service exited while starting');
  const tokens = await signIn(base);
  await load(base, server.pid as number, tokens, pool, 10, 'view', 2);
  const runs: Run[] = [];
  const floors: Measured[] = [];
  for (const connections of CONNECTIONS) {
    const bound = await floor(base, server.pid as number, tokens.manager, connections, DURATION_S);
    log(
      `http floor, ${connections} connection(s), GET /api/auth/me: ${bound.perSecond}/s, p50 ${bound.p50Ms} ms, p99 ${bound.p99Ms} ms, non-2xx ${bound.non2xx}, ${bound.serverCpuUsPerRequest} µs server CPU each`,
    );
    floors.push(bound);
    for (const answer of ['minimal', 'view'] as const) {
      const run = await load(base, server.pid as number, tokens, pool, connections, answer, DURATION_S);
      log(
        `http, ${connections} connection(s), ${answer} answer: ${run.perSecond}/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, non-2xx ${run.non2xx}, ${run.serverCpuUsPerRequest} µs server CPU each`,
      );
      runs.push(run);
    }
  }
  const timed = await timedRequests();
  const serverPeakRssMb = peakRssMb(server.pid);
  server.kill('SIGTERM');
  await exited;
  // What the service really did with its requests: an "on" run that logged or timed nothing would measure nothing.
  const requestLines = readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"msg":"request"')).length;
  log(`http: the service logged ${requestLines} request lines and timed ${timed ?? 'no'} requests for /metrics`);
  emit({ durationSeconds: DURATION_S, observed: OBSERVED, requestLines, timedRequests: timed, runs, floors, serverPeakRssMb });
} finally {
  if (server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dirname(logFile), { recursive: true, force: true });
}
