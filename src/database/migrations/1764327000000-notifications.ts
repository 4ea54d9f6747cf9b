import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notifications outbox: one row per notice and recipient, written in the transaction of the
 * change that causes it. `occasion` names what a reminder is about (an occurrence and its date),
 * unique per recipient, so that reminders found by a sweep are written once however many
 * instances sweep; the sweep reads open occurrences by state and date. Users get an address and how they want their mail.
 */
export class Notifications1764327000000 implements MigrationInterface {
  name = 'Notifications1764327000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE notifications (
      id varchar(36) PRIMARY KEY,
      recipient_id varchar(36) NOT NULL,
      kind varchar(40) NOT NULL,
      subject varchar(300) NOT NULL,
      body text NOT NULL,
      link varchar(300) NOT NULL,
      entity_type varchar(40) NOT NULL,
      entity_id varchar(36) NOT NULL,
      occasion varchar(120),
      created_at varchar(30) NOT NULL,
      read_at varchar(30)
    )`);
    await runner.query(`CREATE INDEX idx_notifications_recipient ON notifications (recipient_id, created_at, id)`);
    await runner.query(`CREATE INDEX idx_notifications_unread ON notifications (recipient_id, read_at)`);
    await runner.query(`CREATE UNIQUE INDEX idx_notifications_occasion ON notifications (recipient_id, occasion)`);
    await runner.query(`CREATE INDEX idx_occurrences_state_occurs ON occurrences (state, occurs_on)`);
    await runner.query(`ALTER TABLE users ADD COLUMN email varchar(254)`);
    await runner.query(`ALTER TABLE users ADD COLUMN email_mode varchar(10) NOT NULL DEFAULT 'immediate'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE users DROP COLUMN email_mode`);
    await runner.query(`ALTER TABLE users DROP COLUMN email`);
    await runner.query(`DROP INDEX idx_occurrences_state_occurs`);
    await runner.query(`DROP TABLE notifications`);
  }
}
