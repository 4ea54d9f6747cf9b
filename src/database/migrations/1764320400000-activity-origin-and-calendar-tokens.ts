import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Where an activity series came from (the proposal, or added later), and personal calendar feed tokens. */
export class ActivityOriginAndCalendarTokens1764320400000 implements MigrationInterface {
  name = 'ActivityOriginAndCalendarTokens1764320400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE activity_series ADD COLUMN origin varchar(20) NOT NULL DEFAULT 'proposal'`);
    await runner.query(`CREATE TABLE calendar_tokens (
      id varchar(36) PRIMARY KEY,
      user_id varchar(36) NOT NULL,
      token_hash varchar(64) NOT NULL,
      label varchar(100),
      created_at varchar(30) NOT NULL,
      revoked_at varchar(30)
    )`);
    await runner.query(`CREATE UNIQUE INDEX idx_calendar_tokens_hash ON calendar_tokens (token_hash)`);
    await runner.query(`CREATE INDEX idx_calendar_tokens_user ON calendar_tokens (user_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE calendar_tokens`);
    await runner.query(`ALTER TABLE activity_series DROP COLUMN origin`);
  }
}
