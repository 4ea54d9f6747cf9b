import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Answers kept per (user, Idempotency-Key), so a retried request replays its first answer. */
export class Idempotency1764320300000 implements MigrationInterface {
  name = 'Idempotency1764320300000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE idempotency_keys (
      actor_id varchar(64) NOT NULL,
      key varchar(200) NOT NULL,
      fingerprint varchar(64) NOT NULL,
      status_code integer,
      response_body text,
      etag varchar(40),
      created_at varchar(30) NOT NULL,
      PRIMARY KEY (actor_id, key)
    )`);
    await runner.query(`CREATE INDEX idx_idempotency_created ON idempotency_keys (created_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE idempotency_keys`);
  }
}
