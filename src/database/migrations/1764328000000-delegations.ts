import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delegations of approval authority, kept after they end. They are read by the delegate (whom may
 * I decide for today?) and by the principal, each over the dates still to come.
 */
export class Delegations1764328000000 implements MigrationInterface {
  name = 'Delegations1764328000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE delegations (
      id varchar(36) PRIMARY KEY,
      principal_id varchar(36) NOT NULL,
      delegate_id varchar(36) NOT NULL,
      starts_on varchar(10) NOT NULL,
      ends_on varchar(10) NOT NULL,
      reason varchar(500),
      created_by varchar(36) NOT NULL,
      created_at varchar(30) NOT NULL,
      ended_at varchar(30),
      ended_by varchar(36),
      version integer NOT NULL,
      updated_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE INDEX idx_delegations_delegate ON delegations (delegate_id, ends_on)`);
    await runner.query(`CREATE INDEX idx_delegations_principal ON delegations (principal_id, ends_on)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE delegations`);
  }
}
