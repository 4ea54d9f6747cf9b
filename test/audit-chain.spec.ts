import { DataSource } from 'typeorm';
import { plainQuery } from '../src/database/plain-query.js';
import { disableAppendOnly } from './support/append-only.js';
import { AuditService } from '../src/audit/audit.service.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { actors, organizationInput, partnershipInput } from './support/factories.js';
import { createTestApp, testDatabaseKind, type TestApp } from './support/test-app.js';

async function seed(t: TestApp, count: number): Promise<void> {
  const organizations = t.get(OrganizationsService);
  const partnerships = t.get(PartnershipsService);
  const org = await organizations.create(organizationInput(), actors.manager);
  for (let i = 0; i < count; i += 1) {
    const p = await partnerships.create(partnershipInput(org.id, { title: `Proposal ${i}` }), actors.manager);
    await partnerships.send(p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: actors.manager, expectedVersion: 1 });
  }
}

describe('the audit chain', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let audit: AuditService;

  beforeEach(async () => {
    t = await createTestApp();
    dataSource = t.get(DataSource);
    audit = t.get(AuditService);
    await seed(t, 3);
  });

  afterEach(() => t.close());

  it('links every row to the one before it and verifies', async () => {
    const result = await audit.verify();
    const rows = await dataSource.query('SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq');
    // First-start admin, one organization, three proposals created and submitted.
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(result).toEqual({ ok: true, events: rows.length, headHash: rows[rows.length - 1].hash });
    expect(rows[0].prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i += 1) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
  });

  // PostgreSQL only: there, writers on other connections append at the same time; SQLite has one writer.
  if (testDatabaseKind === 'postgres') {
    it('makes a second append wait for the chain lock, then link to the row the first one committed', async () => {
      const entry = (action: string) => ({ occurredAt: t.clock.now().toISOString(), actor: actors.manager, action, entityType: 'request', entityId: '-', outcome: 'ok' as const });
      const [first, second] = [dataSource.createQueryRunner(), dataSource.createQueryRunner()];
      try {
        await first.startTransaction();
        await second.startTransaction();
        const appended = await audit.append(first.manager, entry('FIRST'));
        const [{ pid }] = await second.query('SELECT pg_backend_pid() AS pid');
        let secondDone = false;
        const waiting = audit.append(second.manager, entry('SECOND')).then((row) => {
          secondDone = true;
          return row;
        });
        // The second append holds no row yet: its backend waits for the advisory lock the first holds until its COMMIT.
        const waitsForLock = async () =>
          (await dataSource.query(`SELECT 1 FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted`, [pid])).length === 1;
        let polls = 0;
        while (!(await waitsForLock())) if ((polls += 1) > 1000) throw new Error('the second append never waited for the chain lock');
        expect(secondDone).toBe(false);
        await first.commitTransaction();
        const linked = await waiting;
        await second.commitTransaction();
        // It read the head after taking the lock, so it saw the first append's row, committed meanwhile.
        expect(linked).toMatchObject({ seq: appended.seq + 1, prevHash: appended.hash });
        expect(await audit.verify()).toMatchObject({ ok: true });
      } finally {
        for (const runner of [first, second]) {
          if (runner.isTransactionActive) await runner.rollbackTransaction();
          await runner.release();
        }
      }
    });
  }

  it('is append-only: the database refuses UPDATE and DELETE', async () => {
    await expect(dataSource.query(`UPDATE audit_events SET outcome = 'ok' WHERE seq = 2`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM audit_events WHERE seq = 2`)).rejects.toThrow(/append-only/);
    if (testDatabaseKind === 'postgres') await expect(dataSource.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it.each([
    ['the payload', `payload = '{"forged":true}'`],
    ['the actor', `actor_id = 'someone-else'`],
    ['the time', `occurred_at = '2020-01-01T00:00:00.000Z'`],
    ['the outcome', `outcome = 'denied'`],
    ['the to-state', `to_state = 'mou_drafting'`],
  ])('names the seq of a row whose %s was edited in raw SQL', async (_what, assignment) => {
    for (const seq of [1, 4, 7]) {
      await disableAppendOnly(dataSource);
      const before = await plainQuery(dataSource, `SELECT * FROM audit_events WHERE seq = ?`, [seq]);
      await plainQuery(dataSource, `UPDATE audit_events SET ${assignment} WHERE seq = ?`, [seq]);
      expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: seq });
      const original = before[0];
      await plainQuery(dataSource, `UPDATE audit_events SET payload = ?, actor_id = ?, occurred_at = ?, outcome = ?, to_state = ? WHERE seq = ?`,
        [original.payload, original.actor_id, original.occurred_at, original.outcome, original.to_state, seq],
      );
      expect(await audit.verify()).toMatchObject({ ok: true });
    }
  });

  it('names the first missing seq when a row is deleted, and a forged rehash breaks the next link', async () => {
    await disableAppendOnly(dataSource);
    await dataSource.query('DELETE FROM audit_events WHERE seq = 5');
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
  });
});
