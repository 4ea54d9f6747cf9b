import { Column, Entity, PrimaryColumn } from 'typeorm';

export const DOCUMENT_KINDS = ['mou_draft', 'signed_mou', 'workplan', 'concept_note', 'report', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** One upload: what it was called and for, by whom; its bytes are the blob of its `sha256`. Never changed. */
@Entity('documents')
export class Document {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  title: string | null;

  @Column({ type: 'varchar', length: 20 })
  kind: DocumentKind;

  @Column({ name: 'media_type', type: 'varchar', length: 100 })
  mediaType: string;

  @Column({ type: 'integer' })
  size: number;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ name: 'partnership_id', type: 'varchar', length: 36, nullable: true })
  partnershipId: string | null;

  /** The engagement it was brought back from (a meeting's minutes), if any. */
  @Column({ name: 'engagement_id', type: 'varchar', length: 36, nullable: true })
  engagementId: string | null;

  @Column({ name: 'uploaded_by', type: 'varchar', length: 36 })
  uploadedBy: string;

  @Column({ name: 'uploaded_at', type: 'varchar', length: 30 })
  uploadedAt: string;

  @Column({ name: 'has_text', type: 'boolean' })
  hasText: boolean;
}
