import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One link of the append-only audit chain. Instants are ISO strings so the hashed bytes never change. */
@Entity('audit_events')
@Index('idx_audit_entity', ['entityId', 'seq'])
@Index('idx_audit_actor', ['actorId', 'seq'])
@Index('idx_audit_occurred', ['occurredAt'])
export class AuditEvent {
  @PrimaryColumn({ type: 'integer' })
  seq: number;

  @Column({ name: 'occurred_at', type: 'varchar', length: 30 })
  occurredAt: string;

  @Column({ name: 'actor_id', type: 'varchar', length: 64 })
  actorId: string;

  @Column({ name: 'actor_roles', type: 'simple-json' })
  actorRoles: string[];

  @Column({ type: 'varchar', length: 80 })
  action: string;

  @Column({ name: 'entity_type', type: 'varchar', length: 40 })
  entityType: string;

  @Column({ name: 'entity_id', type: 'varchar', length: 64 })
  entityId: string;

  @Column({ name: 'from_state', type: 'varchar', length: 80, nullable: true })
  fromState: string | null;

  @Column({ name: 'to_state', type: 'varchar', length: 80, nullable: true })
  toState: string | null;

  @Column({ name: 'workflow_id', type: 'varchar', length: 80, nullable: true })
  workflowId: string | null;

  @Column({ name: 'workflow_version', type: 'integer', nullable: true })
  workflowVersion: number | null;

  @Column({ type: 'varchar', length: 40 })
  outcome: string;

  @Column({ name: 'request_id', type: 'varchar', length: 80, nullable: true })
  requestId: string | null;

  /** Canonical JSON text, stored as written so that verification rehashes the very same bytes. */
  @Column({ type: 'text' })
  payload: string;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;
}
