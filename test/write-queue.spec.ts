import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService, type AuditEntry } from '../src/audit/audit.service.js';
import { DomainError } from '../src/common/domain-error.js';
import { WriteQueue } from '../src/database/write-queue.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { actors, organizationInput } from './support/factories.js';
import { createTestApp, testDatabaseKind, type TestApp } from './support/test-app.js';

/** A promise with its resolve, to line two transactions up step by step. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe(`write transactions on ${testDatabaseKind}`, () => {
  let t: TestApp;
  let queue: WriteQueue;
  let ids: [string, string];

  beforeAll(async () => {
    t = await createTestApp();
    queue = t.get(WriteQueue);
    const organizations = t.get(OrganizationsService);
    const first = await organizations.create(organizationInput({ name: 'First' }), actors.manager);
    const second = await organizations.create(organizationInput({ name: 'Second' }), actors.manager);
    ids = [first.id, second.id];
  });

  afterAll(() => t.close());

  it('runs again a transaction that lost a deadlock, so both writers finish', async () => {
    if (testDatabaseKind === 'sqlite') {
      // One connection, one transaction at a time: the second starts only once the first committed.
      const steps: string[] = [];
      const firstStarted = signal();
      const first = queue.run(async () => {
        steps.push('first begins');
        firstStarted.resolve();
        await new Promise((resolve) => setImmediate(resolve));
        steps.push('first commits');
      });
      await firstStarted.promise;
      await Promise.all([first, queue.run(async () => void steps.push('second runs'))]);
      expect(steps).toEqual(['first begins', 'first commits', 'second runs']);
      return;
    }
    // Each locks one row, then waits for the other's; PostgreSQL aborts one of them (40P01).
    const locked = [signal(), signal()];
    let attempts = 0;
    const lockBoth = (mine: 0 | 1) => async (manager: EntityManager) => {
      attempts += 1;
      const lock = (id: string) => manager.query('SELECT id FROM organizations WHERE id = $1 FOR UPDATE', [id]);
      await lock(ids[mine]);
      locked[mine].resolve();
      await locked[1 - mine].promise;
      await lock(ids[1 - mine]);
      return mine;
    };
    await expect(Promise.all([queue.run(lockBoth(0)), queue.run(lockBoth(1))])).resolves.toEqual([0, 1]);
    expect(attempts).toBe(3);
  });

  it('stores what the request gave, or refuses it as invalid where PostgreSQL cannot store it (a NUL character)', async () => {
    const organizations = t.get(OrganizationsService);
    const attempt = organizations.create(organizationInput({ name: 'Nul\u0000Byte' }), actors.manager);
    if (testDatabaseKind === 'postgres') {
      await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(attempt).rejects.toBeInstanceOf(DomainError);
    } else {
      await expect(attempt).resolves.toMatchObject({ name: 'Nul\u0000Byte' });
    }
    const count = await t.get(DataSource).query('SELECT count(*) AS n FROM organizations');
    expect(Number(count[0].n)).toBe(testDatabaseKind === 'postgres' ? 2 : 3);
  });

  it('commits the transactions that queue up together, answers each only once stored, and rolls back only the one that fails', async () => {
    const dataSource = t.get(DataSource);
    const insert = (manager: EntityManager, name: string) =>
      manager.query(
        testDatabaseKind === 'postgres'
          ? `INSERT INTO organizations (id, name, name_key, kind, country, contacts, version, created_by, created_at, updated_at) VALUES ($1, $2, $3, 'university', 'PK', '[]', 1, 'test', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`
          : `INSERT INTO organizations (id, name, name_key, kind, country, contacts, version, created_by, created_at, updated_at) VALUES (?, ?, ?, 'university', 'PK', '[]', 1, 'test', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
        [randomUUID(), name, name.toLowerCase()],
      );
    // On SQLite a second connection to the same file sees only what is committed.
    const reader = testDatabaseKind === 'sqlite' ? new Database(dataSource.options.database as string, { readonly: true }) : undefined;
    const committed = (name: string) => reader?.prepare('SELECT count(*) AS n FROM organizations WHERE name = ?').get(name) as { n: number } | undefined;
    const seenFromOutside: Array<number | undefined> = [];
    const answered: string[] = [];
    const first = queue.run(async (manager) => void (await insert(manager, 'Grouped A'))).then(() => answered.push('A'));
    const failing = queue.run(async (manager) => {
      await insert(manager, 'Grouped B');
      throw new DomainError('VALIDATION_FAILED', 'B refuses after writing');
    });
    const third = queue
      .run(async (manager) => {
        // A is written but not yet committed: it shares this transaction's COMMIT.
        seenFromOutside.push(committed('Grouped A')?.n);
        await insert(manager, 'Grouped C');
      })
      .then(() => answered.push('C'));
    await expect(failing).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await Promise.all([first, third]);
    const names = await dataSource.query<Array<{ name: string }>>(`SELECT name FROM organizations WHERE name LIKE 'Grouped %' ORDER BY name`);
    expect(names.map((r) => r.name)).toEqual(['Grouped A', 'Grouped C']);
    expect(answered.sort()).toEqual(['A', 'C']);
    if (reader) {
      expect(seenFromOutside).toEqual([0]);
      expect(committed('Grouped A')?.n).toBe(1);
      expect(committed('Grouped C')?.n).toBe(1);
      reader.close();
    }
  });

  it('links each audit row to the one before it when queued writes share a transaction, also after one of them rolled back', async () => {
    const audit = t.get(AuditService);
    const entry = (action: string): AuditEntry => ({
      occurredAt: '2026-01-01T00:00:00.000Z',
      actor: actors.manager,
      action,
      entityType: 'test',
      entityId: 'grouped-audit',
      outcome: 'ok',
    });
    const first = queue.run(async (manager) => {
      await audit.append(manager, entry('A1'));
      await audit.append(manager, entry('A2'));
    });
    const failing = queue.run(async (manager) => {
      await audit.append(manager, entry('B'));
      throw new DomainError('VALIDATION_FAILED', 'B refuses after appending');
    });
    const third = queue.run(async (manager) => void (await audit.append(manager, entry('C'))));
    await expect(failing).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await Promise.all([first, third]);
    const rows = await t
      .get(DataSource)
      .query<Array<{ seq: number | string; action: string; prev_hash: string; hash: string }>>(
        `SELECT seq, action, prev_hash, hash FROM audit_events WHERE entity_id = 'grouped-audit' ORDER BY seq`,
      );
    // On SQLite the three share one transaction, in order; on PostgreSQL they run side by side.
    if (testDatabaseKind === 'sqlite') expect(rows.map((row) => row.action)).toEqual(['A1', 'A2', 'C']);
    else expect(rows.map((row) => row.action).sort()).toEqual(['A1', 'A2', 'C']);
    // B's row, rolled back (with its savepoint on SQLite), left no gap and no link.
    expect([Number(rows[1].seq) - Number(rows[0].seq), Number(rows[2].seq) - Number(rows[1].seq)]).toEqual([1, 1]);
    expect([rows[1].prev_hash, rows[2].prev_hash]).toEqual([rows[0].hash, rows[1].hash]);
    expect(await audit.verify()).toMatchObject({ ok: true });
  });

  it('answers a lone transaction that fails with its own error and goes on with the next', async () => {
    await expect(queue.run(async () => Promise.reject(new DomainError('NOT_FOUND', 'nothing here')))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(queue.run(async (manager) => (await manager.query('SELECT 1 AS one')) as unknown)).resolves.toEqual([{ one: 1 }]);
  });

  it('gives the event loop a turn between transactions queued back to back, so a long run does not hold it', async () => {
    let done = 0;
    let doneWhenTheLoopTurned: number | undefined;
    for (let i = 0; i < 50; i += 1) {
      await queue.run(async (manager) => {
        if (i === 0) setImmediate(() => (doneWhenTheLoopTurned = done));
        await manager.query('SELECT 1 AS one');
      });
      done += 1;
    }
    expect(doneWhenTheLoopTurned).toBeDefined();
    expect(doneWhenTheLoopTurned).toBeLessThan(5);
  });
});
