import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The chunk size when this migration ran; the service's is `CHUNK_BYTES` (src/documents/blob-store.ts), and chunks of either size read alike. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * A stored file's bytes in rows of 1 MiB (`blob_chunks`, keyed by the file's SHA-256 and the
 * chunk's place) instead of one value in `blobs`. One value had to be bound whole: the drivers
 * copied a 25 MB upload (better-sqlite3 binds with SQLITE_TRANSIENT, node-postgres as hex text)
 * beside the service's own copy, and read it back whole for a download and for verify. Existing
 * files are cut into chunks here and `blobs.content` is dropped; `blob_chunks` is append-only as
 * `blobs` is.
 */
export class BlobChunks1764330700000 implements MigrationInterface {
  name = 'BlobChunks1764330700000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    await runner.query(`CREATE TABLE blob_chunks (
      sha256 varchar(64) NOT NULL REFERENCES blobs (sha256),
      seq integer NOT NULL,
      content ${postgres ? 'bytea' : 'blob'} NOT NULL,
      PRIMARY KEY (sha256, seq)
    )`);
    if (postgres) {
      await runner.query(`INSERT INTO blob_chunks (sha256, seq, content)
        SELECT b.sha256, s.seq, substring(b.content FROM s.seq * ${CHUNK_BYTES} + 1 FOR ${CHUNK_BYTES})
        FROM blobs b CROSS JOIN LATERAL generate_series(0, (length(b.content) - 1) / ${CHUNK_BYTES}) AS s (seq)
        WHERE length(b.content) > 0`);
      await runner.query(`CREATE TRIGGER blob_chunks_no_change BEFORE UPDATE OR DELETE ON blob_chunks FOR EACH ROW EXECUTE FUNCTION documents_append_only()`);
      await runner.query(`CREATE TRIGGER blob_chunks_no_truncate BEFORE TRUNCATE ON blob_chunks FOR EACH STATEMENT EXECUTE FUNCTION documents_append_only()`);
    } else {
      await runner.query(`WITH RECURSIVE parts (sha256, seq) AS (
          SELECT sha256, 0 FROM blobs WHERE length(content) > 0
          UNION ALL
          SELECT p.sha256, p.seq + 1 FROM parts p JOIN blobs b ON b.sha256 = p.sha256 WHERE (p.seq + 1) * ${CHUNK_BYTES} < length(b.content)
        )
        INSERT INTO blob_chunks (sha256, seq, content)
        SELECT p.sha256, p.seq, substr(b.content, p.seq * ${CHUNK_BYTES} + 1, ${CHUNK_BYTES}) FROM parts p JOIN blobs b ON b.sha256 = p.sha256`);
      await runner.query(`CREATE TRIGGER blob_chunks_no_update BEFORE UPDATE ON blob_chunks BEGIN SELECT RAISE(ABORT, 'blob_chunks is append-only'); END`);
      await runner.query(`CREATE TRIGGER blob_chunks_no_delete BEFORE DELETE ON blob_chunks BEGIN SELECT RAISE(ABORT, 'blob_chunks is append-only'); END`);
    }
    await runner.query(`ALTER TABLE blobs DROP COLUMN content`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    await runner.query(`ALTER TABLE blobs ADD COLUMN content ${postgres ? 'bytea' : 'blob'} NOT NULL DEFAULT ${postgres ? `''::bytea` : `x''`}`);
    // Putting the bytes back is an UPDATE of rows the append-only triggers guard: they are lifted for it alone.
    if (postgres) {
      await runner.query(`ALTER TABLE blobs DISABLE TRIGGER blobs_no_change`);
      await runner.query(`UPDATE blobs b SET content = c.content
        FROM (SELECT sha256, string_agg(content, ''::bytea ORDER BY seq) AS content FROM blob_chunks GROUP BY sha256) c WHERE c.sha256 = b.sha256`);
      await runner.query(`ALTER TABLE blobs ENABLE TRIGGER blobs_no_change`);
    } else {
      await runner.query(`DROP TRIGGER blobs_no_update`);
      const blobs = (await runner.query(`SELECT DISTINCT sha256 FROM blob_chunks`)) as Array<{ sha256: string }>;
      for (const { sha256 } of blobs) {
        const chunks = (await runner.query(`SELECT content FROM blob_chunks WHERE sha256 = ? ORDER BY seq`, [sha256])) as Array<{ content: Buffer }>;
        await runner.query(`UPDATE blobs SET content = ? WHERE sha256 = ?`, [Buffer.concat(chunks.map((chunk) => chunk.content)), sha256]);
      }
      await runner.query(`CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs BEGIN SELECT RAISE(ABORT, 'blobs is append-only'); END`);
    }
    await runner.query(`DROP TABLE blob_chunks`);
  }
}
