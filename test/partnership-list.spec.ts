import { randomUUID } from 'node:crypto';
import { DataSource, type QueryRunner } from 'typeorm';
import { COUNT_SHARDS, PartnershipCountShards1764320600000 } from '../src/database/migrations/1764320600000-partnership-count-shards.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { SEARCH_COUNT_LIMIT, type PartnershipQuery } from '../src/partnerships/partnership-list.repository.js';
import { Partnership } from '../src/partnerships/partnership.entity.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { TimersService } from '../src/timers/timers.service.js';
import { PipelineBoard } from '../src/web/pipeline-board.js';
import { actors, organizationInput, partnershipInput, sendFromCurrent } from './support/factories.js';
import { runMigrationStep } from './support/migrate.js';
import { createTestApp, testDatabaseKind, type TestApp } from './support/test-app.js';

/**
 * The partnership list answers totals from `partnership_counts` and title searches from the
 * trigram index `partnership_titles`, both kept by triggers: whatever the path, the answer must be
 * the one a scan of the table gives.
 */
describe('partnership list: totals kept by triggers, title search by trigrams', () => {
  let t: TestApp;
  let partnerships: PartnershipsService;
  let organizations: OrganizationsService;
  let dataSource: DataSource;

  beforeAll(async () => {
    t = await createTestApp();
    partnerships = t.get(PartnershipsService);
    organizations = t.get(OrganizationsService);
    dataSource = t.get(DataSource);
  });

  afterAll(async () => {
    await expectIndexesExact();
    await t.close();
  });

  const newOrganization = (name: string) => organizations.create(organizationInput({ name }), actors.manager);

  const asBoolean = (value: unknown) => value === true || value === 1 || value === '1';

  /** The counters equal a count of the table; the title index holds exactly the table's titles. */
  async function expectIndexesExact() {
    const group = (rows: Array<{ organization_id: string; state: string; overdue: unknown; n: number | string }>) =>
      Object.fromEntries(rows.filter((r) => Number(r.n) !== 0).map((r) => [`${r.organization_id} ${r.state} ${asBoolean(r.overdue)}`, Number(r.n)]));
    const counted = await dataSource.query('SELECT organization_id, state, overdue, COUNT(*) AS n FROM partnerships GROUP BY organization_id, state, overdue');
    // Summed over the shards a group may have (PostgreSQL).
    const kept = await dataSource.query('SELECT organization_id, state, overdue, SUM(n) AS n FROM partnership_counts GROUP BY organization_id, state, overdue');
    expect(group(kept)).toEqual(group(counted));
    if (testDatabaseKind === 'sqlite') {
      // FTS5 checks its index against the content table, and fails loudly on any difference.
      await dataSource.query(`INSERT INTO partnership_titles (partnership_titles, rank) VALUES ('integrity-check', 1)`);
    } else {
      const titles = await dataSource.query('SELECT partnership_id AS id, title_key FROM partnership_titles ORDER BY partnership_id');
      expect(titles).toEqual(await dataSource.query('SELECT id, title_key FROM partnerships ORDER BY id'));
    }
  }

  /** What a scan of every row answers: the filters applied one by one, newest first, then by id. */
  async function scanned(query: PartnershipQuery) {
    const all = await dataSource.getRepository(Partnership).find();
    const matching = all
      .filter((p) => !query.state || p.state === query.state || p.state.startsWith(`${query.state}.`))
      .filter((p) => !query.organizationId || p.organizationId === query.organizationId)
      .filter((p) => query.overdue === undefined || p.overdue === query.overdue)
      .filter((p) => !query.q || p.titleKey.includes(query.q.toLowerCase()))
      .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? 1 : -1));
    const offset = query.offset ?? 0;
    return { ids: matching.slice(offset, offset + (query.limit ?? 50)).map((p) => p.id), total: matching.length };
  }

  async function expectListed(query: PartnershipQuery) {
    const listed = await partnerships.list(query);
    const expected = await scanned(query);
    expect({ query, ids: listed.items.map((p) => p.id), total: listed.total, totalRelation: listed.totalRelation }).toEqual({
      query,
      ids: expected.ids,
      total: expected.total,
      totalRelation: 'eq',
    });
  }

  it('keeps the counts equal to the table through creates, transitions, timers and organization changes', async () => {
    t.clock.set('2026-03-02T09:00:00.000Z');
    const [a, b] = [await newOrganization('Counted University A'), await newOrganization('Counted Centre B')];
    const ids: string[] = [];
    for (const org of [a, a, a, a, b, b]) {
      ids.push((await partnerships.create(partnershipInput(org.id, { title: `Counted proposal ${ids.length}` }), actors.manager)).id);
      t.clock.advanceDays(0.01);
    }
    await expectIndexesExact();

    const moved = await partnerships.get(ids[0]);
    await partnerships.updateDetails(moved.id, { organizationId: b.id }, actors.manager, moved.version);
    await expectIndexesExact();
    const renamed = await partnerships.get(ids[5]);
    await partnerships.updateDetails(renamed.id, { title: 'Counted and renamed' }, actors.manager, renamed.version);
    await expectIndexesExact();

    await sendFromCurrent(t, ids[1], 'SUBMIT_FOR_APPROVAL', actors.manager);
    await sendFromCurrent(t, ids[4], 'SUBMIT_FOR_APPROVAL', actors.manager);
    await expectIndexesExact();
    // The approval SLA passes: the timer marks both overdue, without a change of state.
    t.clock.advanceDays(20);
    expect(await t.get(TimersService).fireDue()).toBeGreaterThanOrEqual(2);
    expect((await partnerships.get(ids[1])).overdue).toBe(true);
    await expectIndexesExact();

    await sendFromCurrent(t, ids[1], 'APPROVE', actors.approver);
    await sendFromCurrent(t, ids[2], 'WITHDRAW', actors.manager, { comment: 'Not this year.' });
    await expectIndexesExact();

    for (const state of [undefined, 'proposal', 'senior_management_review', 'mou_drafting', 'withdrawn', 'in_force', 'mou']) {
      for (const organizationId of [undefined, a.id, b.id]) {
        for (const overdue of [undefined, true, false]) await expectListed({ state, organizationId, overdue, limit: 3 });
      }
    }
    await expectListed({ organizationId: b.id, limit: 2, offset: 1 });
  });

  it('keeps the counts exact under concurrent writes (PostgreSQL runs them at once)', async () => {
    t.clock.set('2026-05-04T09:00:00.000Z');
    const [a, b] = [await newOrganization('Concurrent University A'), await newOrganization('Concurrent Centre B')];
    const rows: Partnership[] = [];
    for (let i = 0; i < 16; i += 1) {
      rows.push(await partnerships.create(partnershipInput((i % 2 === 0 ? a : b).id, { title: `Concurrent proposal ${i}` }), actors.manager));
    }
    // Partnerships move between the same counter rows in opposite directions at once: A to B and B to A.
    const writes = rows.map((row, i) => {
      const other = row.organizationId === a.id ? b.id : a.id;
      if (i % 4 < 2) return partnerships.updateDetails(row.id, { organizationId: other }, actors.manager, row.version);
      if (i % 4 === 2) return partnerships.send(row.id, { type: 'SUBMIT_FOR_APPROVAL', actor: actors.manager, expectedVersion: row.version });
      return partnerships.send(row.id, { type: 'WITHDRAW', actor: actors.manager, expectedVersion: row.version, comment: 'Withdrawn at once.' });
    });
    const creates = [a, b, a, b].map((org, i) => partnerships.create(partnershipInput(org.id, { title: `Concurrent late ${i}` }), actors.manager));
    const outcomes = await Promise.allSettled([...writes, ...creates]);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    await expectIndexesExact();
    await expectListed({ organizationId: a.id });
    await expectListed({ organizationId: b.id, state: 'proposal' });
  });

  // PostgreSQL only: SQLite has one connection and one writer at a time, and one counter row per group.
  if (testDatabaseKind === 'postgres')
    it('lets two connections move partnerships between the same states without waiting for each other’s counter rows', async () => {
      const organization = await newOrganization('Sharded Counters University');
      const [first, second] = [
        await partnerships.create(partnershipInput(organization.id, { title: 'Sharded one' }), actors.manager),
        await partnerships.create(partnershipInput(organization.id, { title: 'Sharded two' }), actors.manager),
      ];
      // Two connections whose backends write different shards (pid mod COUNT_SHARDS).
      const runners: QueryRunner[] = [];
      const shardOf = async (runner: QueryRunner) => Number((await runner.query('SELECT pg_backend_pid() % $1 AS s', [COUNT_SHARDS]))[0].s);
      try {
        const a = dataSource.createQueryRunner();
        runners.push(a);
        const shardA = await shardOf(a);
        let b: QueryRunner | undefined;
        while (!b && runners.length < 40) {
          const candidate = dataSource.createQueryRunner();
          runners.push(candidate);
          if ((await shardOf(candidate)) !== shardA) b = candidate;
        }
        if (!b) throw new Error('no second connection on another shard');
        await a.startTransaction();
        await b.startTransaction();
        await a.query(`UPDATE partnerships SET state = 'withdrawn' WHERE id = $1`, [first.id]);
        // The same counter groups: with one row per group this UPDATE would wait for `a` to commit.
        await b.query(`SET LOCAL lock_timeout = '1s'`);
        await b.query(`UPDATE partnerships SET state = 'withdrawn' WHERE id = $1`, [second.id]);
        await b.commitTransaction();
        await a.commitTransaction();
        const shards = await dataSource.query(`SELECT COUNT(*) AS n FROM partnership_counts WHERE organization_id = $1 AND state = 'withdrawn' AND n <> 0`, [
          organization.id,
        ]);
        expect(Number(shards[0].n)).toBe(2);
        await expectIndexesExact();
      } finally {
        for (const runner of runners) {
          if (runner.isTransactionActive) await runner.rollbackTransaction();
          await runner.release();
        }
      }
    });

  it('reverts the counter shards to one row per group and back, keeping every total (on SQLite the migration changes nothing)', async () => {
    const shardColumns = async () =>
      testDatabaseKind === 'postgres'
        ? (
            await dataSource.query(
              `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'partnership_counts' AND column_name = 'shard'`,
            )
          ).length
        : (await dataSource.query(`SELECT name FROM pragma_table_info('partnership_counts') WHERE name = 'shard'`)).length;
    const sharded = testDatabaseKind === 'postgres' ? 1 : 0;
    expect(await shardColumns()).toBe(sharded);
    // The migration's own down() and up(), leaving the migrations after it in place.
    const migrate = (step: 'up' | 'down') => runMigrationStep(dataSource, new PartnershipCountShards1764320600000(), step);
    await migrate('down');
    expect(await shardColumns()).toBe(0);
    await expectIndexesExact();
    // One row per group again, and the trigger writes to it.
    const moved = await partnerships.create(partnershipInput((await newOrganization('Unsharded University')).id), actors.manager);
    await sendFromCurrent(t, moved.id, 'SUBMIT_FOR_APPROVAL', actors.manager);
    await expectIndexesExact();
    await migrate('up');
    expect(await shardColumns()).toBe(sharded);
    await sendFromCurrent(t, moved.id, 'WITHDRAW', actors.manager, { comment: 'Withdrawn after the migration ran again.' });
    await expectIndexesExact();
  });

  it('finds substrings of titles, shorter than a trigram too, taking every character literally', async () => {
    t.clock.set('2026-06-01T09:00:00.000Z');
    const org = await newOrganization('Searched Institute');
    const titles = [
      'Police academy training',
      '100% commitment: the _core_ course',
      'Course "quoted" AND NEAR(x, y) *star* OR title:x',
      "O'Brien memorial lecture",
      'Back\\slash & co {braces} ^caret',
      'Ünïcode Çafé — İstanbul lecture',
      'Human rights centre',
      'a_b%c',
      'ab',
    ];
    for (const title of titles) {
      await partnerships.create(partnershipInput(org.id, { title }), actors.manager);
      t.clock.advanceDays(0.01);
    }
    const queries = [
      ...['p', 'po', 'POL', 'police', 'lecture', 'n ri', 'human rights', 'zzz', ' ', 'e c'],
      ...['%', '%%', '_', '100%', '_core_', 'a_b', 'a_b%', '%c', '\\', 'back\\s', "'", "o'b"],
      ...['"', '""', '"quoted"', '" or "', 'and', 'AND NEAR(', 'near(', '*', '*star*', 'title:x', '{braces}', '^caret', '-', ':'],
      ...['ünï', 'ÇAFÉ', 'çafé —', 'İstanbul', 'i̇stanbul'],
    ];
    for (const q of queries) {
      await expectListed({ q, limit: 200 });
      await expectListed({ q, organizationId: org.id, limit: 200 });
      await expectListed({ q, state: 'proposal', limit: 5, offset: 1 });
    }
  });

  it('counts a title search up to the limit and says when its total is only a lower bound', async () => {
    t.clock.set('2026-07-01T09:00:00.000Z');
    const org = await newOrganization('Crowded Registry');
    const template = await partnerships.create(partnershipInput(org.id, { title: 'Template row' }), actors.manager);
    // Written straight into the table, as a bulk import would: the triggers keep counts and titles.
    const clone = (title: string, i: number): Partnership => {
      const at = new Date(Date.parse('2026-07-02T00:00:00.000Z') + i * 1000).toISOString();
      return { ...template, id: randomUUID(), title, titleKey: title.toLowerCase(), createdAt: at, updatedAt: at };
    };
    const rows = [
      ...Array.from({ length: SEARCH_COUNT_LIMIT + 50 }, (_, i) => clone(`Crowded lecture ${i}`, i)),
      ...Array.from({ length: SEARCH_COUNT_LIMIT }, (_, i) => clone(`Exactly enough seminar ${i}`, i)),
    ];
    for (let i = 0; i < rows.length; i += 100) await dataSource.getRepository(Partnership).insert(rows.slice(i, i + 100) as never);
    await expectIndexesExact();

    const crowded = 'crowded lecture';
    const newest = await scanned({ q: crowded });
    expect(await partnerships.list({ q: crowded })).toMatchObject({ total: SEARCH_COUNT_LIMIT, totalRelation: 'gte' });
    expect((await partnerships.list({ q: crowded })).items.map((p) => p.id)).toEqual(newest.ids);
    expect(await partnerships.list({ q: 'crowded lecture 1' })).toMatchObject({ total: 161, totalRelation: 'eq' });
    // Short queries cannot use trigrams; they are counted row by row, up to the same limit.
    expect(await partnerships.list({ q: 'cr' })).toMatchObject({ total: SEARCH_COUNT_LIMIT, totalRelation: 'gte' });
    expect(await partnerships.list({ q: crowded, state: 'proposal' })).toMatchObject({ total: SEARCH_COUNT_LIMIT, totalRelation: 'gte' });
    await expectListed({ q: 'crowded lecture 1', state: 'proposal', limit: 20, offset: 10 });
    expect(await partnerships.list({ q: 'exactly enough' })).toMatchObject({ total: SEARCH_COUNT_LIMIT, totalRelation: 'eq' });
    // Pages further on: a full page still says "at least", the last page knows the total, past the end it is the limit again.
    const further = await partnerships.list({ q: crowded, offset: SEARCH_COUNT_LIMIT - 10, limit: 20 });
    expect(further).toMatchObject({ total: SEARCH_COUNT_LIMIT + 10, totalRelation: 'gte' });
    expect(further.items.map((p) => p.id)).toEqual((await scanned({ q: crowded, offset: SEARCH_COUNT_LIMIT - 10, limit: 20 })).ids);
    expect(await partnerships.list({ q: crowded, offset: SEARCH_COUNT_LIMIT + 20 })).toMatchObject({ total: SEARCH_COUNT_LIMIT + 50, totalRelation: 'eq' });
    expect(await partnerships.list({ q: crowded, offset: 5000 })).toMatchObject({ items: [], total: SEARCH_COUNT_LIMIT, totalRelation: 'gte' });
    // Without a search, totals stay exact at any size.
    await expectListed({ organizationId: org.id, limit: 10, offset: 2000 });
    await expectListed({ state: 'proposal', limit: 10 });

    const board = await t.get(PipelineBoard).build({ q: crowded });
    expect(board.columns.find((c) => c.key === 'proposal')).toMatchObject({ total: SEARCH_COUNT_LIMIT, atLeast: true });
    expect(board.columns.find((c) => c.key === 'closed')).toMatchObject({ total: 0, atLeast: false });
  });
});
