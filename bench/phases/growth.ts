import { DataSource } from 'typeorm';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { PartnershipsService } from '../../src/partnerships/partnerships.service.js';
import { ReportsService } from '../../src/reports/reports.service.js';
import { WorkflowRegistry } from '../../src/workflow-engine/workflow-registry.js';
import { BENCH_MANAGER, emit, isPostgres, log, nowMs, openServices, percentile, round, scaled } from '../support.js';
import { AUDIT_ROWS_PER_PARTNERSHIP, SEARCH_WORD, seedPartnerships } from '../seed.js';

/**
 * Latency of the reads that grow with the data, through the service layer: the first page of the
 * partnership list (newest first, with its total), the list filtered by a state prefix, a title
 * search, one partnership's history, and the pipeline report. At a small and a large size, the
 * large one 100 times the small one; the data is left in place for the verify figures.
 */
const SMALL = scaled(1_000, 100);
const LARGE = scaled(100_000, 1_000);
const ITERATIONS = 200;
const TIME_LIMIT_MS = 4000;

const app = await openServices();
const dataSource = app.get(DataSource);
const partnerships = app.get(PartnershipsService);
const reports = app.get(ReportsService);
const organization = await app.get(OrganizationsService).create({ name: 'Growth University', kind: 'university', country: 'PK' }, BENCH_MANAGER);
const target = { organizationId: organization.id, definitionHash: app.get(WorkflowRegistry).latest('partnership-mou').hash };

async function latencyP50(work: (i: number) => Promise<unknown>): Promise<{ p50Ms: number; p99Ms: number; samples: number }> {
  for (let i = 0; i < 5; i += 1) await work(i);
  const latencies: number[] = [];
  const end = nowMs() + TIME_LIMIT_MS;
  for (let i = 0; i < ITERATIONS && nowMs() < end; i += 1) {
    const start = nowMs();
    await work(i);
    latencies.push(nowMs() - start);
  }
  return { p50Ms: round(percentile(latencies, 50), 3), p99Ms: round(percentile(latencies, 99), 3), samples: latencies.length };
}

async function measure(size: number) {
  const ids = ((await dataSource.query(`SELECT id FROM partnerships ORDER BY id LIMIT 500`)) as Array<{ id: string }>).map((r) => r.id);
  const [{ n: auditRows }] = (await dataSource.query('SELECT count(*) AS n FROM audit_events')) as Array<{ n: number | string }>;
  const figures = {
    partnerships: size,
    auditRows: Number(auditRows),
    list: await latencyP50(() => partnerships.listSummaries({ limit: 50 })),
    listByState: await latencyP50(() => partnerships.listSummaries({ state: 'in_force', limit: 50 })),
    search: await latencyP50(() => partnerships.listSummaries({ q: SEARCH_WORD, limit: 50 })),
    history: await latencyP50((i) => partnerships.history(ids[(i * 7919) % ids.length])),
    report: await latencyP50(() => reports.pipeline()),
  };
  log(
    `growth at ${size}: list ${figures.list.p50Ms} ms, by state ${figures.listByState.p50Ms} ms, search ${figures.search.p50Ms} ms, history ${figures.history.p50Ms} ms, report ${figures.report.p50Ms} ms`,
  );
  return figures;
}

async function seed(from: number, to: number): Promise<void> {
  const start = nowMs();
  await seedPartnerships(dataSource, target, from, to);
  // A PostgreSQL server in service vacuums and analyzes after bulk changes (autovacuum), which also lets
  // index-only scans skip the heap; SQLite is measured as the service leaves it.
  if (isPostgres(dataSource)) await dataSource.query('VACUUM ANALYZE');
  log(`seeded partnerships ${from}..${to - 1} (${(to - from) * AUDIT_ROWS_PER_PARTNERSHIP} audit rows) in ${((nowMs() - start) / 1000).toFixed(1)} s`);
}

await seed(0, SMALL);
const small = await measure(SMALL);
await seed(SMALL, LARGE);
const large = await measure(LARGE);
await app.close();
emit({ small, large });
