import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `judged_edits` on partnerships: who edited what approvers judge since the last submission
 * (`[{by, after}]`, JSON), so that separation of duties keeps them from deciding on it. Existing
 * partnerships start with none: their earlier editors were not recorded.
 */
export class PartnershipJudgedEdits1764325000000 implements MigrationInterface {
  name = 'PartnershipJudgedEdits1764325000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE partnerships ADD COLUMN judged_edits text NOT NULL DEFAULT '[]'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE partnerships DROP COLUMN judged_edits`);
  }
}
