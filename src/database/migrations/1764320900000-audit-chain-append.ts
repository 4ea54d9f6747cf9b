import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CREATE_AUDIT_CHAIN_HEAD } from './1764320800000-audit-chain-head.js';

/**
 * PostgreSQL: `audit_chain_append(…)` appends one audit row in one round trip: it takes the
 * chain's advisory lock, reads the head, links and hashes the row, and inserts it. Before, an
 * append took two round trips inside the lock (`audit_chain_head()`, then the INSERT), and every
 * writer waits for the lock while its holder's statements and the Node turns between them run.
 *
 * The hash rule is the service's (`hashRecord`: sha256 of the previous hash and the row's
 * canonical JSON). The service sends the canonical text of the row as the parts before and after
 * the seq's digits (`canonicalBodyAroundSeq`), the function writes the seq it takes between them,
 * and `AuditService.append` computes the hash again from the row returned and refuses (rolls back)
 * one that differs. VOLATILE, so the head is read with a snapshot taken after the lock is held.
 *
 * SQLite appends under its one write lock and needs no such function.
 */
export class AuditChainAppend1764320900000 implements MigrationInterface {
  name = 'AuditChainAppend1764320900000';

  async up(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type !== 'postgres') return;
    await runner.query(`CREATE FUNCTION audit_chain_append(
        lock_key integer, body_before_seq text, body_after_seq text,
        p_occurred_at varchar, p_actor_id varchar, p_actor_roles text, p_action varchar, p_entity_type varchar, p_entity_id varchar,
        p_from_state varchar, p_to_state varchar, p_workflow_id varchar, p_workflow_version integer, p_outcome varchar,
        p_request_id varchar, p_payload text)
      RETURNS TABLE (appended_seq integer, appended_prev_hash varchar, appended_hash varchar)
      LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
      DECLARE
        head_seq integer;
        head_hash varchar;
        next_seq integer;
        next_hash varchar;
      BEGIN
        PERFORM pg_advisory_xact_lock(lock_key, hashtext(current_schema()));
        SELECT a.seq, a.hash INTO head_seq, head_hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
        next_seq := coalesce(head_seq, 0) + 1;
        head_hash := coalesce(head_hash, repeat('0', 64));
        next_hash := encode(sha256(convert_to(head_hash || body_before_seq || next_seq::text || body_after_seq, 'UTF8')), 'hex');
        INSERT INTO audit_events (seq, occurred_at, actor_id, actor_roles, action, entity_type, entity_id, from_state, to_state,
            workflow_id, workflow_version, outcome, request_id, payload, prev_hash, hash)
          VALUES (next_seq, p_occurred_at, p_actor_id, p_actor_roles, p_action, p_entity_type, p_entity_id, p_from_state, p_to_state,
            p_workflow_id, p_workflow_version, p_outcome, p_request_id, p_payload, head_hash, next_hash);
        RETURN QUERY SELECT next_seq, head_hash, next_hash;
      END $$`);
    await runner.query(`DROP FUNCTION audit_chain_head(integer)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    if (runner.connection.options.type !== 'postgres') return;
    await runner.query(CREATE_AUDIT_CHAIN_HEAD);
    await runner.query(
      `DROP FUNCTION audit_chain_append(integer, text, text, varchar, varchar, text, varchar, varchar, varchar, varchar, varchar, varchar, integer, varchar, varchar, text)`,
    );
  }
}
