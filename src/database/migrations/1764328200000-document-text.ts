import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The text of each stored file, extracted once at upload, beside its bytes; a document says whether its file has any. */
export class DocumentText1764328200000 implements MigrationInterface {
  name = 'DocumentText1764328200000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE blobs ADD COLUMN text text`);
    await runner.query(`ALTER TABLE documents ADD COLUMN has_text boolean NOT NULL DEFAULT false`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE documents DROP COLUMN has_text`);
    await runner.query(`ALTER TABLE blobs DROP COLUMN text`);
  }
}
