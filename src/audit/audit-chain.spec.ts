import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';
import { GENESIS_HASH, canonicalBody, canonicalBodyAroundSeq, genericBody, hashRecord, type AuditBody, type AuditRecord } from './audit-chain.js';
import { ChainVerifier } from './verify/chain-verifier.js';
import { wellTypedBodies } from '../../test/support/audit-rows.js';

/** The hash rule as it was first written (the generic RFC 8785 encoder): the definition the fast encoder must agree with. */
const definition = genericBody;

/** The outcome of `f`: its text, or the fact that it threw (canonicalize refuses lone surrogates). */
function outcome(f: () => string): string {
  try {
    return `text ${f()}`;
  } catch {
    return 'threw';
  }
}

const TRICKY = ['"', '\\', '\u0000', '\b', '\f', '\n', '\r', '\t', '\u001f', '\u007f', '\u2028', '\u2029', '\ud800', '\udfff', '\ud83d\ude00', 'é', '/', '</'];
/** UTF-16 code units, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  fc.string({ unit: fc.constantFrom(...TRICKY, 'a', 'Z', '0', ' ') }),
);
const integer = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER));
/** Anything a field of a row read back from an export could hold. */
const anyValue = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: integer },
  fc.double(),
  fc.constantFrom(2 ** 53, 1e21, -1e-7, undefined, true, false),
  fc.constant({ nested: 'object' }),
  fc.array(text, { maxLength: 2 }),
);
const roles = fc.oneof(
  { weight: 6, arbitrary: fc.array(text, { maxLength: 4 }) },
  fc.constant([]),
  fc.array(anyValue, { maxLength: 3 }),
  // eslint-disable-next-line no-sparse-arrays
  fc.constant([, 'approver']),
  anyValue,
);

/** A row of the shape the service writes: strings, nulls and integers where they belong. */
const wellTypedBody = wellTypedBodies({
  seq: fc.oneof(fc.nat(), fc.maxSafeInteger()),
  text,
  integer,
  payload: fc.oneof(
    text,
    fc.jsonValue().map((value) => canonicalJson(value)),
  ),
  maxRoles: 4,
});

/** Any value in any field, a missing one included. */
const looseBody = fc
  .record({
    seq: anyValue,
    occurredAt: anyValue,
    actorId: anyValue,
    actorRoles: roles,
    action: anyValue,
    entityType: anyValue,
    entityId: anyValue,
    fromState: anyValue,
    toState: anyValue,
    workflowId: anyValue,
    workflowVersion: anyValue,
    outcome: anyValue,
    requestId: anyValue,
    payload: anyValue,
  })
  .map((body) => body as unknown as AuditBody);

