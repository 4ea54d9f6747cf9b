import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataSource } from 'typeorm';
import { plainQuery } from '../src/database/plain-query.js';
import { disableAppendOnly } from './support/append-only.js';
import pg from 'pg';
import { GENESIS_HASH, canonicalBody, hashRecord, type AuditRecord } from '../src/audit/audit-chain.js';
import { AuditService } from '../src/audit/audit.service.js';
import { DEFAULT_VERIFY_TUNING, type VerifyTuning } from '../src/audit/verify/audit-verifier.js';
import { ChainVerifier, type VerifyResult } from '../src/audit/verify/chain-verifier.js';
import { COPY_COLUMNS, CopyBodyEncoder, CopyLines, copyOut, parseCopyLine } from '../src/audit/verify/copy-text.js';
import { AUDIT_ROW_COLUMNS, AuditRowDecoder, auditRowOf, serviceRowSource } from '../src/audit/verify/row-source.js';
import { CanonicalRoles, verifyRange } from '../src/audit/verify/verify-range.js';
import { canonicalJson, sha256Hex } from '../src/common/canonical-json.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { actors, organizationInput } from './support/factories.js';
import { buildService } from './support/service-build.js';
import { createTestApp, testDatabaseKind, testPostgresUrl, type TestApp } from './support/test-app.js';

/** No documents were uploaded: verify re-hashed none. */
const NO_DOCUMENTS = { checked: 0, bad: [] };

/**
 * verify() over a chain of several thousand rows, long enough for several batches and, with the
 * worker threads, several parts: the first bad row is named wherever it lies, as the walk over
 * the entities (the way verify() used to read the chain) names it.
 */
const ROWS = 4_600;
const COLUMNS = AUDIT_ROW_COLUMNS;

/** Text that the encoder has to escape, or must leave alone. */
const AWKWARD = ['plain', 'quote " and backslash \\', 'tab\tnewline\ncontrol\u0001\u001f', 'é ü 漢字 😀', '\u2028\u2029\u007f', ''];

