import type { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['blobs', 'documents'] as const;

/**
 * Uploaded documents: their bytes once per SHA-256 (`blobs`), so every instance and every backup
 * has them, and what each upload was (`documents`). Neither is ever changed or deleted.
 */
export class Documents1764328100000 implements MigrationInterface {
  name = 'Documents1764328100000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    await runner.query(`CREATE TABLE blobs (
      sha256 varchar(64) PRIMARY KEY,
      size integer NOT NULL,
      content ${postgres ? 'bytea' : 'blob'} NOT NULL
    )`);
    await runner.query(`CREATE TABLE documents (
      id varchar(36) PRIMARY KEY,
      name varchar(255) NOT NULL,
      title varchar(200),
      kind varchar(20) NOT NULL,
      media_type varchar(100) NOT NULL,
      size integer NOT NULL,
      sha256 varchar(64) NOT NULL REFERENCES blobs (sha256),
      partnership_id varchar(36) REFERENCES partnerships (id),
      uploaded_by varchar(36) NOT NULL,
      uploaded_at varchar(30) NOT NULL
    )`);
    await runner.query(`CREATE INDEX idx_documents_partnership ON documents (partnership_id, uploaded_at)`);
    await runner.query(`CREATE INDEX idx_documents_uploaded ON documents (uploaded_at)`);
    if (postgres) {
      await runner.query(`CREATE FUNCTION documents_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql`);
      for (const table of TABLES) {
        await runner.query(`CREATE TRIGGER ${table}_no_change BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION documents_append_only()`);
        await runner.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION documents_append_only()`);
      }
    } else {
      for (const table of TABLES) {
        await runner.query(`CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`);
        await runner.query(`CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`);
      }
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE documents`);
    await runner.query(`DROP TABLE blobs`);
    if (runner.connection.options.type === 'postgres') await runner.query(`DROP FUNCTION documents_append_only()`);
  }
}