describe('canonicalBody, the audit row encoder', () => {
  it('writes what canonicalJson writes for every row of the service’s shape, or throws where it throws', () => {
    fc.assert(
      fc.property(wellTypedBody, (body) => {
        expect(outcome(() => canonicalBody(body))).toBe(outcome(() => definition(body)));
      }),
      { numRuns: 5000 },
    );
  });

  it('writes what canonicalJson writes whatever the fields hold (rows read back from an export)', () => {
    fc.assert(
      fc.property(looseBody, (body) => {
        expect(outcome(() => canonicalBody(body))).toBe(outcome(() => definition(body)));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['quotes, backslashes and control characters', { payload: '{"a":"\\"\\\\\\u0000\\n"}', actorId: 'x"y\\z\u0001\u001f\t' }],
    ['an empty role list and large integers', { actorRoles: [], seq: Number.MAX_SAFE_INTEGER, workflowVersion: -0 }],
    ['nulls everywhere they are allowed', { fromState: null, toState: null, workflowId: null, workflowVersion: null, requestId: null }],
    ['characters outside the BMP and line separators', { entityId: '\ud83d\ude00\u2028\u2029é', outcome: '\u007f' }],
    ['a fraction, which only the generic encoder takes', { workflowVersion: 1.5 }],
  ])('agrees with canonicalJson on %s', (_what, fields) => {
    const body = { ...sampleBody(), ...fields };
    expect(canonicalBody(body)).toBe(definition(body));
  });

  it('throws, as canonicalJson does, on a lone surrogate', () => {
    expect(() => canonicalBody({ ...sampleBody(), actorId: 'a\ud800' })).toThrow();
    expect(() => canonicalBody({ ...sampleBody(), actorRoles: ['\udc00'] })).toThrow();
  });

  it('splits a row’s text around its seq so that any seq written between the parts gives canonicalBody’s text', () => {
    fc.assert(
      fc.property(wellTypedBody, fc.oneof(fc.nat(), fc.maxSafeInteger()), ({ seq: _ignored, ...body }, seq) => {
        fc.pre(outcome(() => definition({ ...body, seq })) !== 'threw');
        const { before, after } = canonicalBodyAroundSeq(body);
        expect(before + String(seq) + after).toBe(canonicalBody({ ...body, seq }));
      }),
      { numRuns: 2000 },
    );
    // The key inside a string is escaped, so it is never taken for the row's own.
    const tricky = { ...sampleBody(), payload: '{"x":",\\"seq\\":0,\\"toState\\":"}', requestId: ',"seq":0,"toState":' };
    const { seq: _seq, ...body } = tricky;
    const { before, after } = canonicalBodyAroundSeq(body);
    expect(before + '41' + after).toBe(canonicalBody({ ...body, seq: 41 }));
  });

  it('keeps the hash rule: sha256(prevHash + canonical JSON of the row)', () => {
    fc.assert(
      fc.property(wellTypedBody, fc.stringMatching(/^[0-9a-f]{64}$/), (body, prevHash) => {
        fc.pre(outcome(() => definition(body)) !== 'threw');
        const expected = createHash('sha256')
          .update(prevHash + definition(body))
          .digest('hex');
        expect(hashRecord({ ...body, prevHash })).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('ChainVerifier', () => {
  function chain(length: number): AuditRecord[] {
    const records: AuditRecord[] = [];
    let prevHash = GENESIS_HASH;
    for (let seq = 1; seq <= length; seq += 1) {
      const unhashed = { ...sampleBody(), seq, prevHash };
      const record = { ...unhashed, hash: hashRecord(unhashed) };
      records.push(record);
      prevHash = record.hash;
    }
    return records;
  }

  function verify(records: AuditRecord[], unreadableSeq?: number) {
    const verifier = new ChainVerifier();
    for (const record of records) if (!verifier.push(record, record.seq === unreadableSeq ? 'actor_roles is not JSON' : undefined)) break;
    return verifier.result();
  }

  it('verifies a chain and names its head', () => {
    const records = chain(5);
    expect(verify(records)).toEqual({ ok: true, events: 5, headHash: records[4].hash });
  });

  it('names the first row whose content, link or seq is wrong', () => {
    const records = chain(6);
    expect(verify(records.map((r) => (r.seq === 4 ? { ...r, outcome: 'denied' } : r)))).toEqual({
      ok: false,
      firstBadSeq: 4,
      reason: 'hash does not match the row content',
      events: 3,
    });
    expect(verify(records.filter((r) => r.seq !== 3))).toMatchObject({ ok: false, firstBadSeq: 4, reason: 'expected seq 3, found 4' });
    expect(verify(records.map((r) => (r.seq === 5 ? { ...r, prevHash: GENESIS_HASH } : r)))).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('names a row that could not be read, after its seq and link were checked', () => {
    const records = chain(4);
    expect(verify(records, 3)).toEqual({ ok: false, firstBadSeq: 3, reason: 'actor_roles is not JSON', events: 2 });
  });
});

function sampleBody(): AuditBody {
  return {
    seq: 1,
    occurredAt: '2026-01-05T09:00:00.000Z',
    actorId: 'bench-manager',
    actorRoles: ['approver', 'manager'],
    action: 'SUBMIT_FOR_APPROVAL',
    entityType: 'partnership',
    entityId: '7d3c2b9e-0f4a-4c1e-9b7a-2f6d8e5a1c3b',
    fromState: 'proposal',
    toState: 'senior_management_review',
    workflowId: 'partnership-mou',
    workflowVersion: 1,
    outcome: 'ok',
    requestId: 'req-1',
    payload: '{"event":{"type":"SUBMIT_FOR_APPROVAL"},"version":2}',
  };
}
