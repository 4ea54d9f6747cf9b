import type { INestApplicationContext } from '@nestjs/common';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { FollowUpsService } from '../../src/engagements/follow-ups.service.js';
import { TimelineService } from '../../src/engagements/timeline.service.js';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { PartnershipsService } from '../../src/partnerships/partnerships.service.js';
import { ReportsService } from '../../src/reports/reports.service.js';
import { WorkflowRegistry } from '../../src/workflow-engine/workflow-registry.js';
import { BENCH_MANAGER, emit, isPostgres, log, nowMs, openServices, percentile, round, scaled, type Latency } from '../support.js';
import { AUDIT_ROWS_PER_PARTNERSHIP, FOLLOW_UP_OWNERS, SEARCH_WORD, seedEngagements, seedPartnerships, type SeedTarget } from '../seed.js';

/**
 * Latency of the reads that grow with the data, through the service layer: the first page of the
 * partnership list (newest first, with its total), the list filtered by a state prefix, a title
 * search, one partnership's history, and the pipeline report; an organization's timeline (of its
 * ENGAGEMENTS_PER_ORGANIZATION engagements, among as many engagements as partnerships) and one
 * owner's open follow-ups (a tenth of all, so that list grows with the data). At a small and a large size, the
 * large one 100 times the small one, each in a store of its own (the large one where the runner
 * said, left for the verify figures; the small one beside it: a schema of its own on PostgreSQL,
 * dropped at the end, a folder in DATA_DIR on SQLite), both open at once:
 * the two sizes are measured in alternating rounds, so that the machine's drift over the minute
 * the seeding takes, or during the measurement, falls on both alike.
 */
const SMALL = scaled(1_000, 100);
const LARGE = scaled(100_000, 1_000);
const ITERATIONS = 200;
const ROUNDS = 10;
const TIME_LIMIT_MS = 8000;

interface Store {
  size: number;
  app: INestApplicationContext;
  dataSource: DataSource;
  partnerships: PartnershipsService;
  reports: ReportsService;
  timeline: TimelineService;
  followUps: FollowUpsService;
  ids: string[];
  /** Organizations with engagements, each with ENGAGEMENTS_PER_ORGANIZATION of them. */
  organizationIds: string[];
}

/** The services on the runner's store, or, with `env`, on another one (opened with those settings, then put back). */
async function open(size: number, env: Record<string, string> = {}): Promise<Store> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    const app = await openServices();
    const dataSource = app.get(DataSource);
    const organization = await app.get(OrganizationsService).create({ name: 'Growth University', kind: 'university', country: 'PK' }, BENCH_MANAGER);
    await seed(dataSource, { organizationId: organization.id, definitionHash: app.get(WorkflowRegistry).latest('partnership-mou').hash }, size);
    const ids = (await dataSource.query<Array<{ id: string }>>(`SELECT id FROM partnerships ORDER BY id LIMIT 500`)).map((r) => r.id);
    const start = nowMs();
    const organizationIds = (await seedEngagements(dataSource, app.get(WorkflowRegistry).latest('follow-up').hash, size)).slice(0, 500);
    if (isPostgres(dataSource)) await dataSource.query('VACUUM ANALYZE');
    log(`seeded ${size} engagements and follow-ups in ${((nowMs() - start) / 1000).toFixed(1)} s`);
    return {
      size,
      app,
      dataSource,
      partnerships: app.get(PartnershipsService),
      reports: app.get(ReportsService),
      timeline: app.get(TimelineService),
      followUps: app.get(FollowUpsService),
      ids,
      organizationIds,
    };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

async function seed(dataSource: DataSource, target: SeedTarget, size: number): Promise<void> {
  const start = nowMs();
  await seedPartnerships(dataSource, target, 0, size);
  // A PostgreSQL server in service vacuums and analyzes after bulk changes (autovacuum), which also lets
  // index-only scans skip the heap; SQLite is measured as the service leaves it.
  if (isPostgres(dataSource)) await dataSource.query('VACUUM ANALYZE');
  log(`seeded ${size} partnerships (${size * AUDIT_ROWS_PER_PARTNERSHIP} audit rows) in ${((nowMs() - start) / 1000).toFixed(1)} s`);
}

