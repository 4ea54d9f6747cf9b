import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import JSZip from 'jszip';
import { DataSource } from 'typeorm';
import { createApiApp, type ApiApp } from './support/api.js';
import { postOrganization, postPartnership } from './support/factories.js';
import { binaryBody } from './support/binary-body.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The spooled uploads this process has open, by where they are (or were, once removed). */
const openSpoolFiles = () =>
  readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return ''; // the fd readdir itself used, closed since
      }
    })
    .filter((target) => target.includes('partnership-upload-'));

/** Waits, 10 ms at a time and for at most 5 s, for something the service does on its own time once a socket is closed. */
async function eventually(holds: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !holds(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(holds()).toBe(true);
}

interface DocumentBody {
  id: string;
  name: string;
  kind: string;
  mediaType: string;
  size: number;
  sha256: string;
  partnershipId: string | null;
  hasText: boolean;
}

/** SPEC, "Documents and the agreed text": uploads streamed and kept once per SHA-256, typed by their bytes, audited, downloaded. */
describe('documents over HTTP', () => {
  let api: ApiApp;
  let partnershipId: string;

  beforeAll(async () => {
    api = await createApiApp({ MAX_UPLOAD_MB: '1' });
    partnershipId = (await postPartnership(api, await postOrganization(api))).id;
  });

  afterAll(() => api.close());

  const upload = (bytes: Buffer, filename: string, fields: Record<string, string> = { kind: 'mou_draft', partnershipId }) => {
    let test = api.as('manager').post('/api/documents');
    for (const [name, value] of Object.entries(fields)) test = test.field(name, value);
    return test.attach('file', bytes, filename);
  };

  it('takes a DOCX, an ODT and a PDF, typed by their bytes, and keeps each hash once', async () => {
    const docx = fixture('mou-draft-1.docx');
    const first = (await upload(docx, 'MOU v1.docx').expect(201)).body as DocumentBody;
    expect(first).toMatchObject({
      name: 'MOU v1.docx',
      kind: 'mou_draft',
      mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      size: docx.length,
      sha256: sha256(docx),
      partnershipId,
      hasText: true,
    });
    const again = (await upload(docx, 'same bytes.docx', { kind: 'other' }).expect(201)).body as DocumentBody;
    // Bytes already stored are not stored again, and keep the text found at their first upload.
    expect(again).toMatchObject({ sha256: first.sha256, partnershipId: null, mediaType: first.mediaType, hasText: true });
    expect(again.id).not.toBe(first.id);
    expect((await api.as('auditor').get(`/api/documents/${again.id}/text`).expect(200)).body).toEqual(
      (await api.as('auditor').get(`/api/documents/${first.id}/text`).expect(200)).body,
    );
    api.clock.advanceDays(1);
    const odt = (await upload(fixture('mou-draft-2.odt'), 'MOU v2.odt').expect(201)).body as DocumentBody;
    expect(odt.mediaType).toBe('application/vnd.oasis.opendocument.text');
    const pdf = (await upload(fixture('mou-signed.pdf'), 'signed.pdf', { kind: 'signed_mou', partnershipId, title: 'Signed copy' }).expect(201))
      .body as DocumentBody;
    expect(pdf).toMatchObject({ mediaType: 'application/pdf', title: 'Signed copy' });

    const blobs = await api.get(DataSource).query<Array<{ sha256: string }>>('SELECT sha256 FROM blobs');
    expect(blobs.filter((b) => b.sha256 === first.sha256)).toHaveLength(1);
    const listed = (await api.as('auditor').get(`/api/documents?partnershipId=${partnershipId}&kind=mou_draft`).expect(200)).body as {
      items: DocumentBody[];
      total: number;
    };
    // Newest first.
    expect(listed).toMatchObject({ total: 2, items: [{ id: odt.id }, { id: first.id }] });
    expect((await api.as('approver').get(`/api/documents/${pdf.id}`).expect(200)).body).toEqual(pdf);
  });

  it('takes text and Markdown by their UTF-8 bytes and their names, and refuses anything else with 415', async () => {
    const text = (await upload(Buffer.from('Article 1: the parties — both of them.\n'), 'notes.txt').expect(201)).body as DocumentBody;
    expect(text.mediaType).toBe('text/plain; charset=utf-8');
    const markdown = (await upload(Buffer.from('# MOU\n\n*Draft*\n'), 'mou.md').expect(201)).body as DocumentBody;
    expect(markdown.mediaType).toBe('text/markdown; charset=utf-8');
    for (const [bytes, name] of [
      [Buffer.from('not a PDF at all'), 'contract.pdf'],
      [Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'broken.txt'],
      [Buffer.from('GIF89a\x01\x00\x01\x00'), 'image.gif'],
    ] as const) {
      expect((await upload(bytes, name).expect(415)).body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    await api.as('manager').post('/api/documents').send({ kind: 'mou_draft' }).expect(415);
    // The bytes decide, not the name: a PDF called .txt is a PDF.
    expect((await upload(fixture('mou-signed.pdf'), 'disguised.txt').expect(201)).body).toMatchObject({ mediaType: 'application/pdf' });
  });

  it('takes an upload of exactly MAX_UPLOAD_MB, refuses one byte more with 413, and keeps nothing of it', async () => {
    expect((await upload(Buffer.alloc(1024 * 1024, 'b'), 'exact.txt').expect(201)).body).toMatchObject({ size: 1024 * 1024 });
    const big = Buffer.alloc(1024 * 1024 + 1, 'a');
    const before = (await api.as('auditor').get('/api/documents').expect(200)).body as { total: number };
    expect((await upload(big, 'big.txt').expect(413)).body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect((await api.as('auditor').get('/api/documents').expect(200)).body).toMatchObject({ total: before.total });
  });

  it('closes and removes the spooled file of an upload whose client went away before the end', async () => {
    const server = api.http as unknown as Server;
    if (!server.address()) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const boundary = 'cut-short';
    const socket = connect(port, '127.0.0.1');
    socket.write(
      `POST /api/documents HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${api.tokens.manager}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000\r\n\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nother\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\n\r\n${'a'.repeat(1000)}`,
    );
    // The file is open while its bytes arrive; the client goes away with 99 KB still to send.
    await eventually(() => openSpoolFiles().length === 1);
    socket.destroy();
    await eventually(() => openSpoolFiles().length === 0);
  });

  it('refuses bad fields, an unknown partnership and a role other than manager', async () => {
    const docx = fixture('mou-draft-1.docx');
    await upload(docx, 'a.docx', { kind: 'poem' }).expect(400);
    // A partnership's id names no engagement.
    expect((await upload(docx, 'a.docx', { kind: 'other', engagementId: partnershipId }).expect(404)).body.message).toMatch(/engagement/);
    await upload(docx, 'a.docx', { kind: 'other', partnershipId: '00000000-0000-4000-8000-000000000000' }).expect(404);
    await api.as('manager').post('/api/documents').field('kind', 'other').expect(400);
    await api.as('auditor').post('/api/documents').field('kind', 'other').attach('file', docx, 'a.docx').expect(403);
  });

  it('serves the bytes with the detected type, as an attachment, the hash as ETag, not sniffed', async () => {
    const pdf = fixture('mou-signed.pdf');
    const created = (await upload(pdf, 'MOU signé.pdf').expect(201)).body as DocumentBody;
    const response = await api.as('auditor').get(`/api/documents/${created.id}/content`).buffer(true).parse(binaryBody).expect(200);
    expect(Buffer.compare(response.body as Buffer, pdf)).toBe(0);
    expect(response.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-disposition': "attachment; filename*=UTF-8''MOU%20sign%C3%A9.pdf",
      etag: `"${sha256(pdf)}"`,
      'x-content-type-options': 'nosniff',
    });
    await api.as('auditor').get('/api/documents/00000000-0000-4000-8000-000000000000/content').expect(404);
  });

  it('audits every upload with its hash, and lets no document or blob be changed or deleted', async () => {
    const bytes = Buffer.from('An audited note.\n');
    const created = (await upload(bytes, 'audited.txt').expect(201)).body as DocumentBody;
    const audit = (await api.as('auditor').get(`/api/audit?entityId=${created.id}`).expect(200)).body as { items: Array<Record<string, unknown>> };
    expect(audit.items).toEqual([
      expect.objectContaining({ action: 'DOCUMENT_UPLOADED', entityType: 'document', payload: expect.objectContaining({ sha256: sha256(bytes) }) }),
    ]);
    const db = api.get(DataSource);
    await expect(db.query(`UPDATE documents SET name = 'other' WHERE id = '${created.id}'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM blobs WHERE sha256 = '${created.sha256}'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`UPDATE blob_chunks SET seq = 1 WHERE sha256 = '${created.sha256}'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM blob_chunks WHERE sha256 = '${created.sha256}'`)).rejects.toThrow(/append-only/);
  });

  it('serves the text found at upload, and compares two drafts word by word', async () => {
    const first = (await upload(fixture('mou-draft-1.docx'), 'MOU v1.docx').expect(201)).body as DocumentBody;
    const second = (await upload(fixture('mou-draft-2.odt'), 'MOU v2.odt').expect(201)).body as DocumentBody;
    const signed = (await upload(fixture('mou-signed.pdf'), 'signed.pdf').expect(201)).body as DocumentBody;
    expect((await api.as('auditor').get(`/api/documents/${signed.id}/text`).expect(200)).body).toEqual({
      text: 'Memorandum of Understanding between the parties.\nEach party shall host two lectures a year.',
    });
    const diff = (await api.as('auditor').get(`/api/documents/${first.id}/diff/${second.id}`).expect(200)).body as {
      from: object;
      to: object;
      changes: Array<{ op: string; text: string }>;
    };
    expect(diff.from).toEqual({ id: first.id, sha256: first.sha256 });
    expect(diff.to).toEqual({ id: second.id, sha256: second.sha256 });
    // Spaces count too: mammoth ends a DOCX paragraph with a blank line, an ODT paragraph ends with one line break.
    expect(diff.changes.filter((c) => c.op !== 'equal')).toEqual([
      { op: 'delete', text: '\n' },
      { op: 'delete', text: 'one' },
      { op: 'insert', text: 'two' },
      { op: 'delete', text: 'lecture' },
      { op: 'insert', text: 'lectures' },
    ]);
    // The equal and deleted parts are the first text, the equal and inserted ones the second.
    const side = (op: string) =>
      diff.changes
        .filter((c) => c.op !== op)
        .map((c) => c.text)
        .join('');
    expect(side('insert')).toBe((await api.as('auditor').get(`/api/documents/${first.id}/text`).expect(200)).body.text);
    expect(side('delete')).toBe((await api.as('auditor').get(`/api/documents/${second.id}/text`).expect(200)).body.text);
    expect((await api.as('auditor').get(`/api/documents/${second.id}/diff/${signed.id}`).expect(200)).body.changes).toEqual([
      { op: 'equal', text: expect.any(String) },
    ]);
  });

  it('answers 422 NO_TEXT for the text or a comparison of a document without text', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const image = (await upload(png, 'stamp.png').expect(201)).body as DocumentBody;
    expect(image).toMatchObject({ mediaType: 'image/png', hasText: false });
    const note = (await upload(Buffer.from('A note.\n'), 'note.txt').expect(201)).body as DocumentBody;
    expect((await api.as('auditor').get(`/api/documents/${image.id}/text`).expect(422)).body).toMatchObject({ code: 'NO_TEXT' });
    expect((await api.as('auditor').get(`/api/documents/${note.id}/diff/${image.id}`).expect(422)).body).toMatchObject({ code: 'NO_TEXT' });
    await api.as('auditor').get(`/api/documents/${note.id}/diff/00000000-0000-4000-8000-000000000000`).expect(404);
  });

  it('takes an ODT whose text holds a NUL (an entity), on PostgreSQL as on SQLite, its text kept with U+FFFD', async () => {
    const zip = await JSZip.loadAsync(fixture('mou-draft-2.odt'));
    const content = await zip.file('content.xml')!.async('string');
    zip.file('content.xml', content.replace('lecture', 'lec&#0;ture'));
    const odt = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    const uploaded = (await upload(odt, 'nul.odt', { kind: 'other' }).expect(201)).body as DocumentBody;
    expect((await api.as('auditor').get(`/api/documents/${uploaded.id}/text`).expect(200)).body.text).toContain('lec\uFFFDtures');
  });

  it('compares long drafts that differ a little, and refuses with 422 TOO_MANY_CHANGES two texts too different to compare in bounded work', async () => {
    const words = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(' ');
    const other = { kind: 'other' };
    // 30,000 words with one changed: a long agreement's next draft.
    const long = words(30_000, 'w');
    const draft = (await upload(Buffer.from(long), 'draft.txt', other).expect(201)).body as DocumentBody;
    const next = (await upload(Buffer.from(long.replace(' w15000 ', ' changed ')), 'next.txt', other).expect(201)).body as DocumentBody;
    const small = (await api.as('auditor').get(`/api/documents/${draft.id}/diff/${next.id}`).expect(200)).body.changes as Array<{ op: string; text: string }>;
    expect(small.filter((c) => c.op !== 'equal')).toEqual([
      { op: 'delete', text: 'w15000' },
      { op: 'insert', text: 'changed' },
    ]);
    // Two unrelated texts of 1,100 words each: 2,200 words to delete and insert, past the bound (unbounded, 20,000 words took 140 s).
    const a = (await upload(Buffer.from(words(1100, 'a')), 'a.txt', other).expect(201)).body as DocumentBody;
    const b = (await upload(Buffer.from(words(1100, 'b')), 'b.txt', other).expect(201)).body as DocumentBody;
    const refused = await api.as('auditor').get(`/api/documents/${a.id}/diff/${b.id}`).expect(422);
    expect(refused.body).toMatchObject({ code: 'TOO_MANY_CHANGES', details: { maxChanges: 2000 } });
    // A text past a million characters is not split into words at all, however little the other differs.
    const huge = (await upload(Buffer.from(`${'word '.repeat(200_000)}end`), 'huge.txt', other).expect(201)).body as DocumentBody;
    const tooLong = await api.as('auditor').get(`/api/documents/${draft.id}/diff/${huge.id}`).expect(422);
    expect(tooLong.body).toMatchObject({ code: 'TEXT_TOO_LONG', details: { documentId: huge.id, maxChars: 1_000_000 } });
  });
});
