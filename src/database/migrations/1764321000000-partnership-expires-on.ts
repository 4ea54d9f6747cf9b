import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `expires_on` on partnerships: the expiry date of the term in force, mirrored from
 * `context.expiresOn` while the partnership is in force and null otherwise (PartnershipsService's
 * mirror keeps it), with an index. The pipeline report's list of MOUs about to expire reads it,
 * instead of loading every partnership in force to look into its context.
 */
export class PartnershipExpiresOn1764321000000 implements MigrationInterface {
  name = 'PartnershipExpiresOn1764321000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE partnerships ADD COLUMN expires_on varchar(10)`);
    // Only a date written YYYY-MM-DD is mirrored, as the service does (which also checks it is a real date).
    const expiresOn =
      runner.connection.options.type === 'postgres'
        ? `CASE WHEN context::jsonb ->> 'expiresOn' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN context::jsonb ->> 'expiresOn' END`
        : `CASE WHEN json_type(context, '$.expiresOn') = 'text' AND json_extract(context, '$.expiresOn') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN json_extract(context, '$.expiresOn') END`;
    await runner.query(`UPDATE partnerships SET expires_on = ${expiresOn} WHERE state LIKE 'in_force%'`);
    await runner.query(`CREATE INDEX idx_partnerships_expires ON partnerships (expires_on)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX idx_partnerships_expires`);
    await runner.query(`ALTER TABLE partnerships DROP COLUMN expires_on`);
  }
}