type Figure = 'list' | 'listByState' | 'search' | 'history' | 'report' | 'timeline' | 'followUpList';
const WORK: Record<Figure, (store: Store, i: number) => Promise<unknown>> = {
  list: (store) => store.partnerships.listSummaries({ limit: 50 }),
  listByState: (store) => store.partnerships.listSummaries({ state: 'in_force', limit: 50 }),
  search: (store) => store.partnerships.listSummaries({ q: SEARCH_WORD, limit: 50 }),
  history: (store, i) => store.partnerships.history(store.ids[(i * 7919) % store.ids.length]),
  report: (store) => store.reports.pipeline(),
  timeline: (store, i) => store.timeline.of(store.organizationIds[(i * 7919) % store.organizationIds.length], { limit: 50 }),
  followUpList: (store, i) => store.followUps.list({ ownerId: FOLLOW_UP_OWNERS[i % FOLLOW_UP_OWNERS.length], state: 'open', limit: 50 }),
};

/** One figure at both sizes: a warm-up each, then rounds of calls alternating small and large. */
async function compare(figure: Figure, stores: Store[]): Promise<Latency[]> {
  const latencies = stores.map(() => [] as number[]);
  for (const store of stores) for (let i = 0; i < 5; i += 1) await WORK[figure](store, i);
  const end = nowMs() + TIME_LIMIT_MS;
  for (let round = 0; round < ROUNDS && nowMs() < end; round += 1) {
    for (const [s, store] of stores.entries()) {
      for (let n = 0; n < ITERATIONS / ROUNDS; n += 1) {
        const start = nowMs();
        await WORK[figure](store, round * (ITERATIONS / ROUNDS) + n);
        latencies[s].push(nowMs() - start);
      }
    }
  }
  return latencies.map((values) => ({ p50Ms: round(percentile(values, 50), 3), p99Ms: round(percentile(values, 99), 3), samples: values.length }));
}

/** The number of partnerships and audit rows a store holds. */
async function sizeOf(store: Store): Promise<Record<string, unknown>> {
  const [{ n: auditRows }] = await store.dataSource.query<Array<{ n: number | string }>>('SELECT count(*) AS n FROM audit_events');
  const [{ n: followUps }] = await store.dataSource.query<Array<{ n: number | string }>>('SELECT count(*) AS n FROM follow_ups');
  return { partnerships: store.size, auditRows: Number(auditRows), engagements: store.size, followUps: Number(followUps) };
}

const large = await open(LARGE);
const postgres = isPostgres(large.dataSource);
const smallSchema = `${process.env.DATABASE_SCHEMA}_small`;
let small: Store | undefined;
try {
  if (postgres) await large.dataSource.query(`CREATE SCHEMA ${smallSchema}`);
  small = await open(SMALL, postgres ? { DATABASE_SCHEMA: smallSchema } : { DATA_DIR: join(process.env.DATA_DIR ?? '.', 'growth-small') });
  const stores = [small, large];
  const [smallFigures, largeFigures] = [await sizeOf(small), await sizeOf(large)];
  for (const figure of Object.keys(WORK) as Figure[]) {
    [smallFigures[figure], largeFigures[figure]] = await compare(figure, stores);
  }
  for (const f of [smallFigures, largeFigures]) {
    log(`growth at ${String(f.partnerships)}: ${(Object.keys(WORK) as Figure[]).map((k) => `${k} ${(f[k] as Latency).p50Ms} ms`).join(', ')}`);
  }
  emit({ small: smallFigures, large: largeFigures });
} finally {
  await small?.app.close();
  if (postgres) await large.dataSource.query(`DROP SCHEMA IF EXISTS ${smallSchema} CASCADE`);
  await large.app.close();
}
