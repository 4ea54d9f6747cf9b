import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One notice to one person: what waits for them, and the page where it waits. */
@Entity('notifications')
@Index('idx_notifications_recipient', ['recipientId', 'createdAt', 'id'])
@Index('idx_notifications_unread', ['recipientId', 'readAt'])
@Index('idx_notifications_occasion', ['recipientId', 'occasion'], { unique: true })
export class Notification {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'recipient_id', type: 'varchar', length: 36 })
  recipientId: string;

  @Column({ type: 'varchar', length: 40 })
  kind: string;

  @Column({ type: 'varchar', length: 300 })
  subject: string;

  @Column({ type: 'text' })
  body: string;

  /** The page's path; answers and mails put PUBLIC_URL before it. */
  @Column({ type: 'varchar', length: 300 })
  link: string;

  @Column({ name: 'entity_type', type: 'varchar', length: 40 })
  entityType: string;

  @Column({ name: 'entity_id', type: 'varchar', length: 36 })
  entityId: string;

  /** What a reminder is about (`activity_due:<occurrence>:<date>`), once per recipient; null for notices of a change. */
  @Column({ type: 'varchar', length: 120, nullable: true })
  occasion: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  @Column({ name: 'read_at', type: 'varchar', length: 30, nullable: true })
  readAt: string | null;
}
