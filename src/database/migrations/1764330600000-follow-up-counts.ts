import type { MigrationInterface, QueryRunner } from 'typeorm';
import { COUNT_SHARDS } from './1764320600000-partnership-count-shards.js';
import { countsFollowFunction, type CounterTable } from './partnership-counts-sql.js';

const GROUP = 'owner_id, state, overdue';
const COUNTER: CounterTable = { table: 'follow_up_counts', group: GROUP, follow: 'follow_up_counts_follow' };

/**
 * What keeps one owner's follow-up list flat as the table grows.
 *
 * Its total counted every follow-up of the owner in the state asked for, a range of the owner index
 * that grows with what one person owes (growth bench, BENCH_SCALE=0.3: 3.2 times slower on SQLite and
 * 2.6 on PostgreSQL from 300 to 30,000 follow-ups). `follow_up_counts` holds how many follow-ups there
 * are per (owner, state, overdue), kept by triggers in the transaction of every insert, update and
 * delete of a follow-up, as `partnership_counts` is (1764320500000, and its shards on PostgreSQL,
 * 1764320600000), so the total is a sum over a few rows. The owner index now ends in the list's
 * order, `due_on, id`, so a page is read from it in order, without a sort.
 */
export class FollowUpCounts1764330600000 implements MigrationInterface {
  name = 'FollowUpCounts1764330600000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    await runner.query(`CREATE TABLE follow_up_counts (
      owner_id varchar(36) NOT NULL,
      state varchar(80) NOT NULL,
      overdue boolean NOT NULL,
      ${postgres ? 'shard smallint NOT NULL DEFAULT 0,' : ''}
      n integer NOT NULL,
      PRIMARY KEY (${GROUP}${postgres ? ', shard' : ''})
    )`);
    await runner.query(`INSERT INTO follow_up_counts (${GROUP}, n) SELECT ${GROUP}, COUNT(*) FROM follow_ups GROUP BY ${GROUP}`);
    await runner.query(`DROP INDEX idx_follow_ups_owner`);
    await runner.query(`CREATE INDEX idx_follow_ups_owner ON follow_ups (owner_id, state, due_on, id)`);
    if (postgres) {
      await runner.query(countsFollowFunction(`pg_backend_pid() % ${COUNT_SHARDS}`, COUNTER));
      await runner.query(`CREATE TRIGGER follow_up_counts_insert AFTER INSERT ON follow_ups
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_up_counts_follow()`);
      await runner.query(`CREATE TRIGGER follow_up_counts_update AFTER UPDATE ON follow_ups
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_up_counts_follow()`);
      await runner.query(`CREATE TRIGGER follow_up_counts_delete AFTER DELETE ON follow_ups
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION follow_up_counts_follow()`);
      return;
    }
    const add = (row: 'new' | 'old', delta: 1 | -1) =>
      `INSERT INTO follow_up_counts (${GROUP}, n) VALUES (${row}.owner_id, ${row}.state, ${row}.overdue, ${delta})
         ON CONFLICT (${GROUP}) DO UPDATE SET n = n + excluded.n;`;
    await runner.query(`CREATE TRIGGER follow_up_counts_insert AFTER INSERT ON follow_ups BEGIN ${add('new', 1)} END`);
    await runner.query(`CREATE TRIGGER follow_up_counts_delete AFTER DELETE ON follow_ups BEGIN ${add('old', -1)} END`);
    await runner.query(`CREATE TRIGGER follow_up_counts_update AFTER UPDATE OF ${GROUP} ON follow_ups
      WHEN old.owner_id IS NOT new.owner_id OR old.state IS NOT new.state OR old.overdue IS NOT new.overdue
      BEGIN ${add('old', -1)} ${add('new', 1)} END`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    for (const trigger of ['follow_up_counts_insert', 'follow_up_counts_update', 'follow_up_counts_delete']) {
      await runner.query(postgres ? `DROP TRIGGER ${trigger} ON follow_ups` : `DROP TRIGGER ${trigger}`);
    }
    if (postgres) await runner.query(`DROP FUNCTION follow_up_counts_follow`);
    await runner.query(`DROP INDEX idx_follow_ups_owner`);
    await runner.query(`CREATE INDEX idx_follow_ups_owner ON follow_ups (owner_id, state, due_on)`);
    await runner.query(`DROP TABLE follow_up_counts`);
  }
}
