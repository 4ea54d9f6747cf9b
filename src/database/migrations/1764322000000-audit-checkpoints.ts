import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Closes what the append-only triggers of audit_events left open, and adds the table of signed
 * checkpoints of the chain's head, append-only in the same way.
 *
 * SQLite: `REPLACE INTO audit_events` (or `INSERT OR REPLACE`) deletes the row it replaces without
 * firing DELETE triggers (unless `recursive_triggers` is on), so it rewrote a row past
 * `audit_events_no_delete`. A BEFORE INSERT trigger runs before any conflict is resolved, so one
 * that refuses a seq at or below the head refuses REPLACE, every `INSERT OR …` and an upsert, and
 * an insert into the gap a deleted row left.
 *
 * PostgreSQL has no REPLACE: a plain INSERT of a used seq breaks the primary key, `ON CONFLICT DO
 * UPDATE` and `MERGE` fire the UPDATE/DELETE trigger, `ON CONFLICT DO NOTHING` changes nothing, and
 * a gap cannot be made without a DELETE. What was open: with `session_replication_role = replica`
 * ordinary triggers do not fire, so UPDATE, DELETE and TRUNCATE went through. `ENABLE ALWAYS`
 * makes the triggers fire in every mode.
 *
 * A checkpoint must name a row of the chain with that row's hash: a BEFORE INSERT trigger checks
 * it, one primary-key lookup per checkpoint.
 */
export class AuditCheckpoints1764322000000 implements MigrationInterface {
  name = 'AuditCheckpoints1764322000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE audit_checkpoints (
      seq integer PRIMARY KEY,
      hash varchar(64) NOT NULL,
      signed_at varchar(30) NOT NULL,
      key_fingerprint varchar(64) NOT NULL,
      signature varchar(100) NOT NULL
    )`);
    if (runner.connection.options.type === 'postgres') {
      await runner.query(`CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql`);
      await runner.query(`CREATE FUNCTION audit_checkpoint_names_row() RETURNS trigger
        LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.seq = NEW.seq AND a.hash = NEW.hash) THEN
            RAISE EXCEPTION 'a checkpoint names a row of audit_events with its hash: there is no row % with hash %', NEW.seq, NEW.hash;
          END IF;
          RETURN NEW;
        END $$`);
      await runner.query(`CREATE TRIGGER audit_checkpoints_names_row BEFORE INSERT ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_names_row()`);
      await runner.query(`CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()`);
      await runner.query(`CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()`);
      for (const [table, trigger] of ALWAYS) await runner.query(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${trigger}`);
      return;
    }
    await runner.query(`CREATE TRIGGER audit_events_no_reuse BEFORE INSERT ON audit_events
      WHEN NEW.seq <= (SELECT max(seq) FROM audit_events)
      BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: a row takes a seq above the head, never one used before'); END`);
    await runner.query(`CREATE TRIGGER audit_checkpoints_no_reuse BEFORE INSERT ON audit_checkpoints
      WHEN EXISTS (SELECT 1 FROM audit_checkpoints WHERE seq = NEW.seq)
      BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only: one checkpoint per seq'); END`);
    await runner.query(`CREATE TRIGGER audit_checkpoints_names_row BEFORE INSERT ON audit_checkpoints
      WHEN NOT EXISTS (SELECT 1 FROM audit_events WHERE seq = NEW.seq AND hash = NEW.hash)
      BEGIN SELECT RAISE(ABORT, 'a checkpoint names a row of audit_events with its hash'); END`);
    await runner.query(`CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
      BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END`);
    await runner.query(`CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
      BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END`);
  }

  async down(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type === 'postgres') {
      for (const [table, trigger] of ALWAYS.filter(([table]) => table === 'audit_events')) {
        await runner.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
      }
      await runner.query(`DROP TABLE audit_checkpoints`);
      await runner.query(`DROP FUNCTION audit_checkpoint_names_row()`);
      await runner.query(`DROP FUNCTION audit_append_only()`);
      return;
    }
    await runner.query(`DROP TABLE audit_checkpoints`);
    await runner.query(`DROP TRIGGER audit_events_no_reuse`);
  }
}

/** PostgreSQL: the triggers that fire whatever `session_replication_role` says. */
const ALWAYS: Array<[table: string, trigger: string]> = [
  ['audit_events', 'audit_events_no_update'],
  ['audit_events', 'audit_events_no_truncate'],
  ['audit_checkpoints', 'audit_checkpoints_names_row'],
  ['audit_checkpoints', 'audit_checkpoints_no_update'],
  ['audit_checkpoints', 'audit_checkpoints_no_truncate'],
];
