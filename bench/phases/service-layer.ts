import { DataSource } from 'typeorm';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { PartnershipsService } from '../../src/partnerships/partnerships.service.js';
import { BENCH_MANAGER, emit, log, nowMs, openServices, percentile, round, SCALE } from '../support.js';
import { Pool, POOL_SIZE, proposal, step, STEPS_PER_ROUND, type Cursor } from '../workload.js';

/**
 * Persisted transitions per second through PartnershipsService.send, each in its own write
 * transaction (load, version check, XState transition, guarded UPDATE, timer row written or
 * deleted, audit row appended, commit): by 1, 10 and 50 concurrent callers, the HTTP phase's
 * connection counts, so each HTTP figure has the service layer at the same concurrency beside it.
 * Concurrent callers are where the write queue can share commits.
 */
const DURATION_MS = Math.max(1000, 6000 * SCALE);
const CALLERS = [1, 10, 50];

const app = await openServices();
const partnerships = app.get(PartnershipsService);
const organization = await app.get(OrganizationsService).create({ name: 'Benchmark University', kind: 'university', country: 'PK' }, BENCH_MANAGER);
const cursors: Cursor[] = [];
for (let n = 0; n < POOL_SIZE; n += 1) {
  const row = await partnerships.create(proposal(organization.id, n), BENCH_MANAGER);
  cursors.push({ id: row.id, version: row.version, submitted: false, steps: 0 });
}
log(`service layer: ${POOL_SIZE} proposals created`);
const pool = new Pool(cursors);

/** One caller: a round of steps on a partnership, then the next one, until the time is up. */
async function caller(until: number, latencies: number[]): Promise<void> {
  while (nowMs() < until) {
    const cursor = pool.take();
    while (cursor.steps < STEPS_PER_ROUND && nowMs() < until) {
      const start = nowMs();
      await step(partnerships, cursor);
      latencies.push(nowMs() - start);
    }
    pool.giveBack(cursor);
  }
}

async function run(callers: number, ms: number) {
  const latencies: number[] = [];
  const start = nowMs();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: callers }, () => caller(start + ms, latencies)));
  const seconds = (nowMs() - start) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  return {
    transitions: latencies.length,
    perSecond: round(latencies.length / seconds, 1),
    p50Ms: round(percentile(latencies, 50), 3),
    p99Ms: round(percentile(latencies, 99), 3),
    /** This process's CPU time per transition: less sensitive than the rate to other work on a shared machine. */
    cpuUsPerTransition: round((user + system) / latencies.length, 0),
  };
}

await run(1, 500);
const runs = [];
for (const callers of CALLERS) {
  runs.push({ callers, ...(await run(callers, DURATION_MS)) });
  log(`service layer, ${callers} caller(s): ${runs[runs.length - 1].perSecond}/s`);
}

const [{ n: timerRows }] = await app.get(DataSource).query<Array<{ n: number | string }>>(`SELECT count(*) AS n FROM timers WHERE fired_at IS NULL`);
await app.close();
emit({ runs, partnerships: POOL_SIZE, pendingTimerRows: Number(timerRows) });
