import type { MigrationInterface, QueryRunner } from 'typeorm';
import { COUNT_GROUP as GROUP, countsFollowFunction } from './partnership-counts-sql.js';

/** The list's indexes so far, and the columns they start with before `created_at`. */
const LIST_INDEXES = [
  ['idx_partnerships_created', ''],
  ['idx_partnerships_state', 'state, '],
  ['idx_partnerships_org', 'organization_id, '],
] as const;

/**
 * What keeps the partnership list flat as the table grows.
 *
 * `partnership_counts` holds how many partnerships there are per (organization, state, overdue),
 * kept by triggers in the transaction of every insert, update and delete of a partnership, so a
 * list's total is a sum over a few of its rows instead of a count over the table.
 *
 * `partnership_titles` finds substrings of `title_key` through trigrams. On SQLite it is an FTS5
 * table with the trigram tokenizer, external content: it stores the index only, keyed by the
 * partnerships' rowid (which VACUUM keeps). On PostgreSQL it is a narrow copy of (id, title_key)
 * with a `pg_trgm` GIN index: a search that counts a thousand matches rechecks each one in its
 * heap row, and the partnerships' rows, with their context, are wide. Both are kept by triggers too.
 *
 * The B-tree on `title_key` served no query (`LIKE '%…%'` cannot use it) and is dropped. The
 * list's indexes end in its order, `created_at DESC, id`; lists filtered by `overdue` get one too.
 */
