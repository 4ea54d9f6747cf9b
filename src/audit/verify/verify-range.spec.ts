import fc from 'fast-check';
import { auditRowOf, recordOf } from '../../../test/support/audit-rows.js';
import { copyLine } from '../../../test/support/copy-text.js';
import { sha256Hex } from '../../common/canonical-json.js';
import { GENESIS_HASH, canonicalBody, hashRecord, type AuditRecord } from '../audit-chain.js';
import { ChainVerifier, type VerifyResult } from './chain-verifier.js';
import type { AuditRow, AuditRowSource, RenderedRow } from './row-source.js';
import { CanonicalRoles, RangeMerger, verifyRange } from './verify-range.js';
import { chainRanges } from './verify-workers.js';

function record(seq: number, prevHash: string): AuditRecord {
  const unhashed = {
    seq,
    occurredAt: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    actorId: 'u-manager',
    actorRoles: seq % 3 === 0 ? [] : ['manager'],
    action: 'UPDATE',
    entityType: 'partnership',
    entityId: `p-${seq % 7}`,
    fromState: seq % 2 === 0 ? null : 'proposal',
    toState: 'proposal',
    workflowId: 'partnership-mou',
    workflowVersion: 1,
    outcome: 'ok',
    requestId: null,
    payload: `{"n":${seq}}`,
    prevHash,
  };
  return { ...unhashed, hash: hashRecord(unhashed) };
}

/** The text the database renders for a row: canonicalBody's, with the stored roles text embedded as is. */
function renderedBody(row: AuditRow): string {
  return canonicalBody({ ...recordOf(row), actorRoles: ['\u0000roles'] }).replace('["\\u0000roles"]', row[3]);
}

/** How the in-memory table answers a COPY: in chunks of `chunk` bytes, failing or writing text that is not COPY's where it reaches a row. */
interface CopyOptions {
  chunk: number;
  /** The COPY fails once it has sent the rows before this one. */
  failAt?: number;
  /** This row's line is not COPY's text. */
  garbleAt?: number;
}

/**
 * The table, in memory: what the SQL of the real sources returns; with `rendered`, the fast path's
 * rows too, a read of them failing when it would include the row `failAt` (as json_quote on a BLOB);
 * with `copy`, the COPY text PostgreSQL would write for the rows (test/support/copy-text.ts).
 */
function memorySource(rows: AuditRow[], rendered?: { failAt?: number }, copy?: CopyOptions): AuditRowSource {
  const sorted = [...rows].sort((a, b) => Number(a[0]) - Number(b[0]));
  const select = (after: number, until: number | null, limit: number) =>
    sorted.filter((r) => Number(r[0]) > after && (until === null || Number(r[0]) <= until)).slice(0, limit);
  return {
    rows: async (after, until, limit) => select(after, until, limit),
    ...(rendered && {
      rendered: async (after: number, until: number | null, limit: number): Promise<RenderedRow[]> => {
        const selected = select(after, until, limit);
        if (selected.some((r) => r[0] === rendered.failAt)) throw new Error('JSON cannot hold BLOB values');
        return selected.map((r) => [r[0], r[14], r[15], r[3], renderedBody(r)]);
      },
    }),
    ...(copy && {
      copy: async function* (after: number, until: number | null, limit: number): AsyncGenerator<Buffer> {
        const selected = select(after, until, limit);
        const lines = selected.map((r) => (r[0] === copy.garbleAt ? Buffer.from('not\\qCOPY\n') : copyLine(r)));
        const failsAt = selected.findIndex((r) => r[0] === copy.failAt);
        const text = Buffer.concat(failsAt === -1 ? lines : lines.slice(0, failsAt));
        for (let at = 0; at < text.length; at += copy.chunk) yield text.subarray(at, at + copy.chunk);
        if (failsAt !== -1) throw new Error('COPY failed');
      },
    }),
    lastUpTo: async (seq) => {
      const row = sorted.filter((r) => Number(r[0]) > 0 && Number(r[0]) <= seq).pop();
      return row && { seq: Number(row[0]), hash: row[15] };
    },
    maxSeq: async () => (sorted.length === 0 ? 0 : Number(sorted[sorted.length - 1][0])),
  };
}

/** `length` records, each linked to the one before it. */
function linkedChain(length: number): AuditRecord[] {
  const chain: AuditRecord[] = [];
  for (let seq = 1; seq <= length; seq += 1) chain.push(record(seq, chain[chain.length - 1]?.hash ?? GENESIS_HASH));
  return chain;
}

/** What ChainVerifier says walking every row with seq > 0 in order, as verify() always did. */
function wholeChain(rows: AuditRow[]): VerifyResult {
  const verifier = new ChainVerifier();
  for (const row of [...rows].filter((r) => Number(r[0]) > 0).sort((a, b) => Number(a[0]) - Number(b[0]))) {
    let roles: string[];
    try {
      roles = JSON.parse(row[3]);
    } catch {
      if (!verifier.push({ ...recordOf(row), actorRoles: [] }, 'actor_roles is not JSON')) break;
      continue;
    }
    if (!verifier.push({ ...recordOf(row), actorRoles: roles })) break;
  }
  return verifier.result();
}

