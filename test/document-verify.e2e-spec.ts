import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { verifyExport } from '../scripts/audit-verify.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { testDatabaseKind } from './support/test-app.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Changes a stored blob's bytes the way whoever holds the database could: past the triggers that refuse it to the service. */
async function tamperBlob(db: DataSource, hash: string, bytes: Buffer): Promise<void> {
  if (testDatabaseKind === 'postgres') {
    await db.transaction(async (manager) => {
      await manager.query('ALTER TABLE blobs DISABLE TRIGGER blobs_no_change');
      await manager.query('UPDATE blobs SET content = $1 WHERE sha256 = $2', [bytes, hash]);
      await manager.query('ALTER TABLE blobs ENABLE TRIGGER blobs_no_change');
    });
    return;
  }
  const [trigger] = await db.query<Array<{ sql: string }>>(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'blobs_no_update'`);
  await db.query('DROP TRIGGER blobs_no_update');
  await db.query('UPDATE blobs SET content = ? WHERE sha256 = ?', [bytes, hash]);
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
    await tamperBlob(api.get(DataSource), first.sha256, changed);
    const tampered = (await api.as('auditor').get('/api/audit/verify').expect(200)).body as Record<string, unknown>;
    expect(tampered).toEqual({
      ok: false,
      firstBadSeq: null,
      reason: expect.stringContaining('2 of 3 stored documents no longer have the SHA-256 they were stored under'),
      events: intact.events,
      documents: { checked: 3, bad: [first.id, again.id].sort() },
    });
  });
});
