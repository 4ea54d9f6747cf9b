import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `applied_at` on a pending Idempotency-Key: written by the request's own write transaction, so a
 * key whose answer was lost (the process died between the change's COMMIT and storing the answer)
 * is known to have taken effect, and a retry never runs the change a second time.
 */
export class IdempotencyApplied1764320700000 implements MigrationInterface {
  name = 'IdempotencyApplied1764320700000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE idempotency_keys ADD COLUMN applied_at varchar(30)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE idempotency_keys DROP COLUMN applied_at`);
  }
}
