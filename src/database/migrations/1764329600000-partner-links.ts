import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Links that let a partner's signatory read the agreed text and acknowledge its hash without an
 * account. The token is kept only as its SHA-256 (unique: a link is found by it); a link is bound
 * to the agreed text's hash at issue, and kept when revoked, expired or acknowledged. Lists read a
 * partnership's links newest first; My work reads the acknowledgements received lately.
 */
export class PartnerLinks1764329600000 implements MigrationInterface {
  name = 'PartnerLinks1764329600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE partner_links (
      id varchar(36) PRIMARY KEY,
      partnership_id varchar(36) NOT NULL,
      token_hash varchar(64) NOT NULL,
      name varchar(200) NOT NULL,
      email varchar(254),
      document_id varchar(36),
      sha256 varchar(64) NOT NULL,
      expires_at varchar(30) NOT NULL,
      created_by varchar(36) NOT NULL,
      created_at varchar(30) NOT NULL,
      revoked_at varchar(30),
      revoked_by varchar(36),
      acknowledged_at varchar(30),
      acknowledged_name varchar(200),
      acknowledged_title varchar(200),
      version integer NOT NULL,
      updated_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE UNIQUE INDEX idx_partner_links_token ON partner_links (token_hash)`);
    await runner.query(`CREATE INDEX idx_partner_links_partnership ON partner_links (partnership_id, created_at)`);
    await runner.query(`CREATE INDEX idx_partner_links_acknowledged ON partner_links (acknowledged_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE partner_links`);
  }
}
