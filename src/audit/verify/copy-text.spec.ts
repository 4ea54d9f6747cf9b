import fc from 'fast-check';
import { auditRowOf, wellTypedBodies } from '../../../test/support/audit-rows.js';
import { copyLine } from '../../../test/support/copy-text.js';
import { canonicalBody, GENESIS_HASH, hashRecord, type AuditRecord } from '../audit-chain.js';
import { ChainVerifier } from './chain-verifier.js';
import { CopyBodyEncoder, CopyLines, copyField, parseCopyLine } from './copy-text.js';
import { AuditRowDecoder } from './row-source.js';
import { CanonicalRoles } from './verify-range.js';

/** What the JS path hashes for a line: `parseCopyLine`, the decoder, `prevHash + canonicalBody`. */
function jsPath(line: Buffer): { record: AuditRecord; unreadable?: string; input: Buffer } | undefined {
  const row = parseCopyLine(line, 0, line.length - 1);
  if (row === undefined) return undefined;
  const decoder = new AuditRowDecoder();
  const record = decoder.decode(row);
  return { record, unreadable: decoder.unreadable, input: Buffer.from(record.prevHash + canonicalBody(record), 'utf8') };
}

const HEX_DIGEST = /^[0-9a-f]{64}$/;

/**
 * The fast path's promise, for any line: where it does not decline and hands over hex digests as
 * the previous hash and the hash (the only case `acceptEncoded` can take: the previous hash must be
 * the expected digest, the hash equal to the digest of the bytes), the JS path reads the line, with
 * the same seq, previous hash and hash, and hashes exactly the bytes the fast path wrote.
 */
function expectSound(line: Buffer): boolean {
  const encoded = new CopyBodyEncoder((text) => new CanonicalRoles().test(text)).encode(line, 0, line.length - 1);
  if (encoded === undefined || !HEX_DIGEST.test(encoded.prevHash) || !HEX_DIGEST.test(encoded.hash)) return false;
  const js = jsPath(line);
  expect(js).toBeDefined();
  expect(js!.unreadable).toBeUndefined();
  expect(js!.record.seq).toBe(encoded.seq);
  expect(js!.record.prevHash).toBe(encoded.prevHash);
  expect(js!.record.hash).toBe(encoded.hash);
  expect(Buffer.from(encoded.input).toString('hex')).toBe(js!.input.toString('hex'));
  return true;
}

const digest = fc.stringMatching(/^[0-9a-f]{64}$/);
/** Text PostgreSQL can hold (UTF-8, no NUL): what COPY is given. */
const TRICKY = [
  '"',
  '\\',
  '\\N',
  'N',
  '\b',
  '\f',
  '\n',
  '\r',
  '\t',
  '\v',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u0080',
  '\u2028',
  'é',
  '漢',
  '😀',
  '\ufffd',
  '\uffff',
  '/',
  ' ',
];
const text = fc
  .oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom(...TRICKY, 'a', '0') }))
  .map((s) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd').replaceAll('\u0000', ''));
const int4 = fc.integer({ min: -2147483648, max: 2147483647 });
const record = fc
  .tuple(wellTypedBodies({ seq: int4, text, integer: int4, payload: text, maxRoles: 3 }), digest)
  .map(([body, prevHash]): AuditRecord => ({ ...body, prevHash, hash: hashRecord({ ...body, prevHash }) }));

describe('COPY text', () => {
  it('is read back field by field as the protocol gives it: escapes undone, \\N null, nothing else after a backslash', () => {
    expect(copyField('plain')).toBe('plain');
    expect(copyField('\\N')).toBeNull();
    expect(copyField('a\\tb\\nc\\rd\\be\\ff\\vg\\\\h')).toBe('a\tb\nc\rd\be\ff\vg\\h');
    expect(copyField('\\\\N')).toBe('\\N');
    for (const bad of ['\\x41', '\\0', 'a\\Nb', 'trailing\\', '\\"']) expect(copyField(bad)).toBeUndefined();
  });

  it('parses a line written by the COPY model back to the row, and refuses text COPY does not write', () => {
    fc.assert(
      fc.property(record, (r) => {
        const row = auditRowOf(r);
        expect(parseCopyLine(copyLine(row), 0, copyLine(row).length - 1)).toEqual(row.map((v) => (v === null ? null : String(v))));
      }),
      { numRuns: 300 },
    );
    const good = copyLine(auditRowOf(fc.sample(record, 1)[0]));
    const text = good.toString('utf8', 0, good.length - 1);
    for (const bad of [`${text}\textra`, text.slice(0, text.lastIndexOf('\t')), `${text}\r`, text.replace('\t', '\t\\q')]) {
      expect(parseCopyLine(Buffer.from(bad), 0, Buffer.byteLength(bad))).toBeUndefined();
    }
  });

  it('is cut into the same lines whatever the chunks, a multi-byte character or a line split between them', () => {
    const lines = ['a\tb', 'é😀漢\t\\N', '', 'x'.repeat(300)];
    const all = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const splitter = new CopyLines();
        const seen: string[] = [];
        let at = 0;
        for (let i = 0; at < all.length; i += 1) {
          const chunk = all.subarray(at, at + sizes[i % sizes.length]);
          at += chunk.length;
          splitter.lines(chunk, (buffer, start, end) => void seen.push(buffer.toString('utf8', start, end)));
        }
        expect(seen).toEqual(lines);
        expect(splitter.pending).toBe(false);
      }),
      { numRuns: 200 },
    );
    const splitter = new CopyLines();
    splitter.lines(Buffer.from('a\nb'), () => undefined);
    expect(splitter.pending).toBe(true);
    // The first answer other than undefined stops the walk and is returned.
    expect(new CopyLines().lines(Buffer.from('a\nb\nc\n'), (buffer, start) => (buffer[start] === 0x62 ? 'stop' : undefined))).toBe('stop');
  });
});

