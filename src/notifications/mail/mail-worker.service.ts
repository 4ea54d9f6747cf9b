import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createTransport, type Transporter } from 'nodemailer';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../../common/clock.js';
import { dateOf } from '../../common/dates.js';
import { Poller } from '../../common/poller.js';
import type { AppConfig } from '../../config/app.config.js';
import { plainExecute, plainQuery } from '../../database/plain-query.js';
import { WriteQueue } from '../../database/write-queue.js';
import type { EmailMode } from '../../users/roles.js';
import { digestMail, noticeMail, type MailMessage } from './mail-message.js';
import type { MailStatus } from './mail-outbox.entity.js';

/** What one pass sends at most; the next pass (right after, or at the next poll) takes the rest. */
const PASS = 100;
/** The longest a digest is: more notices wait for the next one. */
const DIGEST_LIMIT = 200;
const FIRST_RETRY_MS = 60_000;
const LONGEST_RETRY_MS = 6 * 3_600_000;

interface DueMail {
  notification_id: string;
  recipient_id: string;
  mode: Exclude<EmailMode, 'off'>;
  attempts: number;
  subject: string;
  body: string;
  link: string;
  read_at: string | null;
  email: string | null;
  display_name: string;
  email_mode: EmailMode;
}

const DUE_COLUMNS = `SELECT o.notification_id, o.recipient_id, o.mode, o.attempts, n.subject, n.body, n.link, n.read_at, u.email, u.display_name, u.email_mode
  FROM mail_outbox o JOIN notifications n ON n.id = o.notification_id JOIN users u ON u.id = o.recipient_id`;
const NEXT_DUE = `${DUE_COLUMNS} WHERE o.status = 'pending' AND o.next_attempt_at <= ? ORDER BY o.next_attempt_at, o.notification_id LIMIT 1`;
const DIGEST_DUE = `${DUE_COLUMNS} WHERE o.recipient_id = ? AND o.mode = 'daily' AND o.status = 'pending' AND o.next_attempt_at <= ?
  ORDER BY n.created_at, o.notification_id LIMIT ${DIGEST_LIMIT}`;
/** PostgreSQL: the rows are held while they are sent, and another instance passes over them instead of waiting. */
const LOCK = ' FOR UPDATE OF o SKIP LOCKED';
const ENQUEUE = `INSERT INTO mail_outbox (notification_id, recipient_id, mode, status, attempts, next_attempt_at, last_error, sent_at)
  VALUES (?, ?, ?, 'pending', 0, ?, NULL, NULL)`;
const RECORD = 'UPDATE mail_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, sent_at = ? WHERE notification_id = ?';

type Outcome = { sentAt: string } | { error: string } | { skipped: true };

/** The wait before the next try: one minute, doubled at each failure, at most six hours. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), LONGEST_RETRY_MS);
}

/** When a notice written at `at` goes out in a daily digest: the next DIGEST_HOUR_UTC o'clock. */
export function nextDigestAt(at: Date, hourUtc: number): string {
  const today = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), hourUtc);
  return new Date(today > at.getTime() ? today : today + 86_400_000).toISOString();
}

/**
 * Sends the mail the outbox holds: right after each commit that wrote some (a kick), and every
 * MAIL_POLL_MS for what is left or has come due (retries, digests). A mail is claimed, sent and
 * recorded one at a time. On PostgreSQL the claim is a row lock held until the result is
 * recorded, taken with SKIP LOCKED, so instances never send one mail at once, and a crash before
 * the record leaves it pending: it is sent again after the restart (at least once). On SQLite one
 * process owns the file, and the poller never runs two passes at a time.
 */
