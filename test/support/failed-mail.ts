import { DataSource } from 'typeorm';
import { MailOutboxRow } from '../../src/notifications/mail/mail-outbox.entity.js';
import type { TestApp } from './test-app.js';

/** Writes a mail of the notice that failed every try, as the mail worker leaves one, for apps without SMTP_URL (which write no mail). */
export async function insertFailedMail(app: Pick<TestApp, 'get' | 'clock'>, notificationId: string, recipientId: string): Promise<void> {
  await app.get(DataSource).getRepository(MailOutboxRow).insert({
    notificationId,
    recipientId,
    mode: 'immediate',
    status: 'failed',
    attempts: 8,
    nextAttemptAt: app.clock.now().toISOString(),
    lastError: '451 try again later',
    sentAt: null,
  });
}
