import { setImmediate as tick } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { TimersService } from '../src/timers/timers.service.js';
import { actors, createProposal } from './support/factories.js';
import { createTestApp, testDatabaseKind, type TestApp } from './support/test-app.js';

const SLA_ACTION = 'xstate.after.approvalSla.partnership-mou.senior_management_review';

/**
 * A timer falls due while someone else changes its instance. On PostgreSQL writers do not queue:
 * the change may commit between the poller reading the instance and updating it. The timer must
 * not be used up by that lost race; it fires at the next poll, on the new version.
 */
describe(`a timer whose instance changes while it fires (${testDatabaseKind})`, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(() => t.close());

  it('fires once, on the version the other change left', async () => {
    const partnerships = t.get(PartnershipsService);
    const timers = t.get(TimersService);
    const dataSource = t.get(DataSource);
    const created = await createProposal(t, { approvalSlaDays: 2 });
    const submitted = await partnerships.send(created.id, { type: 'SUBMIT_FOR_APPROVAL', actor: actors.manager, expectedVersion: 1 });
    // Past the approval deadline, before the escalation at twice it (partnership-mou v2).
    t.clock.advanceDays(3);

    if (testDatabaseKind === 'postgres') {
      // Another instance's edit, open: it holds the row while the poller reads the old version.
      const other = dataSource.createQueryRunner();
      await other.startTransaction();
      await other.query(`UPDATE partnerships SET notes = 'edited elsewhere', version = version + 1 WHERE id = $1`, [created.id]);
      const [{ pid }] = await other.query('SELECT pg_backend_pid() AS pid');
      const firing = timers.fireDue();
      const waiting = async () => (await dataSource.query('SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid]))[0].n;
      while (Number(await waiting()) === 0) await tick();
      await other.commitTransaction();
      await other.release();
      expect(await firing).toBe(0);
    } else {
      // Writers queue on SQLite: the edit commits before the poller reads.
      await partnerships.updateDetails(created.id, { notes: 'edited meanwhile' }, actors.manager, submitted.row.version);
    }

    expect(await timers.fireDue()).toBe(1);
    expect(await partnerships.get(created.id)).toMatchObject({ state: 'senior_management_review', overdue: true, version: 4 });
    const rows = await dataSource.getRepository(AuditEvent).findBy({ entityId: created.id, action: SLA_ACTION });
    expect(rows.map((row) => row.outcome)).toEqual(['ok']);
    expect(await timers.fireDue()).toBe(0);
  });
});
