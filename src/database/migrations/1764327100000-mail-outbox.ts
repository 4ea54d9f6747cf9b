import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The mail of each notice that is to be mailed, apart from the notice itself: the mail worker
 * holds a row locked while it sends it (PostgreSQL), and marking a notice read must not wait for
 * that. Due rows are found by status and time.
 */
export class MailOutbox1764327100000 implements MigrationInterface {
  name = 'MailOutbox1764327100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE mail_outbox (
      notification_id varchar(36) PRIMARY KEY,
      recipient_id varchar(36) NOT NULL,
      mode varchar(10) NOT NULL,
      status varchar(10) NOT NULL,
      attempts integer NOT NULL,
      next_attempt_at varchar(30) NOT NULL,
      last_error varchar(500),
      sent_at varchar(30)
    )`);
    await runner.query(`CREATE INDEX idx_mail_outbox_due ON mail_outbox (status, next_attempt_at)`);
    await runner.query(`CREATE INDEX idx_mail_outbox_recipient ON mail_outbox (recipient_id, status, next_attempt_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE mail_outbox`);
  }
}
