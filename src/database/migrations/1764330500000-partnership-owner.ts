import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who looks after a partnership (its notices, its activities to schedule): until now always its
 * creator; from partnership-mou v2 on, an admin or manager may hand it to someone else. Every
 * existing partnership starts with its creator as owner.
 */
export class PartnershipOwner1764330500000 implements MigrationInterface {
  name = 'PartnershipOwner1764330500000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE partnerships ADD COLUMN owner_id varchar(64) NOT NULL DEFAULT ''`);
    await runner.query(`UPDATE partnerships SET owner_id = created_by`);
    await runner.query(`CREATE INDEX idx_partnerships_owner ON partnerships (owner_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX idx_partnerships_owner`);
    await runner.query(`ALTER TABLE partnerships DROP COLUMN owner_id`);
  }
}
