import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EmailMode } from '../../users/roles.js';

export const MAIL_STATUSES = ['pending', 'sent', 'failed', 'off'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

/** The mail of one notice: sent on its own (`immediate`) or in the recipient's digest (`daily`). */
@Entity('mail_outbox')
@Index('idx_mail_outbox_due', ['status', 'nextAttemptAt'])
@Index('idx_mail_outbox_recipient', ['recipientId', 'status', 'nextAttemptAt'])
export class MailOutboxRow {
  @PrimaryColumn({ name: 'notification_id', type: 'varchar', length: 36 })
  notificationId: string;

  @Column({ name: 'recipient_id', type: 'varchar', length: 36 })
  recipientId: string;

  @Column({ type: 'varchar', length: 10 })
  mode: Exclude<EmailMode, 'off'>;

  /** `off`: a digest's notice read in the app before the digest went out. */
  @Column({ type: 'varchar', length: 10 })
  status: MailStatus;

  @Column({ type: 'integer' })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'varchar', length: 30 })
  nextAttemptAt: string;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  @Column({ name: 'sent_at', type: 'varchar', length: 30, nullable: true })
  sentAt: string | null;
}
