import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Where a partnership came from: the engagement, and the follow-up of it, that it grew out of; an engagement lists what it led to by the index. */
export class PartnershipOrigin1764329900000 implements MigrationInterface {
  name = 'PartnershipOrigin1764329900000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE partnerships ADD COLUMN origin_engagement_id varchar(36)`);
    await runner.query(`ALTER TABLE partnerships ADD COLUMN origin_follow_up_id varchar(36)`);
    await runner.query(`CREATE INDEX idx_partnerships_origin ON partnerships (origin_engagement_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX idx_partnerships_origin`);
    await runner.query(`ALTER TABLE partnerships DROP COLUMN origin_follow_up_id`);
    await runner.query(`ALTER TABLE partnerships DROP COLUMN origin_engagement_id`);
  }
}