export class PartnershipCountsAndTitleSearch1764320500000 implements MigrationInterface {
  name = 'PartnershipCountsAndTitleSearch1764320500000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    await runner.query(`CREATE TABLE partnership_counts (
      organization_id varchar(36) NOT NULL,
      state varchar(80) NOT NULL,
      overdue boolean NOT NULL,
      n integer NOT NULL,
      PRIMARY KEY (${GROUP})
    )`);
    await runner.query(`INSERT INTO partnership_counts (${GROUP}, n) SELECT ${GROUP}, COUNT(*) FROM partnerships GROUP BY ${GROUP}`);
    await runner.query(`DROP INDEX idx_partnerships_title`);
    // Ending in the list's order, an index yields a page without a sort, and an offset skips index entries only.
    for (const [name, leading] of LIST_INDEXES) {
      await runner.query(`DROP INDEX ${name}`);
      await runner.query(`CREATE INDEX ${name} ON partnerships (${leading}created_at DESC, id)`);
    }
    await runner.query(`CREATE INDEX idx_partnerships_overdue ON partnerships (overdue, created_at DESC, id)`);
    if (postgres) await this.postgres(runner);
    else await this.sqlite(runner);
  }

  private async postgres(runner: QueryRunner): Promise<void> {
    // The extension lives in one schema for the whole database (public unless it was installed
    // elsewhere before): every schema's index names its operator class there.
    await runner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public`);
    const [{ schema }] = (await runner.query(
      `SELECT quote_ident(n.nspname) AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
    )) as Array<{ schema: string }>;
    await runner.query(`CREATE TABLE partnership_titles (
      partnership_id varchar(36) PRIMARY KEY REFERENCES partnerships (id) ON DELETE CASCADE,
      title_key varchar(300) NOT NULL
    )`);
    await runner.query(`INSERT INTO partnership_titles (partnership_id, title_key) SELECT id, title_key FROM partnerships`);
    // Without the pending list, a search never scans entries not yet merged into the index;
    // partnerships are created at the pace of people, so the slower insert does not matter.
    await runner.query(`CREATE INDEX idx_partnership_titles_trgm ON partnership_titles USING gin (title_key ${schema}.gin_trgm_ops) WITH (fastupdate = off)`);
    await runner.query(`CREATE FUNCTION partnership_titles_follow() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO partnership_titles (partnership_id, title_key) VALUES (NEW.id, NEW.title_key);
        ELSE
          UPDATE partnership_titles SET title_key = NEW.title_key WHERE partnership_id = NEW.id;
        END IF;
        RETURN NULL;
      END $$`);
    await runner.query(`CREATE TRIGGER partnership_titles_insert AFTER INSERT ON partnerships FOR EACH ROW EXECUTE FUNCTION partnership_titles_follow()`);
    await runner.query(`CREATE TRIGGER partnership_titles_update AFTER UPDATE OF title_key ON partnerships
      FOR EACH ROW WHEN (OLD.title_key IS DISTINCT FROM NEW.title_key) EXECUTE FUNCTION partnership_titles_follow()`);
    // Once per statement, not per row: every row-level change of a counter row leaves a row version
    // behind, and within one transaction each next change of the same row walks the versions before
    // it (a bulk insert of 20,000 partnerships in one transaction took 5 s to count, 40,000 took
    // 19 s). See countsFollowFunction.
    await runner.query(countsFollowFunction(null));
    // A trigger with transition tables takes no column list: every UPDATE statement is looked at,
    // and one that moved no partnership between groups writes nothing.
    await runner.query(`CREATE TRIGGER partnership_counts_insert AFTER INSERT ON partnerships
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_counts_follow()`);
    await runner.query(`CREATE TRIGGER partnership_counts_update AFTER UPDATE ON partnerships
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_counts_follow()`);
    await runner.query(`CREATE TRIGGER partnership_counts_delete AFTER DELETE ON partnerships
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_counts_follow()`);
  }

  private async sqlite(runner: QueryRunner): Promise<void> {
    const add = (row: 'new' | 'old', delta: 1 | -1) =>
      `INSERT INTO partnership_counts (${GROUP}, n) VALUES (${row}.organization_id, ${row}.state, ${row}.overdue, ${delta})
         ON CONFLICT (${GROUP}) DO UPDATE SET n = n + excluded.n;`;
    const index = (row: 'new' | 'old') => `INSERT INTO partnership_titles (rowid, title_key) VALUES (${row}.rowid, ${row}.title_key);`;
    const unindex = (row: 'new' | 'old') =>
      `INSERT INTO partnership_titles (partnership_titles, rowid, title_key) VALUES ('delete', ${row}.rowid, ${row}.title_key);`;
    // case_sensitive 1: title_key is lower-cased already, and without folding a phrase of trigrams
    // matches exactly the rows `title_key LIKE '%…%'` matches.
    await runner.query(
      `CREATE VIRTUAL TABLE partnership_titles USING fts5(title_key, content = 'partnerships', content_rowid = 'rowid', tokenize = 'trigram case_sensitive 1')`,
    );
    await runner.query(`INSERT INTO partnership_titles (partnership_titles) VALUES ('rebuild')`);
    await runner.query(`CREATE TRIGGER partnerships_after_insert AFTER INSERT ON partnerships BEGIN ${add('new', 1)} ${index('new')} END`);
    await runner.query(`CREATE TRIGGER partnerships_after_delete AFTER DELETE ON partnerships BEGIN ${add('old', -1)} ${unindex('old')} END`);
    await runner.query(`CREATE TRIGGER partnership_counts_update AFTER UPDATE OF ${GROUP} ON partnerships
      WHEN old.organization_id IS NOT new.organization_id OR old.state IS NOT new.state OR old.overdue IS NOT new.overdue
      BEGIN ${add('old', -1)} ${add('new', 1)} END`);
    await runner.query(`CREATE TRIGGER partnership_titles_update AFTER UPDATE OF title_key ON partnerships
      WHEN old.title_key IS NOT new.title_key
      BEGIN ${unindex('old')} ${index('new')} END`);
  }

  async down(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type === 'postgres') {
      for (const trigger of ['partnership_counts_insert', 'partnership_counts_update', 'partnership_counts_delete']) {
        await runner.query(`DROP TRIGGER ${trigger} ON partnerships`);
      }
      await runner.query(`DROP FUNCTION partnership_counts_follow`);
      await runner.query(`DROP TRIGGER partnership_titles_update ON partnerships`);
      await runner.query(`DROP TRIGGER partnership_titles_insert ON partnerships`);
      await runner.query(`DROP FUNCTION partnership_titles_follow`);
    } else {
      for (const trigger of ['partnership_titles_update', 'partnership_counts_update', 'partnerships_after_delete', 'partnerships_after_insert']) {
        await runner.query(`DROP TRIGGER ${trigger}`);
      }
    }
    await runner.query(`DROP TABLE partnership_titles`);
    await runner.query(`DROP INDEX idx_partnerships_overdue`);
    for (const [name, leading] of LIST_INDEXES) {
      await runner.query(`DROP INDEX ${name}`);
      await runner.query(`CREATE INDEX ${name} ON partnerships (${leading}created_at)`);
    }
    await runner.query(`CREATE INDEX idx_partnerships_title ON partnerships (title_key)`);
    await runner.query(`DROP TABLE partnership_counts`);
  }
}
