import fc from 'fast-check';
import { ChainVerifier, GENESIS_HASH, hashRecord, type AuditRecord, type VerifyResult } from './audit-chain.js';
import { RangeMerger, verifyRange, type AuditRow, type AuditRowSource } from './audit-rows.js';
import { chainRanges } from './audit-verify-workers.js';

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

function toRow(r: AuditRecord, roles = JSON.stringify(r.actorRoles)): AuditRow {
  return [
    r.seq, r.occurredAt, r.actorId, roles, r.action, r.entityType, r.entityId, r.fromState, r.toState, r.workflowId, r.workflowVersion,
    r.outcome, r.requestId, r.payload, r.prevHash, r.hash,
  ];
}

/** The table, in memory: what the SQL of the real sources returns. */
function memorySource(rows: AuditRow[]): AuditRowSource {
  const sorted = [...rows].sort((a, b) => Number(a[0]) - Number(b[0]));
  return {
    rows: async (after, until, limit) => sorted.filter((r) => Number(r[0]) > after && (until === null || Number(r[0]) <= until)).slice(0, limit),
    lastUpTo: async (seq) => {
      const row = sorted.filter((r) => Number(r[0]) > 0 && Number(r[0]) <= seq).pop();
      return row && { seq: Number(row[0]), hash: row[15] };
    },
    maxSeq: async () => (sorted.length === 0 ? 0 : Number(sorted[sorted.length - 1][0])),
  };
}

/** What ChainVerifier says walking every row with seq > 0 in order, as verify() always did. */
function wholeChain(rows: AuditRow[]): VerifyResult {
  const verifier = new ChainVerifier();
  for (const row of [...rows].filter((r) => Number(r[0]) > 0).sort((a, b) => Number(a[0]) - Number(b[0]))) {
    let roles: string[];
    try {
      roles = JSON.parse(row[3]);
    } catch {
      if (!verifier.push({ ...fromRow(row), actorRoles: [] }, 'actor_roles is not JSON')) break;
      continue;
    }
    if (!verifier.push({ ...fromRow(row), actorRoles: roles })) break;
  }
  return verifier.result();
}

function fromRow(row: AuditRow): AuditRecord {
  const [seq, occurredAt, actorId, , action, entityType, entityId, fromState, toState, workflowId, workflowVersion, outcome, requestId, payload, prevHash, hash] = row;
  return {
    seq: Number(seq), occurredAt, actorId, actorRoles: [], action, entityType, entityId, fromState, toState, workflowId,
    workflowVersion: workflowVersion === null ? null : Number(workflowVersion), outcome, requestId, payload, prevHash, hash,
  };
}

/** verify()'s way: the chain cut into parts at `rangeRows`, each checked alone, the results merged in order. */
async function inParts(rows: AuditRow[], rangeRows: number, batch: number): Promise<VerifyResult> {
  const source = memorySource(rows);
  const merger = new RangeMerger();
  for (const range of chainRanges(await source.maxSeq(), rangeRows)) {
    const failed = merger.add(await verifyRange(source, range, { batch }));
    if (failed) return failed;
  }
  return merger.result();
}

/** What an attacker with raw access does to the row `at` (modulo the chain's length). */
interface Tampering {
  kind: 'content' | 'link' | 'delete' | 'roles' | 'seq' | 'extra';
  at: number;
}

const tampering: fc.Arbitrary<Tampering> = fc.record({
  kind: fc.constantFrom('content' as const, 'link' as const, 'delete' as const, 'roles' as const, 'seq' as const, 'extra' as const),
  at: fc.nat(),
});

function tamper(chain: AuditRecord[], changes: Tampering[]): AuditRow[] {
  const rows = new Map<number, AuditRow>(chain.map((r) => [r.seq, toRow(r)]));
  for (const change of changes) {
    const seq = 1 + (change.at % chain.length);
    const row = rows.get(seq);
    if (!row) continue;
    if (change.kind === 'content') rows.set(seq, toRow({ ...fromRow(row), actorRoles: JSON.parse(row[3]), outcome: 'forged' }, row[3]));
    if (change.kind === 'link') rows.set(seq, [...row.slice(0, 14), GENESIS_HASH, row[15]] as AuditRow);
    if (change.kind === 'delete') rows.delete(seq);
    if (change.kind === 'roles') rows.set(seq, [...row.slice(0, 3), 'not json', ...row.slice(4)] as AuditRow);
    // A row moved to a seq nobody used, or one below the chain (seq <= 0 is never read).
    if (change.kind === 'seq') {
      rows.delete(seq);
      rows.set(seq + chain.length + 10, [seq + chain.length + 10, ...row.slice(1)] as AuditRow);
    }
    if (change.kind === 'extra') rows.set(-seq, [-seq, ...row.slice(1)] as AuditRow);
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
    const chain: AuditRecord[] = [];
    for (let seq = 1; seq <= 6; seq += 1) chain.push(record(seq, chain[chain.length - 1]?.hash ?? GENESIS_HASH));
    const rows = [toRow({ ...chain[0], seq: 0 }), ...chain.slice(2).map((r) => toRow(r))];
    expect(await inParts(rows, 2, 10)).toEqual({ ok: false, firstBadSeq: 3, reason: 'expected seq 1, found 3', events: 0 });
    expect(wholeChain(rows)).toEqual(await inParts(rows, 2, 10));
  });

  it('finds what the walk over the whole chain finds, wherever the parts are cut and the rows tampered', async () => {
    const chain: AuditRecord[] = [];
    for (let seq = 1; seq <= 60; seq += 1) chain.push(record(seq, chain[chain.length - 1]?.hash ?? GENESIS_HASH));
    await fc.assert(
      fc.asyncProperty(fc.array(tampering, { maxLength: 3 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 25 }), async (changes, rangeRows, batch) => {
        const rows = tamper(chain, changes);
        expect(await inParts(rows, rangeRows, batch)).toEqual(wholeChain(rows));
      }),
      { numRuns: 400 },
    );
  });
});