/** verify()'s way: the chain cut into parts at `rangeRows`, each checked alone, the results merged in order. */
async function inParts(
  rows: AuditRow[],
  rangeRows: number,
  batch: number,
  rendered?: { failAt?: number },
  copy?: CopyOptions & { fast: boolean },
): Promise<VerifyResult> {
  const source = memorySource(rows, rendered, copy);
  const merger = new RangeMerger();
  for (const range of chainRanges(await source.maxSeq(), rangeRows)) {
    const failed = merger.add(await verifyRange(source, range, { batch, ...(copy && { fast: copy.fast }) }));
    if (failed) return failed;
  }
  return merger.result();
}

/** What an attacker with raw access does to the row `at` (modulo the chain's length). */
interface Tampering {
  kind: 'content' | 'link' | 'delete' | 'roles' | 'seq' | 'extra' | 'spaced' | 'rehashed';
  at: number;
}

const tampering: fc.Arbitrary<Tampering> = fc.record({
  kind: fc.constantFrom(
    'content' as const,
    'link' as const,
    'delete' as const,
    'roles' as const,
    'seq' as const,
    'extra' as const,
    'spaced' as const,
    'rehashed' as const,
  ),
  at: fc.nat(),
});

/** The roles text with spaces: not canonical, the same roles for the JS path. */
function spaced(roles: string): string {
  return roles.replace('[', '[ ').replace(/,/g, ', ');
}

function tamper(chain: AuditRecord[], changes: Tampering[]): AuditRow[] {
  const rows = new Map<number, AuditRow>(chain.map((r) => [r.seq, auditRowOf(r)]));
  for (const change of changes) {
    const seq = 1 + (change.at % chain.length);
    const row = rows.get(seq);
    if (!row) continue;
    // (Roles made unreadable by an earlier change stay so.)
    if (change.kind === 'content')
      rows.set(seq, auditRowOf({ ...recordOf(row), actorRoles: row[3] === 'not json' ? [] : JSON.parse(row[3]), outcome: 'forged' }, row[3]));
    if (change.kind === 'link') rows.set(seq, [...row.slice(0, 14), GENESIS_HASH, row[15]] as AuditRow);
    if (change.kind === 'delete') rows.delete(seq);
    if (change.kind === 'roles') rows.set(seq, [...row.slice(0, 3), 'not json', ...row.slice(4)] as AuditRow);
    // A row moved to a seq nobody used, or one below the chain (seq <= 0 is never read).
    if (change.kind === 'seq') {
      rows.delete(seq);
      rows.set(seq + chain.length + 10, [seq + chain.length + 10, ...row.slice(1)] as AuditRow);
    }
    if (change.kind === 'extra') rows.set(-seq, [-seq, ...row.slice(1)] as AuditRow);
    // Roles the JS path reads as before, in a text the fast path does not take.
    if (change.kind === 'spaced') rows.set(seq, [...row.slice(0, 3), spaced(row[3]), ...row.slice(4)] as AuditRow);
    // The same, and the row's hash written over the text the database renders for it, which is not the JS path's.
    if (change.kind === 'rehashed') {
      const edited = [...row.slice(0, 3), spaced(row[3]), ...row.slice(4)] as AuditRow;
      rows.set(seq, [...edited.slice(0, 15), sha256Hex(edited[14] + renderedBody(edited))] as AuditRow);
    }
  }
  return [...rows.values()];
}

