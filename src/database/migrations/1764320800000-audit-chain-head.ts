import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL: `audit_chain_head(lock_key)` takes the audit chain's advisory lock and then reads the
 * chain's head, in one round trip instead of two. Every append holds that lock from reading the
 * head to its COMMIT, so appends are serialized, and each round trip inside the lock is time every
 * other writer waits. A VOLATILE function takes a fresh snapshot for each statement it runs, so
 * the head is read after the lock is held and sees every append committed before it: the same
 * guarantee as the two statements it replaces (AuditService.append).
 *
 * SQLite appends under its one write lock and needs no such function.
 */
export class AuditChainHead1764320800000 implements MigrationInterface {
  name = 'AuditChainHead1764320800000';

  async up(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type !== 'postgres') return;
    await runner.query(CREATE_AUDIT_CHAIN_HEAD);
  }

  async down(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type !== 'postgres') return;
    await runner.query(`DROP FUNCTION audit_chain_head(integer)`);
  }
}

/** Also run by the down() of the migration that replaced the function (1764320900000). */
export const CREATE_AUDIT_CHAIN_HEAD = `CREATE FUNCTION audit_chain_head(lock_key integer) RETURNS TABLE (head_seq integer, head_hash varchar)
      LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(lock_key, hashtext(current_schema()));
        RETURN QUERY SELECT a.seq, a.hash::varchar FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
      END $$`;