describe('the COPY fast path (CopyBodyEncoder)', () => {
  it('writes, for the line of any row PostgreSQL can hold, exactly the bytes the JS path hashes', () => {
    fc.assert(
      fc.property(record, (r) => {
        const line = copyLine(auditRowOf(r));
        // Declined only where the roles text is not canonical (never, written by JSON.stringify) or a value is not UTF-8 text.
        expect(expectSound(line)).toBe(true);
        const verifier = new ChainVerifier(r.seq, r.prevHash);
        const encoded = new CopyBodyEncoder((t) => new CanonicalRoles().test(t)).encode(line, 0, line.length - 1)!;
        expect(verifier.acceptEncoded(encoded.seq, encoded.prevHash, encoded.hash, encoded.input)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('never writes other bytes than the JS path hashes, whatever the line (fuzzed bytes)', () => {
    const byte = fc.oneof(
      fc.constantFrom(0x09, 0x0a, 0x0d, 0x5c, 0x4e, 0x22, 0x2d, 0x30, 0x31, 0x39, 0x5b, 0x5d, 0x2c, 0x62, 0x6e, 0x76, 0x78, 0x00, 0x01, 0x08, 0x0b, 0x1f, 0x7f),
      fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xa0, 0x9f, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff),
      fc.integer({ min: 0x20, max: 0x7e }),
    );
    const field = fc.oneof(
      fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)),
      fc.array(byte, { maxLength: 8 }).map((b) => Buffer.from(b)),
      fc.constantFrom('\\N', '["a"]', '[]', '["a","b"]', '[ "a" ]', '1', '-1', '0', '-0', '007', '1234567890123456', 'ok').map((s) => Buffer.from(s)),
    );
    let taken = 0;
    fc.assert(
      fc.property(record, fc.array(fc.tuple(fc.nat({ max: 15 }), field), { maxLength: 3 }), (r, edits) => {
        const fields = copyLine(auditRowOf(r))
          .toString('utf8')
          .slice(0, -1)
          .split('\t')
          .map((f) => Buffer.from(f, 'utf8'));
        for (const [at, bytes] of edits) fields[at] = bytes;
        const line = Buffer.concat([...fields.flatMap((f, i) => (i === 0 ? [f] : [Buffer.from('\t'), f])), Buffer.from('\n')]);
        if (expectSound(line)) taken += 1;
      }),
      { numRuns: 3000 },
    );
    // The property was not trivially true: many of the edited lines were taken.
    expect(taken).toBeGreaterThan(300);
  });

  it('declines what COPY does not write, or the JS path would not write the same way', () => {
    const base: AuditRecord = {
      seq: 7,
      occurredAt: '2026-03-02T09:00:00.000Z',
      actorId: 'u',
      actorRoles: ['manager'],
      action: 'UPDATE',
      entityType: 'partnership',
      entityId: 'p-1',
      fromState: 'a',
      toState: null,
      workflowId: 'w',
      workflowVersion: 1,
      outcome: 'ok',
      requestId: null,
      payload: '{"a":"\\"b\\""}',
      prevHash: 'a'.repeat(64),
      hash: 'b'.repeat(64),
    };
    const encoder = new CopyBodyEncoder((t) => new CanonicalRoles().test(t));
    const encode = (line: Buffer) => encoder.encode(line, 0, line.length - 1);
    const good = copyLine(auditRowOf(base));
    expect(encode(good)).toBeDefined();
    const replace = (from: string, to: string | Buffer) => {
      const text = good.toString('latin1');
      expect(text.includes(from)).toBe(true);
      const at = text.indexOf(from);
      return Buffer.concat([good.subarray(0, at), typeof to === 'string' ? Buffer.from(to, 'latin1') : to, good.subarray(at + from.length)]);
    };
    const declined: Array<[string, Buffer]> = [
      ['an escape COPY does not write', replace('partnership', 'partner\\qship')],
      ['\\N inside a field', replace('partnership', 'partner\\Nship')],
      ['a raw carriage return', replace('partnership', 'partner\rship')],
      ['a raw backspace', replace('partnership', 'partner\bship')],
      ['NUL', replace('partnership', 'partner\u0000ship')],
      ['an overlong encoding', replace('partnership', Buffer.from([0xc0, 0xaf]))],
      ['a surrogate in UTF-8', replace('partnership', Buffer.from([0xed, 0xa0, 0x80]))],
      ['a byte that starts no sequence', replace('partnership', Buffer.from([0xf5, 0x80, 0x80, 0x80]))],
      ['a truncated sequence', replace('partnership', Buffer.from([0xe6, 0xbc]))],
      ['a field too many', replace('\tok\t', '\tok\tok\t')],
      ['a field too few', replace('\tok\t', '\t')],
      ['non-canonical roles', replace('["manager"]', '[ "manager" ]')],
      ['roles with a JSON escape', replace('["manager"]', '["man\\\\u0061ger"]')],
      ['null roles', replace('["manager"]', '\\N')],
      ['a null seq', replace('\t7\t', '\t\\N\t')],
      ['-0', replace('\t7\t', '\t-0\t')],
      ['a leading zero', replace('\t7\t', '\t07\t')],
      ['an integer of 16 digits', replace('\t7\t', '\t1234567890123456\t')],
      ['a fraction', replace('\t1\t', '\t1.5\t')],
    ];
    for (const [why, line] of declined) expect([why, encode(line)]).toEqual([why, undefined]);
    // Where the JS path is fine with them, it still takes those lines (as it decides).
    expect(jsPath(replace('["manager"]', '[ "manager" ]'))?.unreadable).toBeUndefined();
  });

  it('is taken by acceptEncoded only after a previous hash that is a digest', () => {
    const body = { ...fc.sample(record, 1)[0], seq: 1 };
    const odd = { ...body, prevHash: 'not a digest' };
    const r = { ...odd, hash: hashRecord(odd) };
    const line = copyLine(auditRowOf(r));
    const encoded = new CopyBodyEncoder(() => true).encode(line, 0, line.length - 1)!;
    expect(encoded.prevHash).toBe('not a digest');
    expect(new ChainVerifier(1, 'not a digest').acceptEncoded(encoded.seq, encoded.prevHash, encoded.hash, encoded.input)).toBe(false);
    // The JS path judges it, and takes it.
    const verifier = new ChainVerifier(1, 'not a digest');
    expect(verifier.push(new AuditRowDecoder().decode(parseCopyLine(line, 0, line.length - 1)!))).toBe(true);
    // With a digest before it, the same bytes are taken by the fast path.
    const linked = { ...body, prevHash: GENESIS_HASH };
    const next = copyLine(auditRowOf({ ...linked, hash: hashRecord(linked) }));
    const fast = new CopyBodyEncoder(() => true).encode(next, 0, next.length - 1)!;
    expect(new ChainVerifier(1, GENESIS_HASH).acceptEncoded(fast.seq, fast.prevHash, fast.hash, fast.input)).toBe(true);
  });
});
