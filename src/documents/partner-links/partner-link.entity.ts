import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A link a partner's signatory opens without an account, bound to the agreed text's hash at issue; kept when it ends. */
@Entity('partner_links')
@Index('idx_partner_links_token', ['tokenHash'], { unique: true })
@Index('idx_partner_links_partnership', ['partnershipId', 'createdAt'])
@Index('idx_partner_links_acknowledged', ['acknowledgedAt'])
export class PartnerLink {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'partnership_id', type: 'varchar', length: 36 })
  partnershipId: string;

  /** SHA-256 of the token: the token itself is answered once, at issue. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  /** Whom the manager sent it to. */
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  /** The agreed text at issue: its document, and its hash, which an acknowledgement confirms. */
  @Column({ name: 'document_id', type: 'varchar', length: 36, nullable: true })
  documentId: string | null;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ name: 'expires_at', type: 'varchar', length: 30 })
  expiresAt: string;

  @Column({ name: 'created_by', type: 'varchar', length: 36 })
  createdBy: string;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  @Column({ name: 'revoked_at', type: 'varchar', length: 30, nullable: true })
  revokedAt: string | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 36, nullable: true })
  revokedBy: string | null;

  /** When, and by whom as they gave their name and title, the partner acknowledged the text. */
  @Column({ name: 'acknowledged_at', type: 'varchar', length: 30, nullable: true })
  acknowledgedAt: string | null;

  @Column({ name: 'acknowledged_name', type: 'varchar', length: 200, nullable: true })
  acknowledgedName: string | null;

  @Column({ name: 'acknowledged_title', type: 'varchar', length: 200, nullable: true })
  acknowledgedTitle: string | null;

  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt: string;
}