describe('verifying the chain in parts', () => {
  it('cuts the chain into consecutive parts, the last one open-ended', () => {
    expect(chainRanges(0, 1000)).toEqual([{ after: 0, until: null }]);
    expect(chainRanges(1000, 1000)).toEqual([{ after: 0, until: null }]);
    expect(chainRanges(2000, 1000)).toEqual([
      { after: 0, until: 1000 },
      { after: 1000, until: null },
    ]);
    expect(chainRanges(2001, 1000)).toEqual([
      { after: 0, until: 1000 },
      { after: 1000, until: 2000 },
      { after: 2000, until: null },
    ]);
  });

  it('starts a part after the chain’s rows only, never after a row below seq 1', async () => {
    const chain = linkedChain(6);
    const rows = [auditRowOf({ ...chain[0], seq: 0 }), ...chain.slice(2).map((r) => auditRowOf(r))];
    expect(await inParts(rows, 2, 10)).toEqual({ ok: false, firstBadSeq: 3, reason: 'expected seq 1, found 3', events: 0 });
    expect(wholeChain(rows)).toEqual(await inParts(rows, 2, 10));
  });

  /** How the parts are read: through the JS path alone, through SQLite's rendered text (whose read may fail at a row), or through COPY text. */
  const reading = fc.oneof(
    fc.constant({}),
    fc.record({ rendered: fc.record({ failAt: fc.option(fc.integer({ min: 1, max: 65 }), { nil: undefined }) }) }),
    fc.record({
      copy: fc.record({
        chunk: fc.integer({ min: 1, max: 2000 }),
        failAt: fc.option(fc.integer({ min: 1, max: 65 }), { nil: undefined }),
        garbleAt: fc.option(fc.integer({ min: 1, max: 65 }), { nil: undefined }),
        fast: fc.boolean(),
      }),
    }),
  );

  it('finds what the walk over the whole chain finds, wherever the parts are cut and the rows tampered, however the rows are read', async () => {
    const chain = linkedChain(60);
    await fc.assert(
      fc.asyncProperty(
        fc.array(tampering, { maxLength: 3 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 25 }),
        reading,
        async (changes, rangeRows, batch, how) => {
          const rows = tamper(chain, changes);
          expect(await inParts(rows, rangeRows, batch, 'rendered' in how ? how.rendered : undefined, 'copy' in how ? how.copy : undefined)).toEqual(
            wholeChain(rows),
          );
        },
      ),
      // The three ways of reading share the runs.
      { numRuns: 1200 },
    );
  });

  it('takes the rows of an intact chain through COPY without the JS path, and leaves it the rows it does not take', async () => {
    const chain = linkedChain(30);
    const run = async (rows: AuditRow[], copy: CopyOptions = { chunk: 100 }) => {
      const fallbacks: number[] = [];
      const result = await verifyRange(memorySource(rows, {}, copy), { after: 0, until: null }, { batch: 7, onFallback: (seq) => fallbacks.push(seq) });
      return { result, fallbacks };
    };
    const whole = { ok: true, events: 30, headHash: chain[29].hash };
    const intact = chain.map((r) => auditRowOf(r));
    expect(await run(intact)).toEqual({ result: whole, fallbacks: [] });
    expect(await run(tamper(chain, [{ kind: 'spaced', at: 9 }]))).toEqual({ result: whole, fallbacks: [10] });
    expect(await run(tamper(chain, [{ kind: 'rehashed', at: 9 }]))).toEqual({
      result: { ok: false, firstBadSeq: 10, reason: 'hash does not match the row content', events: 9 },
      fallbacks: [10],
    });
    expect(await run(tamper(chain, [{ kind: 'content', at: 9 }]))).toEqual({
      result: { ok: false, firstBadSeq: 10, reason: 'hash does not match the row content', events: 9 },
      fallbacks: [10],
    });
    // The rest of a COPY that fails, or whose text is not COPY's, is read through `rows` (batch 7: rows 8 to 14, then COPY again).
    expect(await run(intact, { chunk: 100, failAt: 10 })).toEqual({ result: whole, fallbacks: [10] });
    expect(await run(intact, { chunk: 100, garbleAt: 10 })).toEqual({ result: whole, fallbacks: [10] });
  });

  it('takes the rows of an intact chain without the JS path, and accepts a non-canonical roles text through it', async () => {
    const chain = linkedChain(30);
    const run = async (rows: AuditRow[]) => {
      const fallbacks: number[] = [];
      const result = await verifyRange(memorySource(rows, {}), { after: 0, until: null }, { batch: 7, onFallback: (seq) => fallbacks.push(seq) });
      return { result, fallbacks };
    };
    const whole = { ok: true, events: 30, headHash: chain[29].hash };
    expect(await run(chain.map((r) => auditRowOf(r)))).toEqual({ result: whole, fallbacks: [] });
    // Row 10 (`at` 9).
    expect(await run(tamper(chain, [{ kind: 'spaced', at: 9 }]))).toEqual({ result: whole, fallbacks: [10] });
    expect(await run(tamper(chain, [{ kind: 'rehashed', at: 9 }]))).toEqual({
      result: { ok: false, firstBadSeq: 10, reason: 'hash does not match the row content', events: 9 },
      fallbacks: [10],
    });
  });
});

describe('CanonicalRoles', () => {
  it('takes only the text JSON.stringify writes for an array of well-formed strings', () => {
    const roles = new CanonicalRoles();
    for (const text of ['[]', '["manager"]', '["approver","manager"]', '["\\"\\\\\\u0000é😀"]']) expect(roles.test(text)).toBe(true);
    for (const text of ['[ ]', '[ "a" ]', '["\\u0061"]', '["a",]', '["\\ud800"]', '[1]', '[null]', '{"a":1}', '"a"', 'not json', '', null, 1]) {
      expect(roles.test(text)).toBe(false);
    }
    // Asked again, from the cache.
    expect(roles.test('[ "a" ]')).toBe(false);
    expect(roles.test('["manager"]')).toBe(true);
  });
});
