import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const ENGAGEMENT_KINDS = ['meeting', 'visit', 'event', 'call', 'trip'] as const;
export type EngagementKind = (typeof ENGAGEMENT_KINDS)[number];

/** A meeting, visit, event, call or trip; a trip's meetings name it as their parent. */
@Entity('engagements')
@Index('idx_engagements_starts', ['startsOn', 'id'])
@Index('idx_engagements_parent', ['parentId', 'startsOn'])
export class Engagement {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 20 })
  kind: EngagementKind;

  @Column({ type: 'varchar', length: 300 })
  title: string;

  /** Lower-cased title, for case-insensitive search on both databases. */
  @Column({ name: 'title_key', type: 'varchar', length: 300 })
  titleKey: string;

  @Column({ name: 'starts_on', type: 'varchar', length: 10 })
  startsOn: string;

  @Column({ name: 'ends_on', type: 'varchar', length: 10, nullable: true })
  endsOn: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  place: string | null;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @Column({ name: 'parent_id', type: 'varchar', length: 36, nullable: true })
  parentId: string | null;

  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy: string;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt: string;
}

export const LINK_TYPES = ['organization', 'attendee', 'staff', 'partnership'] as const;
export type LinkType = (typeof LINK_TYPES)[number];

/** What an engagement names: an organization, a person who attended, a member of staff (a user), a partnership discussed. */
@Entity('engagement_links')
@Index('idx_engagement_links_target', ['targetType', 'targetId'])
export class EngagementLink {
  @PrimaryColumn({ name: 'engagement_id', type: 'varchar', length: 36 })
  engagementId: string;

  @PrimaryColumn({ name: 'target_type', type: 'varchar', length: 20 })
  targetType: LinkType;

  @PrimaryColumn({ name: 'target_id', type: 'varchar', length: 36 })
  targetId: string;

  @Column({ type: 'integer' })
  position: number;
}
