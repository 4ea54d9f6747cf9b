import type { MigrationInterface, QueryRunner } from 'typeorm';
import { COUNT_GROUP as GROUP, countsFollowFunction } from './partnership-counts-sql.js';

/** Counter rows per group on PostgreSQL; a connection writes the shard of its backend's pid. */
export const COUNT_SHARDS = 16;

/**
 * Spreads each partnership counter over shards on PostgreSQL.
 *
 * With one row per (organization, state, overdue), every transition of a partnership updated the
 * same two counter rows as every other transition in that organization, and held their row locks
 * from its `UPDATE` to its `COMMIT`: concurrent writers queued behind each other for the whole
 * rest of their transactions (measured with the service-layer benchmark: 10 callers made fewer
 * transitions a second than one, and `pg_stat_activity` showed the `UPDATE`s waiting on
 * `Lock:transactionid`). Each connection now adds its deltas to the shard of its backend's pid, so
 * writers on different connections do not touch the same counter rows; a list's total is a sum
 * over the shards, still a few rows whatever the table's size. Writers still take the rows of
 * their own shard in key order, so two that share a shard cannot deadlock on them.
 *
 * SQLite has one writer at a time: its counters stay one row per group.
 */
export class PartnershipCountShards1764320600000 implements MigrationInterface {
  name = 'PartnershipCountShards1764320600000';

  async up(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type !== 'postgres') return;
    await runner.query(`ALTER TABLE partnership_counts ADD COLUMN shard smallint NOT NULL DEFAULT 0`);
    await runner.query(`ALTER TABLE partnership_counts DROP CONSTRAINT partnership_counts_pkey`);
    await runner.query(`ALTER TABLE partnership_counts ADD PRIMARY KEY (${GROUP}, shard)`);
    await runner.query(countsFollowFunction(`pg_backend_pid() % ${COUNT_SHARDS}`));
  }

  async down(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type !== 'postgres') return;
    await runner.query(`CREATE TEMPORARY TABLE partnership_counts_merged AS SELECT ${GROUP}, SUM(n)::integer AS n FROM partnership_counts GROUP BY ${GROUP}`);
    await runner.query(`DELETE FROM partnership_counts`);
    await runner.query(`ALTER TABLE partnership_counts DROP CONSTRAINT partnership_counts_pkey`);
    await runner.query(`ALTER TABLE partnership_counts DROP COLUMN shard`);
    await runner.query(`INSERT INTO partnership_counts (${GROUP}, n) SELECT ${GROUP}, n FROM partnership_counts_merged`);
    await runner.query(`DROP TABLE partnership_counts_merged`);
    await runner.query(`ALTER TABLE partnership_counts ADD PRIMARY KEY (${GROUP})`);
    await runner.query(countsFollowFunction(null));
  }
}