@Injectable()
export class MailWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MailWorker.name);
  private readonly settings: AppConfig;
  private readonly transport?: Transporter;
  private readonly host: string;
  private readonly poller = new Poller('sending mail', () => this.deliver(), this.logger);

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    @Inject(Clock) private readonly clock: Clock,
    config: ConfigService,
  ) {
    this.settings = config.getOrThrow<AppConfig>('app');
    this.host = new URL(this.settings.publicUrl).hostname;
    if (this.settings.smtpUrl) {
      // A server that stops answering holds the worker for at most a minute, not nodemailer's ten.
      this.transport = createTransport(
        { url: this.settings.smtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 },
        { from: this.settings.mailFrom },
      );
    }
  }

  /** Whether notices are mailed at all (SMTP_URL is set). */
  get enabled(): boolean {
    return this.transport !== undefined;
  }

  /** Mail left by a crash or a stop goes out as soon as the service is up. */
  onApplicationBootstrap(): void {
    if (!this.transport) return;
    this.poller.start(this.settings.mailPollMs);
    if (this.settings.mailPollMs > 0) void this.poller.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.poller.stop();
    this.transport?.close();
  }

  /** In the notice's transaction: its mail, to go out now or in the next digest; true when there is one. */
  async enqueue(manager: EntityManager, notificationId: string, recipient: { id: string; email: string | null; emailMode: EmailMode }): Promise<boolean> {
    if (!this.transport || !recipient.email || recipient.emailMode === 'off') return false;
    const now = this.clock.now();
    const due = recipient.emailMode === 'daily' ? nextDigestAt(now, this.settings.digestHourUtc) : now.toISOString();
    await plainExecute(manager, ENQUEUE, [notificationId, recipient.id, recipient.emailMode, due]);
    return true;
  }

  /** Sends what is due now, or once more after the pass under way; resolves when that is done. Tests call it after moving the clock. */
  kick(): Promise<void> {
    return this.transport ? this.poller.kick() : Promise.resolve();
  }

  /** Sends every mail due now, up to a pass; how many mails went out. */
  private async deliver(): Promise<number> {
    let sent = 0;
    for (let claimed = 0; claimed < PASS; claimed += 1) {
      const outcome = await this.deliverNext();
      if (outcome === undefined) break;
      if ('sentAt' in outcome) sent += 1;
    }
    return sent;
  }

  private deliverNext(): Promise<Outcome | undefined> {
    if (this.dataSource.options.type === 'postgres') {
      return this.dataSource.transaction((manager) => this.deliverFrom(LOCK, (work) => work(manager)));
    }
    // On SQLite's one connection a read outside the queue could see another transaction's rows before its COMMIT.
    return this.deliverFrom('', (work) => this.queue.run(work, { effect: false }));
  }

  private async deliverFrom(lock: string, inTransaction: <R>(work: (manager: EntityManager) => Promise<R>) => Promise<R>): Promise<Outcome | undefined> {
    const now = this.clock.now().toISOString();
    const batch = await inTransaction(async (manager) => {
      const [first] = await plainQuery<DueMail>(manager, NEXT_DUE + lock, [now]);
      if (!first || first.mode === 'immediate') return first ? [first] : [];
      return plainQuery<DueMail>(manager, DIGEST_DUE + lock, [first.recipient_id, now]);
    });
    if (batch.length === 0) return undefined;
    const outcome = await this.send(batch);
    await inTransaction((manager) => this.record(manager, batch, outcome));
    return outcome;
  }

  private async send(batch: DueMail[]): Promise<Outcome> {
    const [first] = batch;
    // A digest leaves out what its reader has read in the app meanwhile.
    const notices = batch
      .filter((row) => row.mode === 'immediate' || row.read_at === null)
      .map((row) => ({ id: row.notification_id, subject: row.subject, body: row.body, url: this.settings.publicUrl + row.link }));
    // The address and the wish as they are now: someone who turned mail off or removed their address since gets none.
    if (!first.email || first.email_mode === 'off' || notices.length === 0) return { skipped: true };
    const to = { name: first.display_name, address: first.email };
    const message: MailMessage = first.mode === 'daily' ? digestMail(to, notices, dateOf(this.clock.now()), this.host) : noticeMail(to, notices[0], this.host);
    try {
      await this.transport?.sendMail(message);
      return { sentAt: this.clock.now().toISOString() };
    } catch (error) {
      this.logger.warn(`mail of notification ${first.notification_id} to ${first.email} failed: ${(error as Error).message}`);
      return { error: (error as Error).message.slice(0, 500) };
    }
  }

  private async record(manager: EntityManager, batch: DueMail[], outcome: Outcome): Promise<void> {
    const now = this.clock.now();
    for (const row of batch) {
      const attempts = row.attempts + 1;
      let values: [MailStatus, number, string, string | null, string | null];
      if ('sentAt' in outcome) {
        values =
          row.mode === 'daily' && row.read_at !== null
            ? ['off', row.attempts, now.toISOString(), null, null]
            : ['sent', attempts, now.toISOString(), null, outcome.sentAt];
      } else if ('skipped' in outcome) {
        values = ['off', row.attempts, now.toISOString(), row.email ? null : 'the recipient has no email address', null];
      } else {
        const failed = attempts >= this.settings.mailMaxAttempts;
        values = [failed ? 'failed' : 'pending', attempts, new Date(now.getTime() + retryDelayMs(attempts)).toISOString(), outcome.error, null];
      }
      await plainExecute(manager, RECORD, [...values, row.notification_id]);
    }
    if ('sentAt' in outcome)
      this.logger.debug(`mailed notification ${batch[0].notification_id}${batch.length > 1 ? ` and ${batch.length - 1} more in a digest` : ''}`);
  }
}