/** Appends rows after the current head, hashed with the service's rule, in one transaction. */
async function appendRows(dataSource: DataSource, count: number): Promise<void> {
  const [head] = await dataSource.query('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  let seq = Number(head.seq);
  let prevHash: string = head.hash;
  const rows: unknown[][] = [];
  for (let i = 0; i < count; i += 1) {
    seq += 1;
    const awkward = AWKWARD[i % AWKWARD.length];
    const record: Omit<AuditRecord, 'hash'> = {
      seq,
      occurredAt: new Date(Date.UTC(2026, 2, 2, 9) + i * 1000).toISOString(),
      actorId: i % 7 === 0 ? `actor ${awkward}` : 'u-manager',
      actorRoles: i % 5 === 0 ? [] : i % 5 === 1 ? ['approver', 'manager'] : ['manager'],
      action: i % 3 === 0 ? 'SHARE_DRAFT' : 'UPDATE',
      entityType: 'partnership',
      entityId: `p-${i % 50}`,
      fromState: i % 4 === 0 ? null : 'mou_negotiation',
      toState: i % 11 === 0 ? null : 'mou_negotiation',
      workflowId: i % 13 === 0 ? null : 'partnership-mou',
      workflowVersion: i % 13 === 0 ? null : 1 + (i % 3),
      outcome: i % 17 === 0 ? 'denied' : 'ok',
      requestId: i % 2 === 0 ? null : `req-${i}`,
      payload: canonicalJson({ note: awkward, n: i, nested: { list: [1, 'two', null] } }),
      prevHash,
    };
    const hash = hashRecord(record);
    rows.push(auditRowOf({ ...record, hash }));
    prevHash = hash;
  }
  await dataSource.transaction(async (manager) => {
    const perStatement = 50;
    for (let start = 0; start < rows.length; start += perStatement) {
      const batch = rows.slice(start, start + perStatement);
      const values = batch.map(() => `(${COLUMNS.map(() => '?').join(', ')})`).join(', ');
      await plainQuery(manager, `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES ${values}`, batch.flat());
    }
  });
}

/** The chain walked as verify() used to walk it: entities from `batches()`, through ChainVerifier. */
async function referenceVerify(audit: AuditService): Promise<VerifyResult> {
  const verifier = new ChainVerifier();
  for await (const batch of audit.batches()) {
    for (const record of batch) if (!verifier.push(record)) return verifier.result();
  }
  return verifier.result();
}

/** verifyRange over the whole chain in this thread, as verify() reads it there, with the fallbacks from the fast path to the JS path counted. */
async function verifyCounted(dataSource: DataSource, fast = true): Promise<{ result: VerifyResult; fallbacks: number[] }> {
  const fallbacks: number[] = [];
  const result = await verifyRange(serviceRowSource(dataSource), { after: 0, until: null }, { batch: 500, fast, onFallback: (seq) => fallbacks.push(seq) });
  return { result, fallbacks };
}

/** The compiled worker script: ts-jest runs the TypeScript, a worker thread needs the build. */
function builtWorkerScript(): URL {
  const main = resolve(buildService('audit-verify-build'));
  return pathToFileURL(join(dirname(main), 'audit', 'verify', 'verify.worker.js'));
}

describe('verify() over a chain of several batches', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let audit: AuditService;
  let lastSeq: number;
  let workerScript: URL;

  it('is longer than a batch and shorter than the default threshold for worker threads', () => {
    expect(ROWS).toBeGreaterThan(2 * DEFAULT_VERIFY_TUNING.batch);
    expect(ROWS).toBeLessThan(DEFAULT_VERIFY_TUNING.parallelFrom);
  });

  const tunings: Array<[string, () => Partial<VerifyTuning>]> = [
    // The chain is shorter than DEFAULT_VERIFY_TUNING.parallelFrom.
    ['with the default settings (in this thread)', () => ({})],
    ['in this thread, small batches', () => ({ parallelFrom: Number.MAX_SAFE_INTEGER, batch: 128 })],
    ['in worker threads', () => ({ parallelFrom: 0, batch: 128, rangeRows: 1_000, workers: 2, workerScript, inThreadOnError: false })],
  ];

  beforeAll(async () => {
    workerScript = builtWorkerScript();
    t = await createTestApp();
    dataSource = t.get(DataSource);
    audit = t.get(AuditService);
    await t.get(OrganizationsService).create(organizationInput(), actors.manager);
    await appendRows(dataSource, ROWS);
    await disableAppendOnly(dataSource);
    const [head] = await dataSource.query('SELECT max(seq) AS seq FROM audit_events');
    lastSeq = Number(head.seq);
  }, 180_000);

  afterAll(() => t?.close());

  /** Runs `check` with the row at `seq` changed by `assignment` (raw SQL), then puts the row back. */
  async function withTampered(changes: Array<[seq: number, assignment: string]>, check: () => Promise<void>): Promise<void> {
    const originals = [];
    for (const [seq, assignment] of changes) {
      const [row] = await plainQuery(dataSource, 'SELECT * FROM audit_events WHERE seq = ?', [seq]);
      originals.push(row);
      if (assignment === 'DELETE') await plainQuery(dataSource, 'DELETE FROM audit_events WHERE seq = ?', [seq]);
      else await plainQuery(dataSource, `UPDATE audit_events SET ${assignment} WHERE seq = ?`, [seq]);
    }
    try {
      await check();
    } finally {
      for (const row of originals) {
        await plainQuery(dataSource, 'DELETE FROM audit_events WHERE seq = ?', [row.seq]);
        await plainQuery(
          dataSource,
          `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
          COLUMNS.map((c) => row[c]),
        );
      }
    }
  }

  describe.each(tunings)('%s', (_how, tuning) => {
    it('verifies the intact chain, with its length and head, as the walk over entities does', async () => {
      const result = await audit.verify(tuning());
      const [head] = await dataSource.query('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1');
      // The rows were written straight to the table, so no checkpoint names any of them.
      expect(result).toEqual({ ok: true, events: lastSeq, headHash: head.hash, checkpoints: { checked: 0, lastSeq: null }, documents: NO_DOCUMENTS });
      expect(result).toEqual({ ...(await referenceVerify(audit)), checkpoints: { checked: 0, lastSeq: null }, documents: NO_DOCUMENTS });
    });

    it.each([2, 127, 128, 129, 999, 1_000, 1_001, 1_999, 2_000, 2_001, 4_321])('names row %i when its content was edited', async (seq) => {
      await withTampered([[seq, `outcome = 'forged'`]], async () => {
        const expected = { ok: false, firstBadSeq: seq, reason: 'hash does not match the row content', events: seq - 1 };
        expect(await audit.verify(tuning())).toEqual({ ...expected, documents: NO_DOCUMENTS });
        expect(await referenceVerify(audit)).toEqual(expected);
      });
    });

    it('names the last row, and the one after a deleted row, whatever part they fall in', async () => {
      await withTampered([[lastSeq, `payload = '{}'`]], async () => {
        expect(await audit.verify(tuning())).toMatchObject({ ok: false, firstBadSeq: lastSeq, events: lastSeq - 1 });
      });
      for (const seq of [1_000, 2_000, 3_001]) {
        await withTampered([[seq, 'DELETE']], async () => {
          const result = await audit.verify(tuning());
          expect(result).toEqual({
            ok: false,
            firstBadSeq: seq + 1,
            reason: `expected seq ${seq}, found ${seq + 1}`,
            events: seq - 1,
            documents: NO_DOCUMENTS,
          });
          expect(result).toEqual({ ...(await referenceVerify(audit)), documents: NO_DOCUMENTS });
        });
      }
    });

    it('names the earliest of several bad rows, however the parts finish', async () => {
      await withTampered(
        [
          [4_400, `entity_id = 'p-forged'`],
          [1_234, `prev_hash = '${GENESIS_HASH}'`],
          [2_500, `actor_id = 'someone-else'`],
        ],
        async () => {
          const result = await audit.verify(tuning());
          expect(result).toEqual({
            ok: false,
            firstBadSeq: 1_234,
            reason: 'prevHash does not match the hash of the previous row',
            events: 1_233,
            documents: NO_DOCUMENTS,
          });
          expect(result).toEqual({ ...(await referenceVerify(audit)), documents: NO_DOCUMENTS });
        },
      );
    });

    it('names a row whose roles are not JSON, where reading it as an entity would throw', async () => {
      await withTampered([[3_333, `actor_roles = 'not json'`]], async () => {
        expect(await audit.verify(tuning())).toEqual({
          ok: false,
          firstBadSeq: 3_333,
          reason: 'actor_roles is not JSON',
          events: 3_332,
          documents: NO_DOCUMENTS,
        });
      });
    });

    it('accepts, through the JS path, roles stored as JSON text that is not canonical but parses to the same roles', async () => {
      const [row] = await plainQuery(dataSource, `SELECT seq FROM audit_events WHERE actor_roles = ? AND seq > 2000 ORDER BY seq LIMIT 1`, ['["manager"]']);
      const seq = Number(row.seq);
      for (const roles of ['[ "manager" ]', '["\\u006danager"]']) {
        await withTampered([[seq, `actor_roles = '${roles}'`]], async () => {
          expect(await audit.verify(tuning())).toEqual({
            ok: true,
            events: lastSeq,
            headHash: expect.any(String),
            checkpoints: { checked: 0, lastSeq: null },
            documents: NO_DOCUMENTS,
          });
          expect(await referenceVerify(audit)).toMatchObject({ ok: true, events: lastSeq });
        });
      }
    });

    it('names a row rehashed over its own non-canonical roles text, which the JS path does not write', async () => {
      const [row] = await plainQuery(dataSource, `SELECT * FROM audit_events WHERE actor_roles = ? AND seq > 2000 ORDER BY seq LIMIT 1`, ['["manager"]']);
      const seq = Number(row.seq);
      const record = new AuditRowDecoder().decode(COLUMNS.map((c) => row[c]) as never);
      const body = canonicalBody(record).replace('"actorRoles":["manager"]', '"actorRoles":[ "manager" ]');
      const forged = sha256Hex(record.prevHash + body);
      // The next row is relinked too, so that only the roles text separates the two paths.
      await withTampered(
        [
          [seq, `actor_roles = '[ "manager" ]', hash = '${forged}'`],
          [seq + 1, `prev_hash = '${forged}'`],
        ],
        async () => {
          const expected = { ok: false, firstBadSeq: seq, reason: 'hash does not match the row content', events: seq - 1 };
          expect(await audit.verify(tuning())).toEqual({ ...expected, documents: NO_DOCUMENTS });
          expect(await referenceVerify(audit)).toEqual(expected);
        },
      );
    });

    if (testDatabaseKind === 'sqlite') {
      it('names a row holding a BLOB, on which json_quote throws', async () => {
        await withTampered([[2_222, 'actor_id = CAST(actor_id AS BLOB)']], async () => {
          expect(await audit.verify(tuning())).toEqual({
            ok: false,
            firstBadSeq: 2_222,
            reason: 'hash does not match the row content',
            events: 2_221,
            documents: NO_DOCUMENTS,
          });
        });
      });
    }

    it('counts rows appended since the chain was last verified', async () => {
      await appendRows(dataSource, 3);
      lastSeq += 3;
      expect(await audit.verify(tuning())).toMatchObject({ ok: true, events: lastSeq });
    });
  });
});

describe('the fast path of verify()', () => {
  let t: TestApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    t = await createTestApp();
    dataSource = t.get(DataSource);
    await t.get(OrganizationsService).create(organizationInput(), actors.manager);
    await appendRows(dataSource, 1_200);
  }, 180_000);

  afterAll(() => t?.close());

  it('takes every row of an intact chain, awkward text included, without the JS path', async () => {
    const [head] = await dataSource.query('SELECT max(seq) AS seq FROM audit_events');
    const fast = await verifyCounted(dataSource);
    expect(fast).toEqual({ result: { ok: true, events: Number(head.seq), headHash: expect.any(String) }, fallbacks: [] });
    expect((await verifyCounted(dataSource, false)).result).toEqual(fast.result);
  });

  /** Rows far past the chain, never verified: each written as the string, null or number given. */
  const ADVERSARIAL: Array<Record<string, unknown>> = [
    { actor_id: '"\\\b\f\n\r\t\u0001\u001f\u007f\u0080\u009f', payload: '{"a":"\\"\\\\\\u0000"}' },
    { entity_id: 'é ü 漢字 😀 \u2028\u2029 \ufeff \uffff \ufffd', outcome: '</script>' },
    // better-sqlite3 stores a lone surrogate as WTF-8 bytes, pg as U+FFFD: either way read back as U+FFFD.
    { action: 'a\ud800b', request_id: '\udfff', to_state: '\ud83d' },
    { from_state: null, to_state: null, workflow_id: null, workflow_version: null, request_id: null },
    { actor_roles: '[]' },
    { actor_roles: '["approver","manager","\\"\\\\é😀"]' },
    { actor_roles: '[ "a" ]' },
    { actor_roles: '["\\u0061"]' },
    { actor_roles: '["a",]' },
    { actor_roles: 'not json' },
    { actor_roles: '{"a":1}' },
    { actor_roles: '["\\ud800"]' },
    { actor_id: '', entity_type: '', payload: '', workflow_version: 0 },
    { workflow_version: -2147483648 },
    { workflow_version: 2147483647 },
    ...(testDatabaseKind === 'sqlite'
      ? [
          { actor_id: 'nul\u0000inside', payload: '\u0000' },
          { workflow_version: 9007199254740991 },
          { workflow_version: 9007199254740993n },
          { workflow_version: 1.5 },
          { workflow_version: 'text in an integer column' },
          { seq: 9007199254740991 },
          { seq: 9007199254740993n },
        ]
      : []),
  ];

  /** The ADVERSARIAL rows from seq `start` on, each over a base row (one of the two tests below runs, by database). */
  const start = 2_000_000_000;
  async function insertAdversarial(): Promise<void> {
    const base = {
      occurred_at: '2026-03-02T09:00:00.000Z',
      actor_id: 'u',
      actor_roles: '["manager"]',
      action: 'UPDATE',
      entity_type: 'partnership',
      entity_id: 'p-1',
      from_state: 'a',
      to_state: 'b',
      workflow_id: 'w',
      workflow_version: 1,
      outcome: 'ok',
      request_id: 'r',
      payload: '{}',
      prev_hash: GENESIS_HASH,
      hash: GENESIS_HASH,
    };
    for (const [i, fields] of ADVERSARIAL.entries()) {
      const row: Record<string, unknown> = { ...base, seq: start + i, ...fields };
      await plainQuery(
        dataSource,
        `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
        COLUMNS.map((c) => row[c]),
      );
    }
  }

  // The text written by the SQL is SQLite's fast path; PostgreSQL's reads COPY text (below).
  if (testDatabaseKind === 'sqlite') {
    it('writes, for every row it takes, exactly the text canonicalBody writes for the JS path', async () => {
      await insertAdversarial();
      const source = serviceRowSource(dataSource);
      const rows = await source.rows(start - 1, null, 1_000);
      const rendered = await source.rendered!(start - 1, null, 1_000);
      expect(rendered.map((r) => String(r[0]))).toEqual(rows.map((r) => String(r[0])));
      const decoder = new AuditRowDecoder();
      const roles = new CanonicalRoles();
      const taken: string[] = [];
      rows.forEach((row, i) => {
        const [seq, prevHash, hash, storedRoles, body] = rendered[i];
        expect([prevHash, hash, storedRoles]).toEqual([row[14], row[15], row[3]]);
        if (body === null) return;
        const record = decoder.decode(row);
        // With its roles text as stored, the text is the JS path's to the character…
        const marker = '["\\u0000roles"]';
        expect(body).toBe(canonicalBody({ ...record, actorRoles: ['\u0000roles'] }).replace(marker, storedRoles));
        // …and when those roles are canonical and the seq safe (what the fast path asks), it is the JS path's text itself.
        if (roles.test(storedRoles) && Number.isSafeInteger(Number(seq))) {
          expect(decoder.unreadable).toBeUndefined();
          expect(body).toBe(canonicalBody(record));
          taken.push(String(seq));
        }
      });
      const canonicalRows = ADVERSARIAL.filter((f) => !('actor_roles' in f) || ['[]', '["approver","manager","\\"\\\\é😀"]'].includes(f.actor_roles as string));
      // Every row is taken but those with non-canonical roles, an unsafe seq or a workflow_version that is unsafe, a fraction or text.
      expect(taken.length).toBe(canonicalRows.length - 4);
      expect(taken.length).toBeGreaterThanOrEqual(9);
    });
  }
  if (testDatabaseKind === 'postgres') {
    it('reads through COPY the rows the protocol reads, and writes, for each line it takes, the bytes the JS path hashes', async () => {
      await insertAdversarial();
      const source = serviceRowSource(dataSource);
      const rows = await source.rows(start - 1, null, 1_000);
      expect(rows.length).toBe(ADVERSARIAL.length);
      const lines: Buffer[] = [];
      const splitter = new CopyLines();
      for await (const chunk of source.copy!(start - 1, null, 1_000)) {
        splitter.lines(chunk, (buffer, from, end) => void lines.push(Buffer.from(buffer.subarray(from, end + 1))));
      }
      expect(splitter.pending).toBe(false);
      const encoder = new CopyBodyEncoder((text) => new CanonicalRoles().test(text));
      const decoder = new AuditRowDecoder();
      let taken = 0;
      lines.forEach((line, i) => {
        const copied = parseCopyLine(line, 0, line.length - 1)!;
        // The protocol's row, pg's integers as text.
        expect(copied).toEqual(rows[i].map((v) => (typeof v === 'number' ? String(v) : v)));
        const encoded = encoder.encode(line, 0, line.length - 1);
        const record = decoder.decode(copied);
        const canonical = new CanonicalRoles().test(rows[i][3]);
        // Declined exactly where the roles text is not canonical (every other value is text PostgreSQL holds, so COPY's).
        expect([i, encoded !== undefined]).toEqual([i, canonical]);
        if (encoded) {
          expect([encoded.seq, encoded.prevHash, encoded.hash]).toEqual([record.seq, record.prevHash, record.hash]);
          expect(encoded.input.toString('hex')).toBe(Buffer.from(record.prevHash + canonicalBody(record)).toString('hex'));
          taken += 1;
        }
      });
      expect(taken).toBeGreaterThanOrEqual(9);
    });

    it('leaves the connection usable after a COPY left early (the rest is read and dropped)', async () => {
      const client = new pg.Client({ connectionString: testPostgresUrl, options: `-c search_path=${(dataSource.options as { schema?: string }).schema}` });
      await client.connect();
      try {
        const sql = `COPY (SELECT ${COPY_COLUMNS} FROM audit_events ORDER BY seq) TO STDOUT`;
        for await (const chunk of copyOut(client, sql)) {
          expect(chunk.length).toBeGreaterThan(0);
          break;
        }
        const { rows } = await client.query('SELECT count(*)::int AS n FROM audit_events');
        expect(rows[0].n).toBeGreaterThan(1_000);
        // And a COPY that fails (no such column) leaves it usable too.
        await expect(async () => {
          for await (const _ of copyOut(client, 'COPY (SELECT no_such_column FROM audit_events) TO STDOUT')) void _;
        }).rejects.toThrow(/no_such_column/);
        expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.end();
      }
    });
  }
});
