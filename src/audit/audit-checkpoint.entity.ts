import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A signed checkpoint of the audit chain (audit-checkpoint.ts says what is signed). Append-only, like the chain. */
@Entity('audit_checkpoints')
export class AuditCheckpoint {
  @PrimaryColumn({ type: 'integer' })
  seq: number;

  @Column({ type: 'varchar', length: 64 })
  hash: string;

  @Column({ name: 'signed_at', type: 'varchar', length: 30 })
  signedAt: string;

  @Column({ name: 'key_fingerprint', type: 'varchar', length: 64 })
  keyFingerprint: string;

  @Column({ type: 'varchar', length: 100 })
  signature: string;
}
