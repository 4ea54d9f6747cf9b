import type { MigrationInterface, QueryRunner } from 'typeorm';

const GROUP = 'organization_id, state, overdue';

/**
 * On PostgreSQL, `partnership_counts` follows partnerships once per statement instead of once per
 * row. Every row-level change of a counter row leaves a row version behind, and within one
 * transaction each next change of the same row walks the versions before it: a bulk insert of
 * 20,000 partnerships in one transaction took 5 s to count, 40,000 took 19 s. Per statement, the
 * rows a statement changed are counted by group (transition tables) and each counter row changes
 * once. The counters are now written when the statement runs, not at commit: a writer holds its
 * counter rows from its update of the partnership to its commit, taking them in key order, as
 * before. SQLite changes rows in place and keeps its row triggers.
 */
export class PartnershipCountsPerStatement1764320600000 implements MigrationInterface {
  name = 'PartnershipCountsPerStatement1764320600000';

  async up(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type !== 'postgres') return;
    await runner.query(`DROP TRIGGER partnership_counts_update ON partnerships`);
    await runner.query(`DROP TRIGGER partnership_counts_insert_delete ON partnerships`);
    await runner.query(`DROP FUNCTION partnership_counts_follow`);
    const rows = (table: 'new_rows' | 'old_rows', sign: 1 | -1) => `SELECT ${GROUP}, ${sign} AS n FROM ${table}`;
    // Deltas by group, applied in key order, so that writers lock counter rows in one order.
    const apply = (deltas: string) => `INSERT INTO partnership_counts AS c (${GROUP}, n)
        SELECT ${GROUP}, SUM(n) FROM (${deltas}) AS delta GROUP BY ${GROUP} HAVING SUM(n) <> 0 ORDER BY ${GROUP}
        ON CONFLICT (${GROUP}) DO UPDATE SET n = c.n + EXCLUDED.n;`;
    await runner.query(`CREATE FUNCTION partnership_counts_follow() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${apply(rows('new_rows', 1))}
        ELSIF TG_OP = 'DELETE' THEN
          ${apply(rows('old_rows', -1))}
        ELSE
          ${apply(`${rows('old_rows', -1)} UNION ALL ${rows('new_rows', 1)}`)}
        END IF;
        RETURN NULL;
      END $$`);
    // A trigger with transition tables takes no column list: every UPDATE statement is looked at,
    // and one that moved no partnership between groups writes nothing.
    await runner.query(`CREATE TRIGGER partnership_counts_insert AFTER INSERT ON partnerships
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_counts_follow()`);
    await runner.query(`CREATE TRIGGER partnership_counts_update AFTER UPDATE ON partnerships
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_counts_follow()`);
    await runner.query(`CREATE TRIGGER partnership_counts_delete AFTER DELETE ON partnerships
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION partnership_counts_follow()`);
  }

  async down(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type !== 'postgres') return;
    for (const trigger of ['partnership_counts_insert', 'partnership_counts_update', 'partnership_counts_delete']) {
      await runner.query(`DROP TRIGGER ${trigger} ON partnerships`);
    }
    await runner.query(`DROP FUNCTION partnership_counts_follow`);
    const add = (row: 'NEW' | 'OLD', delta: 1 | -1) =>
      `INSERT INTO partnership_counts AS c (${GROUP}, n) VALUES (${row}.organization_id, ${row}.state, ${row}.overdue, ${delta})
         ON CONFLICT (${GROUP}) DO UPDATE SET n = c.n + EXCLUDED.n;`;
    await runner.query(`CREATE FUNCTION partnership_counts_follow() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${add('NEW', 1)}
        ELSIF TG_OP = 'DELETE' THEN
          ${add('OLD', -1)}
        ELSIF (OLD.organization_id, OLD.state, OLD.overdue) < (NEW.organization_id, NEW.state, NEW.overdue) THEN
          ${add('OLD', -1)}
          ${add('NEW', 1)}
        ELSE
          ${add('NEW', 1)}
          ${add('OLD', -1)}
        END IF;
        RETURN NULL;
      END $$`);
    await runner.query(`CREATE CONSTRAINT TRIGGER partnership_counts_insert_delete AFTER INSERT OR DELETE ON partnerships
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION partnership_counts_follow()`);
    await runner.query(`CREATE CONSTRAINT TRIGGER partnership_counts_update AFTER UPDATE OF ${GROUP} ON partnerships
      DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW WHEN ((OLD.organization_id, OLD.state, OLD.overdue) IS DISTINCT FROM (NEW.organization_id, NEW.state, NEW.overdue))
      EXECUTE FUNCTION partnership_counts_follow()`);
  }
}
