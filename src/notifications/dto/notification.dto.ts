import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Notification } from '../notification.entity.js';
import { NOTIFICATION_KINDS } from '../notification-kinds.js';
import { MAIL_STATUSES, type MailOutboxRow, type MailStatus } from '../mail/mail-outbox.entity.js';

const KINDS = NOTIFICATION_KINDS.map((entry) => entry.kind);

export class EmailStateDto {
  @ApiProperty({
    enum: MAIL_STATUSES,
    description: 'pending: to be sent (now, after a failed try, or in the next digest); sent; failed: every try failed; off: not mailed',
  })
  status: MailStatus;

  @ApiProperty({ description: 'Tries so far.' })
  attempts: number;

  @ApiPropertyOptional({ description: 'Why the last try failed.' })
  lastError?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  sentAt?: string;
}

export class NotificationDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: KINDS })
  kind: string;

  @ApiProperty({ example: 'Waiting for your approval: Annual lecture series' })
  subject: string;

  @ApiProperty({ description: 'Plain text: what waits, and what to do.' })
  body: string;

  @ApiProperty({ format: 'uri', description: 'The page where it waits, under PUBLIC_URL.', example: 'https://partnerships.example.org/ui/partnerships/7b0c…' })
  link: string;

  @ApiProperty({ enum: ['partnership', 'occurrence', 'follow_up', 'delegation'] })
  entityType: string;

  @ApiProperty({ format: 'uuid' })
  entityId: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  readAt: string | null;

  @ApiProperty({ type: EmailStateDto })
  email: EmailStateDto;
}

export class NotificationListDto {
  @ApiProperty({ type: NotificationDto, isArray: true, description: 'The caller’s own, newest first.' })
  items: NotificationDto[];

  @ApiProperty({ description: 'How many match the query.' })
  total: number;

  @ApiProperty({ description: 'How many of all the caller’s notices are unread.' })
  unread: number;
}

export function toEmailState(mail: MailOutboxRow | undefined): EmailStateDto {
  if (!mail) return { status: 'off', attempts: 0 };
  return {
    status: mail.status,
    attempts: mail.attempts,
    ...(mail.lastError !== null ? { lastError: mail.lastError } : {}),
    ...(mail.sentAt !== null ? { sentAt: mail.sentAt } : {}),
  };
}

export function toNotificationDto(row: Notification, mail: MailOutboxRow | undefined, publicUrl: string): NotificationDto {
  return {
    id: row.id,
    kind: row.kind,
    subject: row.subject,
    body: row.body,
    link: publicUrl + row.link,
    entityType: row.entityType,
    entityId: row.entityId,
    createdAt: row.createdAt,
    readAt: row.readAt,
    email: toEmailState(mail),
  };
}
