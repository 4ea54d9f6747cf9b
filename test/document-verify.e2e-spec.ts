import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { verifyExport } from '../scripts/audit-verify.js';
import { BlobChunks1764330700000 } from '../src/database/migrations/1764330700000-blob-chunks.js';
import { CHUNK_BYTES } from '../src/documents/blob-store.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { runMigrationStep } from './support/migrate.js';
import { testDatabaseKind } from './support/test-app.js';
import { binaryBody } from './support/binary-body.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Changes a chunk of a stored file the way whoever holds the database could: past the triggers that refuse it to the service. */
async function tamperChunk(db: DataSource, hash: string, seq: number, bytes: Buffer): Promise<void> {
  if (testDatabaseKind === 'postgres') {
    await db.transaction(async (manager) => {
      await manager.query('ALTER TABLE blob_chunks DISABLE TRIGGER blob_chunks_no_change');
      await manager.query('UPDATE blob_chunks SET content = $1 WHERE sha256 = $2 AND seq = $3', [bytes, hash, seq]);
      await manager.query('ALTER TABLE blob_chunks ENABLE TRIGGER blob_chunks_no_change');
    });
    return;
  }
  const [trigger] = await db.query<Array<{ sql: string }>>(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'blob_chunks_no_update'`);
  await db.query('DROP TRIGGER blob_chunks_no_update');
  await db.query('UPDATE blob_chunks SET content = ? WHERE sha256 = ? AND seq = ?', [bytes, hash, seq]);
  await db.query(trigger.sql);
}

/** SPEC, "Documents and the agreed text": verify re-hashes every stored document; the offline verifier names the hashes an export records. */
describe('verifying stored documents', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
  });

  afterAll(() => api.close());

  const upload = async (bytes: Buffer, filename: string) =>
    (await api.as('manager').post('/api/documents').field('kind', 'other').attach('file', bytes, filename).expect(201)).body as { id: string; sha256: string };

  const download = async (id: string) =>
    (
      await request(api.http)
        .get(`/api/documents/${id}/content`)
        .set('Authorization', `Bearer ${api.tokens.auditor}`)
        .buffer(true)
        .parse(binaryBody)
        .expect(200)
    ).body as Buffer;

  const chunksOf = async (hash: string) =>
    (
      await api
        .get(DataSource)
        .query<Array<{ seq: number; size: number | string }>>(`SELECT seq, length(content) AS size FROM blob_chunks WHERE sha256 = '${hash}' ORDER BY seq`)
    ).map((chunk) => ({ seq: chunk.seq, size: Number(chunk.size) }));

  it('re-hashes every document, names those whose bytes were changed in the database, and the export names every hash', async () => {
    const draft = fixture('mou-draft-1.docx');
    const first = await upload(draft, 'MOU v1.docx');
    const again = await upload(draft, 'MOU v1 again.docx');
    const signed = await upload(fixture('mou-signed.pdf'), 'signed.pdf');
    const intact = (await api.as('auditor').get('/api/audit/verify').expect(200)).body as Record<string, unknown>;
    expect(intact).toMatchObject({ ok: true, documents: { checked: 3, bad: [] } });

    const exported = await request(api.http)
      .get('/api/audit/export?format=jsonl')
      .set('Authorization', `Bearer ${api.tokens.auditor}`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    const file = join(mkdtempSync(join(tmpdir(), 'document-verify-')), 'chain.jsonl');
    writeFileSync(file, exported.body as string);
    const offline = await verifyExport(file);
    expect(offline).toMatchObject({ ok: true, headHash: intact.headHash });
    expect(offline.ok && offline.documents.map(({ id, name, sha256: hash }) => ({ id, name, sha256: hash }))).toEqual([
      { id: first.id, name: 'MOU v1.docx', sha256: sha256(draft) },
      { id: again.id, name: 'MOU v1 again.docx', sha256: sha256(draft) },
      { id: signed.id, name: 'signed.pdf', sha256: signed.sha256 },
    ]);

    // One stored blob, two documents of it: both are bad; the chain itself still verifies.
    const changed = Buffer.from(draft);
    changed[100] ^= 0xff;
    await tamperChunk(api.get(DataSource), first.sha256, 0, changed);
    const tampered = (await api.as('auditor').get('/api/audit/verify').expect(200)).body as Record<string, unknown>;
    expect(tampered).toEqual({
      ok: false,
      firstBadSeq: null,
      reason: expect.stringContaining('2 of 3 stored documents no longer have the SHA-256 they were stored under'),
      events: intact.events,
      documents: { checked: 3, bad: [first.id, again.id].sort() },
    });
  });

  it('keeps a file of several chunks once, serves it whole, moves it with its migration, and names a document whose middle chunk changed', async () => {
    // A JPEG's signature, then random bytes: two whole chunks and half of one.
    const bytes = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), randomBytes(2.5 * CHUNK_BYTES - 4)]);
    const first = await upload(bytes, 'scan.jpg');
    const again = await upload(bytes, 'scan again.jpg');
    expect(again.sha256).toBe(first.sha256);
    const chunked = [
      { seq: 0, size: CHUNK_BYTES },
      { seq: 1, size: CHUNK_BYTES },
      { seq: 2, size: CHUNK_BYTES / 2 },
    ];
    // One copy per SHA-256: the second upload wrote no chunk.
    expect(await chunksOf(first.sha256)).toEqual(chunked);
    expect(Buffer.compare(await download(again.id), bytes)).toBe(0);

    // Down puts each file back into one value of blobs.content; up cuts it into the same chunks again.
    const db = api.get(DataSource);
    await runMigrationStep(db, new BlobChunks1764330700000(), 'down');
    const [whole] = await db.query<Array<{ content: Buffer }>>(`SELECT content FROM blobs WHERE sha256 = '${first.sha256}'`);
    expect(Buffer.compare(whole.content, bytes)).toBe(0);
    await runMigrationStep(db, new BlobChunks1764330700000(), 'up');
    expect(await chunksOf(first.sha256)).toEqual(chunked);
    expect(Buffer.compare(await download(first.id), bytes)).toBe(0);
    const moved = (await api.as('auditor').get('/api/audit/verify').expect(200)).body as { documents: { bad: string[] } };
    expect(moved.documents.bad).not.toContain(first.id);

    const middle = bytes.subarray(CHUNK_BYTES, 2 * CHUNK_BYTES);
    const changed = Buffer.from(middle);
    changed[0] ^= 0xff;
    await tamperChunk(db, first.sha256, 1, changed);
    const tampered = (await api.as('auditor').get('/api/audit/verify').expect(200)).body as { ok: boolean; documents: { bad: string[] } };
    expect(tampered.ok).toBe(false);
    expect(tampered.documents.bad).toEqual(expect.arrayContaining([first.id, again.id]));
  });
});
