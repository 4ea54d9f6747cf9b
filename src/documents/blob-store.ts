import { open } from 'node:fs/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { plainExecute, plainQuery } from '../database/plain-query.js';

/**
 * How many bytes one row of `blob_chunks` holds. A stored file is bound, read and re-hashed a chunk
 * at a time, so neither an upload nor a download nor verify holds a whole 25 MB file: the drivers
 * copy what they bind or return (better-sqlite3 binds with SQLITE_TRANSIENT, node-postgres sends a
 * bytea as hex text), and a chunk bounds that copy.
 */
export const CHUNK_BYTES = 1024 * 1024;

/** A file spooled to disk with what is known of its bytes, to be kept under its SHA-256. */
export interface BlobToStore {
  sha256: string;
  size: number;
  /** The file its bytes are in (a spooled upload). */
  path: string;
  text: string | null;
}

/**
 * Keeps a file's bytes once per SHA-256, in the caller's transaction: the `blobs` row, then its
 * chunks read from the file one at a time. When the hash is stored already (another upload of the
 * same bytes committed first) nothing is written.
 */
export async function storeBlob(manager: EntityManager, blob: BlobToStore): Promise<void> {
  const added = await plainExecute(manager, 'INSERT INTO blobs (sha256, size, text) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING', [
    blob.sha256,
    blob.size,
    blob.text,
  ]);
  if (added === 0) return;
  const handle = await open(blob.path, 'r');
  // One buffer for every chunk: each INSERT is done, its parameters sent or copied, before the next chunk is read into it. A new one each time
  // left a file's size of garbage behind, which V8 collects only once external memory has grown by far more.
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, blob.size));
  try {
    for (let seq = 0, offset = 0; offset < blob.size; seq += 1, offset += CHUNK_BYTES) {
      const length = Math.min(CHUNK_BYTES, blob.size - offset);
      const { bytesRead } = await handle.read(chunk, 0, length, offset);
      if (bytesRead !== length) throw new Error(`${blob.path} is shorter than the ${blob.size} bytes received`);
      await plainExecute(manager, 'INSERT INTO blob_chunks (sha256, seq, content) VALUES (?, ?, ?)', [blob.sha256, seq, chunk.subarray(0, length)]);
    }
  } finally {
    await handle.close();
  }
}

/** The stored bytes of a SHA-256, a chunk at a time and in order, each read when the one before is taken. */
export async function* blobBytes(db: DataSource | EntityManager, sha256: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq += 1) {
    const [chunk] = await plainQuery<{ content: Buffer }>(db, 'SELECT content FROM blob_chunks WHERE sha256 = ? AND seq = ?', [sha256, seq]);
    if (!chunk) return;
    yield chunk.content;
  }
}
