import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { BENCH_MANAGER, log, openServices, tempDir } from './support.js';
import { Pool, proposal, step, type Cursor } from './workload.js';

/**
 * The cost of one transition on SQLite, for comparing builds (see README, "Cost of the transition path across changes"): seeds PROFILE_POOL proposals,
 * runs PROFILE_WARMUP steps of the service-layer mix at one caller, then PROFILE_STEPS measured ones. Under
 * `valgrind --tool=callgrind --instr-atstart=no` it switches instrumentation on for the measured steps only (callgrind_control), so the output's total
 * instructions divided by the steps is the cost of one. With PROFILE_QUERIES=1 it prints the SQL statements the measured steps ran, with counts; with
 * PROFILE_CPU=<file> it writes V8's CPU profile of the measured steps there (open it in Chrome's DevTools), to see which JavaScript the cost is in;
 * with PROFILE_ALLOC=<file>, V8's sampling heap profile (what allocated the memory that garbage collection then costs).
 */
const POOL = Number(process.env.PROFILE_POOL ?? 2000);
const WARMUP = Number(process.env.PROFILE_WARMUP ?? 4000);
const STEPS = Number(process.env.PROFILE_STEPS ?? 600);
const underCallgrind = process.env.PROFILE_CALLGRIND === '1';
const countQueries = process.env.PROFILE_QUERIES === '1';
const cpuProfile = process.env.PROFILE_CPU;
const allocationProfile = process.env.PROFILE_ALLOC;

process.env.DATA_DIR ??= tempDir('profile');
const app = await openServices();
const partnerships = app.get(PartnershipsService);
const organization = await app.get(OrganizationsService).create({ name: 'Benchmark University', kind: 'university', country: 'PK' }, BENCH_MANAGER);
const cursors: Cursor[] = [];
for (let n = 0; n < POOL; n += 1) {
  const row = await partnerships.create(proposal(organization.id, n), BENCH_MANAGER);
  cursors.push({ id: row.id, version: row.version, submitted: false, steps: 0 });
}
const pool = new Pool(cursors);
const STEPS_PER_ROUND = 8;

async function steps(n: number): Promise<void> {
  let cursor = pool.take();
  for (let i = 0; i < n; i += 1) {
    if (cursor.steps >= STEPS_PER_ROUND) {
      pool.giveBack(cursor);
      cursor = pool.take();
    }
    await step(partnerships, cursor);
  }
  pool.giveBack(cursor);
}

/** Callgrind reads its control file only while the process runs code: keep the event loop busy while callgrind_control waits for its answer. */
async function callgrind(instrumentation: 'on' | 'off'): Promise<void> {
  const busy = setInterval(() => undefined, 1);
  try {
    await promisify(execFile)('callgrind_control', ['-i', instrumentation, String(process.pid)]);
  } finally {
    clearInterval(busy);
  }
}

/** Counts better-sqlite3 statement runs by text (TypeORM's and the plain statements alike go through Statement). */
function statementCounter(): { counts: Map<string, number>; exec: Map<string, number> } {
  const Database = createRequire(import.meta.url)('better-sqlite3') as new (path: string) => {
    prepare(sql: string): object;
    exec(sql: string): unknown;
  };
  const probe = new Database(':memory:');
  const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>;
  const counts = new Map<string, number>();
  const exec = new Map<string, number>();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = statement[method];
    statement[method] = function (this: { source: string }, ...args: unknown[]) {
      counts.set(this.source, (counts.get(this.source) ?? 0) + 1);
      return original.apply(this, args);
    };
  }
  const database = Object.getPrototypeOf(probe) as Record<string, (...args: unknown[]) => unknown>;
  const originalExec = database.exec;
  database.exec = function (this: unknown, sql: unknown, ...args: unknown[]) {
    exec.set(String(sql), (exec.get(String(sql)) ?? 0) + 1);
    return originalExec.call(this, sql, ...args);
  };
  return { counts, exec };
}

log(`profile: ${POOL} proposals, ${WARMUP} warm-up steps`);
await steps(WARMUP);
const counter = countQueries ? statementCounter() : undefined;
// With --expose-gc, every build's window starts from a collected heap, so whether a major collection falls in it depends less on what came before.
(globalThis as { gc?: () => void }).gc?.();
const inspector = cpuProfile || allocationProfile ? new Session() : undefined;
inspector?.connect();
if (inspector && cpuProfile) {
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
  await inspector.post('Profiler.start');
}
if (inspector && allocationProfile) {
  await inspector.post('HeapProfiler.enable');
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
if (underCallgrind) await callgrind('on');
await steps(STEPS);
if (underCallgrind) await callgrind('off');
if (inspector && cpuProfile) writeFileSync(cpuProfile, JSON.stringify((await inspector.post('Profiler.stop')).profile));
if (inspector && allocationProfile) writeFileSync(allocationProfile, JSON.stringify((await inspector.post('HeapProfiler.stopSampling')).profile));
inspector?.disconnect();
if (counter) {
  const rows = [...counter.counts, ...[...counter.exec].map(([sql, n]) => [`exec: ${sql}`, n] as const)].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((sum, [, n]) => sum + n, 0);
  process.stdout.write(`${(total / STEPS).toFixed(2)} statements per transition\n`);
  for (const [sql, n] of rows) process.stdout.write(`${(n / STEPS).toFixed(2).padStart(6)}  ${sql.replace(/\s+/g, ' ').slice(0, 220)}\n`);
}
log(`profile: ${STEPS} measured steps done`);
await app.close();
