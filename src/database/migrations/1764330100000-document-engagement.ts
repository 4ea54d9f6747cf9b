import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The engagement a document was brought back from (the minutes of a meeting, a trip's report).
 * No REFERENCES: SQLite cannot drop a column that has one; the service checks that the engagement exists.
 */
export class DocumentEngagement1764330100000 implements MigrationInterface {
  name = 'DocumentEngagement1764330100000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE documents ADD COLUMN engagement_id varchar(36)`);
    await runner.query(`CREATE INDEX idx_documents_engagement ON documents (engagement_id, uploaded_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX idx_documents_engagement`);
    await runner.query(`ALTER TABLE documents DROP COLUMN engagement_id`);
  }
}
