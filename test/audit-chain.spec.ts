import { DataSource } from 'typeorm';
import { hashRecord, type AuditRecord } from '../src/audit/audit-chain.js';
import { AuditChainAppend1764320900000 } from '../src/database/migrations/1764320900000-audit-chain-append.js';
import { plainQuery } from '../src/database/plain-query.js';
import { disableAppendOnly } from './support/append-only.js';
import { AuditService } from '../src/audit/audit.service.js';
import { WriteQueue } from '../src/database/write-queue.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { actors, organizationInput, partnershipInput } from './support/factories.js';
import { runMigrationStep } from './support/migrate.js';
import { createTestApp, testDatabaseKind, type TestApp } from './support/test-app.js';

/** No documents were uploaded: verify re-hashed none. */
const NO_DOCUMENTS = { checked: 0, bad: [] };

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
    expect(result).toEqual({
      ok: true,
      events: rows.length,
      headHash: rows[rows.length - 1].hash,
      checkpoints: { checked: 0, lastSeq: null },
      documents: NO_DOCUMENTS,
    });
    expect(rows[0].prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i += 1) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
  });

  it('stores, for rows of awkward text, the hash the service’s rule gives over the stored fields', async () => {
    const awkward = ['quote " and backslash \\', 'tab\tnewline\ncontrol\u0001\u001f', 'é ü 漢字 😀', '\u2028\u2029\u007f', ',"seq":0,"toState":', ''];
    await t.get(WriteQueue).run(async (manager) => {
      for (const [n, text] of awkward.entries()) {
        await audit.append(manager, {
          occurredAt: t.clock.now().toISOString(),
          actor: { id: `actor ${text}`.slice(0, 64), roles: ['manager', text] },
          action: `ACTION_${n}`,
          entityType: 'request',
          entityId: text || '-',
          fromState: text,
          toState: null,
          outcome: 'ok',
          requestId: text,
          payload: { text, nested: { seq: n, list: [text, null, 1.5] } },
        });
      }
    });
    const rows = await dataSource.query(`SELECT * FROM audit_events WHERE action LIKE 'ACTION_%' ORDER BY seq`);
    expect(rows).toHaveLength(awkward.length);
    for (const row of rows) {
      const record: Omit<AuditRecord, 'hash'> = {
        seq: Number(row.seq),
        occurredAt: row.occurred_at,
        actorId: row.actor_id,
        actorRoles: JSON.parse(row.actor_roles),
        action: row.action,
        entityType: row.entity_type,
        entityId: row.entity_id,
        fromState: row.from_state,
        toState: row.to_state,
        workflowId: row.workflow_id,
        workflowVersion: row.workflow_version,
        outcome: row.outcome,
        requestId: row.request_id,
        payload: row.payload,
        prevHash: row.prev_hash,
      };
      expect(row.hash).toBe(hashRecord(record));
    }
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  // PostgreSQL only: there, writers on other connections append at the same time; SQLite has one writer.
  if (testDatabaseKind === 'postgres') {
    it('makes a second append wait for the chain lock, then link to the row the first one committed', async () => {
      const entry = (action: string) => ({
        occurredAt: t.clock.now().toISOString(),
        actor: actors.manager,
        action,
        entityType: 'request',
        entityId: '-',
        outcome: 'ok' as const,
      });
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

    it('rolls back an append whose hash the database computed otherwise than the service’s rule', async () => {
      // The function as a server that hashed other bytes would run it: one more space in the row's text.
      const signature = 'integer, text, text, varchar, varchar, text, varchar, varchar, varchar, varchar, varchar, varchar, integer, varchar, varchar, text';
      await dataSource.query(`ALTER FUNCTION audit_chain_append(${signature}) RENAME TO audit_chain_append_faithful`);
      await dataSource.query(`CREATE FUNCTION audit_chain_append(${signature}) RETURNS TABLE (appended_seq integer, appended_prev_hash varchar, appended_hash varchar)
        LANGUAGE sql AS $$ SELECT * FROM audit_chain_append_faithful($1, $2, $3 || ' ', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) $$`);
      const partnerships = t.get(PartnershipsService);
      const organization = await t
        .get(OrganizationsService)
        .create(organizationInput(), actors.manager)
        .catch((error: unknown) => error);
      expect(String(organization)).toMatch(/the database hashed audit row \d+ as [0-9a-f]{64}, the service's rule gives [0-9a-f]{64}/);
      const rowsBefore = await dataSource.query('SELECT count(*)::int AS n FROM audit_events');
      const [existing] = await dataSource.query(`SELECT id, version FROM partnerships ORDER BY created_at LIMIT 1`);
      await expect(
        partnerships.send(existing.id, { type: 'REQUEST_CHANGES', actor: actors.approver, expectedVersion: existing.version, comment: 'x' }),
      ).rejects.toThrow(/the database hashed audit row/);
      // Nothing of either change was kept: no row, no new version, and the chain still verifies.
      expect(await dataSource.query('SELECT count(*)::int AS n FROM audit_events')).toEqual(rowsBefore);
      expect((await partnerships.get(existing.id)).version).toBe(existing.version);
      expect(await audit.verify()).toMatchObject({ ok: true });
    });

    it('goes back to audit_chain_head() with its migration’s down(), and forward again with up()', async () => {
      const migrate = (step: 'up' | 'down') => runMigrationStep(dataSource, new AuditChainAppend1764320900000(), step);
      const functions = async () =>
        (
          await dataSource.query(
            `SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace AND proname LIKE 'audit_chain_%' ORDER BY proname`,
          )
        ).map((row: { proname: string }) => row.proname);
      expect(await functions()).toEqual(['audit_chain_append']);
      await migrate('down');
      expect(await functions()).toEqual(['audit_chain_head']);
      await migrate('up');
      expect(await functions()).toEqual(['audit_chain_append']);
      await seed(t, 1);
      expect(await audit.verify()).toMatchObject({ ok: true });
    });
  }

  it('is append-only: the database refuses UPDATE and DELETE', async () => {
    await expect(dataSource.query(`UPDATE audit_events SET outcome = 'ok' WHERE seq = 2`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM audit_events WHERE seq = 2`)).rejects.toThrow(/append-only/);
    if (testDatabaseKind === 'postgres') await expect(dataSource.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it('refuses every INSERT or REPLACE that would reuse a seq, and leaves the row as it was', async () => {
    const [original] = await plainQuery<Record<string, unknown>>(dataSource, 'SELECT * FROM audit_events WHERE seq = 2', []);
    const columns = Object.keys(original);
    const forged = columns.map((column) => (column === 'payload' ? '{"forged":true}' : original[column]));
    const row = `(${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    const statements =
      testDatabaseKind === 'sqlite'
        ? [
            `INSERT INTO audit_events ${row}`,
            // REPLACE deletes the old row without firing DELETE triggers: only a BEFORE INSERT trigger sees it.
            `REPLACE INTO audit_events ${row}`,
            `INSERT OR REPLACE INTO audit_events ${row}`,
            `INSERT OR IGNORE INTO audit_events ${row}`,
            `INSERT INTO audit_events ${row} ON CONFLICT (seq) DO UPDATE SET payload = excluded.payload`,
            `UPDATE OR REPLACE audit_events SET seq = 2 WHERE seq = 3`,
          ]
        : [
            `INSERT INTO audit_events ${row}`,
            `INSERT INTO audit_events ${row} ON CONFLICT (seq) DO UPDATE SET payload = excluded.payload`,
            `MERGE INTO audit_events a USING (SELECT ?::integer AS seq) f ON a.seq = f.seq WHEN MATCHED THEN UPDATE SET payload = '{"forged":true}'`,
            `MERGE INTO audit_events a USING (SELECT ?::integer AS seq) f ON a.seq = f.seq WHEN MATCHED THEN DELETE`,
          ];
    for (const sql of statements) {
      const parameters = sql.startsWith('MERGE') ? [2] : sql.startsWith('UPDATE') ? [] : forged;
      await expect(plainQuery(dataSource, sql, parameters)).rejects.toThrow(/append-only|duplicate key/);
    }
    expect(await plainQuery(dataSource, 'SELECT * FROM audit_events WHERE seq = 2', [])).toEqual([original]);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  if (testDatabaseKind === 'sqlite') {
    it('refuses a row put into the gap a deleted row left', async () => {
      const [deleted] = await plainQuery<Record<string, unknown>>(dataSource, 'SELECT * FROM audit_events WHERE seq = 3', []);
      await dataSource.query('DROP TRIGGER audit_events_no_delete');
      await dataSource.query('DELETE FROM audit_events WHERE seq = 3');
      const columns = Object.keys(deleted);
      await expect(
        plainQuery(dataSource, `INSERT INTO audit_events (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(deleted)),
      ).rejects.toThrow(/append-only: a row takes a seq above the head/);
    });
  }

  if (testDatabaseKind === 'postgres') {
    it('keeps refusing UPDATE, DELETE and TRUNCATE with session_replication_role = replica, which skips ordinary triggers', async () => {
      const runner = dataSource.createQueryRunner();
      try {
        await runner.query('SET session_replication_role = replica');
        await expect(runner.query(`UPDATE audit_events SET outcome = 'denied' WHERE seq = 2`)).rejects.toThrow(/append-only/);
        await expect(runner.query(`DELETE FROM audit_events WHERE seq > 2`)).rejects.toThrow(/append-only/);
        await expect(runner.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
      } finally {
        await runner.query('RESET session_replication_role');
        await runner.release();
      }
      expect(await audit.verify()).toMatchObject({ ok: true });
    });
  }

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
      await plainQuery(dataSource, `UPDATE audit_events SET payload = ?, actor_id = ?, occurred_at = ?, outcome = ?, to_state = ? WHERE seq = ?`, [
        original.payload,
        original.actor_id,
        original.occurred_at,
        original.outcome,
        original.to_state,
        seq,
      ]);
      expect(await audit.verify()).toMatchObject({ ok: true });
    }
  });

  it('names the first missing seq when a row is deleted, and a forged rehash breaks the next link', async () => {
    await disableAppendOnly(dataSource);
    await dataSource.query('DELETE FROM audit_events WHERE seq = 5');
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
  });
});
