import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { numberedPlaceholders, plainExecute, plainQuery, preparedStatementName } from '../src/database/plain-query.js';
import { WriteQueue } from '../src/database/write-queue.js';
import { createProposal } from './support/factories.js';
import { createTestApp, testDatabaseKind, type TestApp } from './support/test-app.js';

const SELECT_TITLE = 'SELECT title FROM partnerships WHERE id = ?';
const INSERT_TIMER = 'INSERT INTO timers (id, instance_type, instance_id, event, due_at, fired_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)';

describe('plain statements: prepared once per connection, failing as TypeORM queries fail', () => {
  let t: TestApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    t = await createTestApp();
    dataSource = t.get(DataSource);
  });

  afterAll(() => t.close());

  it('reads and writes through the manager’s transaction, and counts the rows a change touched', async () => {
    const created = await createProposal(t, { title: 'Plain statement lecture' });
    expect(await plainQuery(dataSource, SELECT_TITLE, [created.id])).toEqual([{ title: 'Plain statement lecture' }]);
    const changed = await t.get(WriteQueue).run(async (manager) => {
      const count = await plainExecute(manager, 'UPDATE partnerships SET notes = ? WHERE id = ?', ['seen in its transaction', created.id]);
      expect(await plainQuery(manager, 'SELECT notes FROM partnerships WHERE id = ?', [created.id])).toEqual([{ notes: 'seen in its transaction' }]);
      return count;
    });
    expect(changed).toBe(1);
    expect(await plainExecute(dataSource, 'UPDATE partnerships SET notes = ? WHERE id = ?', ['nothing', randomUUID()])).toBe(0);
  });

  it('fails a constraint violation with QueryFailedError and the driver’s code, and the same statement then runs again', async () => {
    const id = randomUUID();
    const at = '2026-11-28T00:00:00.000Z';
    // Due in 2099, so the timer poller never fires these rows of an instance that does not exist.
    const row = (key: string) => [key, 'partnership', randomUUID(), 'xstate.after.P14D.plain', '2099-01-01T00:00:00.000Z', null, at];
    await plainQuery(dataSource, INSERT_TIMER, row(id));
    const duplicate = await plainQuery(dataSource, INSERT_TIMER, row(id)).catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(QueryFailedError);
    const code = (duplicate as QueryFailedError).driverError as { code?: string };
    expect(code.code).toBe(testDatabaseKind === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_PRIMARYKEY');
    const other = randomUUID();
    await plainQuery(dataSource, INSERT_TIMER, row(other));
    expect(await plainQuery(dataSource, 'SELECT id FROM timers WHERE id = ?', [other])).toEqual([{ id: other }]);
  });

  it('refuses a released query runner instead of using a connection that is back in the pool', async () => {
    // SQLite has one shared connection and no pool: releasing a runner hands nothing back, and TypeORM does not mark it released.
    if (testDatabaseKind !== 'postgres') return;
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.release();
    await expect(plainQuery(runner.manager, SELECT_TITLE, [randomUUID()])).rejects.toBeInstanceOf(QueryRunnerAlreadyReleasedError);
  });

  it('names each PostgreSQL statement after its text, so one connection parses it once however often it runs', async () => {
    const text = numberedPlaceholders(SELECT_TITLE);
    expect(preparedStatementName(text)).toBe(preparedStatementName(numberedPlaceholders(SELECT_TITLE)));
    expect(preparedStatementName(text)).not.toBe(preparedStatementName(numberedPlaceholders('SELECT notes FROM partnerships WHERE id = ?')));
    expect(preparedStatementName(text)).toMatch(/^pe_[0-9a-f]{32}$/);
    if (testDatabaseKind !== 'postgres') return;
    // One connection: a query runner's; three runs of the same text, then what the server has prepared on it.
    const runner = dataSource.createQueryRunner();
    try {
      for (let n = 0; n < 3; n += 1) await plainQuery(runner.manager, SELECT_TITLE, [randomUUID()]);
      const prepared = (await runner.query('SELECT name, statement FROM pg_prepared_statements WHERE name = $1', [preparedStatementName(text)])) as Array<{
        name: string;
        statement: string;
      }>;
      expect(prepared).toEqual([{ name: preparedStatementName(text), statement: text }]);
    } finally {
      await runner.release();
    }
  });
});
