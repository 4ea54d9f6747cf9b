import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { Clock } from '../../common/clock.js';
import { DomainError } from '../../common/domain-error.js';
import { plainExecute, plainQuery } from '../../database/plain-query.js';
import { afterCommit, WriteQueue } from '../../database/write-queue.js';
import type { Actor } from '../../workflow-engine/workflow.types.js';
import { toEmailState } from '../dto/notification.dto.js';
import type { OutboxListDto, OutboxMailDto, OutboxQueryDto } from '../dto/outbox.dto.js';
import type { MailOutboxRow, MailStatus } from './mail-outbox.entity.js';
import { MailWorker } from './mail-worker.service.js';

interface OutboxRow {
  notification_id: string;
  kind: string;
  subject: string;
  created_at: string;
  recipient_id: string;
  display_name: string;
  email: string | null;
  mode: MailOutboxRow['mode'];
  status: MailStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  sent_at: string | null;
}

const FROM = `FROM mail_outbox o JOIN notifications n ON n.id = o.notification_id JOIN users u ON u.id = o.recipient_id`;
const COLUMNS = `SELECT o.notification_id, n.kind, n.subject, n.created_at, o.recipient_id, u.display_name, u.email,
  o.mode, o.status, o.attempts, o.next_attempt_at, o.last_error, o.sent_at ${FROM}`;
const ORDER = 'ORDER BY n.created_at DESC, o.notification_id DESC LIMIT ? OFFSET ?';

function toOutboxMail(row: OutboxRow): OutboxMailDto {
  return {
    notificationId: row.notification_id,
    kind: row.kind,
    subject: row.subject,
    recipient: { id: row.recipient_id, displayName: row.display_name, email: row.email },
    mode: row.mode,
    createdAt: row.created_at,
    nextAttemptAt: row.next_attempt_at,
    email: toEmailState({ status: row.status, attempts: Number(row.attempts), lastError: row.last_error, sentAt: row.sent_at } as MailOutboxRow),
  };
}

/** What admins see of the mail, and their retry of mail that failed (SPEC: the admin view of failed mail). */
@Injectable()
export class MailOutboxService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    private readonly worker: MailWorker,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async list(query: OutboxQueryDto): Promise<OutboxListDto> {
    const page = [query.limit ?? 50, query.offset ?? 0];
    const [rows, [{ n }]] = query.status
      ? await Promise.all([
          plainQuery<OutboxRow>(this.dataSource, `${COLUMNS} WHERE o.status = ? ${ORDER}`, [query.status, ...page]),
          plainQuery<{ n: number | string }>(this.dataSource, `SELECT count(*) AS n FROM mail_outbox o WHERE o.status = ?`, [query.status]),
        ])
      : await Promise.all([
          plainQuery<OutboxRow>(this.dataSource, `${COLUMNS} ${ORDER}`, page),
          plainQuery<{ n: number | string }>(this.dataSource, 'SELECT count(*) AS n FROM mail_outbox o', []),
        ]);
    return { items: rows.map(toOutboxMail), total: Number(n) };
  }

  /** Puts a failed mail back in line with its tries counted afresh, and sends it now; audited. */
  async retry(notificationId: string, actor: Actor, requestId?: string): Promise<OutboxMailDto> {
    const retried = await this.queue.run(async (manager) => {
      const [row] = await plainQuery<OutboxRow>(manager, `${COLUMNS} WHERE o.notification_id = ?`, [notificationId]);
      if (!row) throw new DomainError('NOT_FOUND', `no mail of notification ${notificationId}`);
      if (row.status !== 'failed') throw new DomainError('CONFLICT', `only failed mail is sent again; this one is ${row.status}`, { status: row.status });
      const at = this.clock.now().toISOString();
      await plainExecute(manager, `UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE notification_id = ?`, [
        at,
        notificationId,
      ]);
      await this.audit.append(manager, {
        occurredAt: at,
        actor,
        action: 'RETRY_MAIL',
        entityType: 'notification',
        entityId: notificationId,
        outcome: 'ok',
        requestId,
        payload: { recipientId: row.recipient_id, attempts: Number(row.attempts), lastError: row.last_error },
      });
      afterCommit(manager, () => void this.worker.kick());
      return { ...row, status: 'pending' as const, attempts: 0, next_attempt_at: at };
    });
    return toOutboxMail(retried);
  }
}
