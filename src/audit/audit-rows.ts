import type { Database, Statement } from 'better-sqlite3';
import { ChainVerifier, GENESIS_HASH, type AuditRecord, type VerifyResult } from './audit-chain.js';
import { numberedPlaceholders } from '../database/plain-query.js';
import { COPY_COLUMNS, CopyBodyEncoder, CopyLines, parseCopyLine } from './audit-copy.js';

/**
 * The audit chain as plain rows for `verify()`: keyset batches of only the hashed columns, without
 * the query builder or entity hydration, which cost more than the hashing. Shared by the service
 * (on its own connections) and by the verify workers (on connections of their own).
 */
const COLUMNS =
  'seq, occurred_at, actor_id, actor_roles, action, entity_type, entity_id, from_state, to_state, workflow_id, workflow_version, outcome, request_id, payload, prev_hash, hash';

/** One row in the order of COLUMNS; `actor_roles` is the JSON text TypeORM's `simple-json` stored. */
export type AuditRow = [
  seq: number | string,
  occurredAt: string,
  actorId: string,
  actorRoles: string,
  action: string,
  entityType: string,
  entityId: string,
  fromState: string | null,
  toState: string | null,
  workflowId: string | null,
  workflowVersion: number | string | null,
  outcome: string,
  requestId: string | null,
  payload: string,
  prevHash: string,
  hash: string,
];

/**
 * A row with its canonical text written by the database (the fast path of `verifyRange`):
 * `actor_roles` as stored, and the text `canonicalBody` writes for the row, except that the
 * stored `actor_roles` text is embedded as it is; null where a column holds a value the SQL does
 * not render (then the row goes to the JS path).
 */
export type RenderedRow = [seq: number | string, prevHash: string, hash: string, actorRoles: string, body: string | null];

/** Where a part of the chain is read from. `until` null: up to the end of the chain. */
export interface AuditRowSource {
  /** Rows with `after < seq <= until`, in seq order, at most `limit`. */
  rows(after: number, until: number | null, limit: number): Promise<AuditRow[]>;
  /**
   * The same rows as `rows(after, until, limit)` as the text of a `COPY (SELECT COPY_COLUMNS …) TO
   * STDOUT`, chunk by chunk as it arrives (see `audit-copy.ts`); the consumer may stop early. It
   * fails (at once) where the connection's text is not UTF-8. A source without it is read through
   * `rows` (and `rendered`).
   */
  copy?(after: number, until: number | null, limit: number): AsyncIterable<Buffer>;
  /** The same rows as `rows`, rendered by the database (see RenderedRow); a source without it is read through `rows` only. */
  rendered?(after: number, until: number | null, limit: number): Promise<RenderedRow[]>;
  /** The last row of the chain (seq > 0, as verify() reads it) with `seq <= seq`: where a part that starts after `seq` links to. */
  lastUpTo(seq: number): Promise<{ seq: number; hash: string } | undefined>;
  /** The highest seq, 0 for an empty chain. */
  maxSeq(): Promise<number>;
}

/**
 * The hashed fields in the order `canonicalBody` writes them (RFC 8785: keys sorted by UTF-16 code
 * units), each with its column and how it is written.
 */
const BODY_FIELDS: ReadonlyArray<readonly [key: string, column: string, kind: 'string' | 'integer' | 'roles']> = [
  ['action', 'action', 'string'],
  ['actorId', 'actor_id', 'string'],
  ['actorRoles', 'actor_roles', 'roles'],
  ['entityId', 'entity_id', 'string'],
  ['entityType', 'entity_type', 'string'],
  ['fromState', 'from_state', 'string'],
  ['occurredAt', 'occurred_at', 'string'],
  ['outcome', 'outcome', 'string'],
  ['payload', 'payload', 'string'],
  ['requestId', 'request_id', 'string'],
  ['seq', 'seq', 'integer'],
  ['toState', 'to_state', 'string'],
  ['workflowId', 'workflow_id', 'string'],
  ['workflowVersion', 'workflow_version', 'integer'],
];

/** The SQL expression of a row's canonical text, each column's value written by `value`. */
function renderedBody(value: (column: string, kind: 'string' | 'integer' | 'roles') => string): string {
  return `${BODY_FIELDS.map(([key, column, kind], i) => `'${i === 0 ? '{' : ','}"${key}":' || ${value(column, kind)}`).join(' || ')} || '}'`;
}

/** JSON.stringify's integers: the safe ones (a larger one is read as an inexact number). */
const SAFE = 'BETWEEN -9007199254740991 AND 9007199254740991';

/**
 * SQLite: `json_quote` writes a string as `JSON.stringify` writes the string better-sqlite3 reads
 * (tested over every code point below U+0800, NUL, invalid UTF-8 and lone surrogates, which
 * better-sqlite3 stores as WTF-8 bytes read back as U+FFFD on both sides) and null as `null`. In
 * the string columns, TEXT affinity by the migration's declared types (varchar, text), a value is
 * text, null or a BLOB, on which `json_quote` throws: the batch then goes to the JS path (a
 * `typeof` guard on each of the ten would cost 10% of the read). The integer columns may hold
 * anything: only a safe integer is written (and null for `workflow_version`); anything else makes
 * the text null. `actor_roles` is embedded as stored.
 */
const SQLITE_BODY = renderedBody((column, kind) => {
  if (kind === 'string') return `json_quote(${column})`;
  if (kind === 'roles') return column;
  if (column === 'seq') return `CASE WHEN typeof(seq) = 'integer' AND seq ${SAFE} THEN CAST(seq AS TEXT) END`;
  return `CASE typeof(${column}) WHEN 'integer' THEN CASE WHEN ${column} ${SAFE} THEN CAST(${column} AS TEXT) END WHEN 'null' THEN 'null' END`;
});

/**
 * PostgreSQL: `to_json(text)` escapes as `JSON.stringify` does (`\"`, `\\`, `\b \f \n \r \t`,
 * other characters below U+0020 as `\u00xx`; a UTF8 database holds no NUL or invalid text), null
 * is written `null`, integers as digits when safe. A null `actor_roles` makes the text null.
 */
const POSTGRES_BODY = renderedBody((column, kind) => {
  if (kind === 'string') return `coalesce(to_json(${column})::text, 'null')`;
  if (kind === 'roles') return column;
  return `CASE WHEN ${column} IS NULL THEN 'null' WHEN ${column} ${SAFE} THEN ${column}::text END`;
});

const RENDERED = (body: string) => `seq, prev_hash, hash, actor_roles, ${body}`;

const SQL = {
  rows: `SELECT ${COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`,
  rowsUntil: `SELECT ${COLUMNS} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
  sqliteRendered: `SELECT ${RENDERED(SQLITE_BODY)} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`,
  sqliteRenderedUntil: `SELECT ${RENDERED(SQLITE_BODY)} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
  postgresRendered: `SELECT ${RENDERED(POSTGRES_BODY)} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`,
  postgresRenderedUntil: `SELECT ${RENDERED(POSTGRES_BODY)} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
  lastUpTo: 'SELECT seq, hash FROM audit_events WHERE seq > 0 AND seq <= ? ORDER BY seq DESC LIMIT 1',
  maxSeq: 'SELECT max(seq) FROM audit_events',
};

interface SqliteStatements {
  rows: Statement<[number, number], AuditRow>;
  rowsUntil: Statement<[number, number, number], AuditRow>;
  rendered: Statement<[number, number], RenderedRow>;
  renderedUntil: Statement<[number, number, number], RenderedRow>;
  lastUpTo: Statement<[number], [number, string]>;
  maxSeq: Statement<[], [number | null]>;
}

const sqliteStatements = new WeakMap<Database, SqliteStatements>();

/**
 * A better-sqlite3 connection, through statements prepared once per connection, in raw mode.
 * Each call reads its rows whole with `all()`: the service's connection is shared by the whole
 * app, so no cursor may stay open across an `await`.
 */
export function sqliteRowSource(connection: () => Database): AuditRowSource {
  const statements = (): SqliteStatements => {
    const db = connection();
    let prepared = sqliteStatements.get(db);
    if (!prepared) {
      prepared = {
        rows: db.prepare<[number, number], AuditRow>(SQL.rows).raw(true),
        rowsUntil: db.prepare<[number, number, number], AuditRow>(SQL.rowsUntil).raw(true),
        rendered: db.prepare<[number, number], RenderedRow>(SQL.sqliteRendered).raw(true),
        renderedUntil: db.prepare<[number, number, number], RenderedRow>(SQL.sqliteRenderedUntil).raw(true),
        lastUpTo: db.prepare<[number], [number, string]>(SQL.lastUpTo).raw(true),
        maxSeq: db.prepare<[], [number | null]>(SQL.maxSeq).raw(true),
      };
      sqliteStatements.set(db, prepared);
    }
    return prepared;
  };
  return {
    rows: async (after, until, limit) => (until === null ? statements().rows.all(after, limit) : statements().rowsUntil.all(after, until, limit)),
    rendered: async (after, until, limit) =>
      until === null ? statements().rendered.all(after, limit) : statements().renderedUntil.all(after, until, limit),
    lastUpTo: async (seq) => {
      const row = statements().lastUpTo.get(seq);
      return row && { seq: row[0], hash: row[1] };
    },
    maxSeq: async () => statements().maxSeq.get()?.[0] ?? 0,
  };
}

/** Runs a query with rows as arrays (pg's `rowMode: 'array'`): a pg Pool or Client. */
export type ArrayQuery = (text: string, values: unknown[]) => Promise<unknown[][]>;

/** The text of `sql`'s `COPY … TO STDOUT`, chunk by chunk, read to its end even when the consumer stops early (`copyOut`). */
export type CopyOut = (sql: string) => AsyncIterable<Buffer>;

/** PostgreSQL through a pg pool or client, rows as arrays; with `copy`, also through COPY. */
export function postgresRowSource(query: ArrayQuery, copy?: CopyOut): AuditRowSource {
  const rows = numberedPlaceholders(SQL.rows);
  const rowsUntil = numberedPlaceholders(SQL.rowsUntil);
  const rendered = numberedPlaceholders(SQL.postgresRendered);
  const renderedUntil = numberedPlaceholders(SQL.postgresRenderedUntil);
  const lastUpTo = numberedPlaceholders(SQL.lastUpTo);
  let utf8: Promise<boolean> | undefined;
  return {
    rows: async (after, until, limit) => (await (until === null ? query(rows, [after, limit]) : query(rowsUntil, [after, until, limit]))) as AuditRow[],
    copy: copy
      ? async function* (after, until, limit) {
          utf8 ??= query("SELECT current_setting('client_encoding')", []).then(([row]) => row?.[0] === 'UTF8');
          if (!(await utf8)) throw new Error('COPY is read as UTF-8, and the client encoding is not UTF8');
          // COPY takes no parameters: the bounds are written into the text, integers only.
          for (const n of [after, until ?? 0, limit]) if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
          const select = until === null ? `seq > ${after}` : `seq > ${after} AND seq <= ${until}`;
          yield* copy(`COPY (SELECT ${COPY_COLUMNS} FROM audit_events WHERE ${select} ORDER BY seq LIMIT ${limit}) TO STDOUT`);
        }
      : undefined,
    rendered: async (after, until, limit) =>
      (await (until === null ? query(rendered, [after, limit]) : query(renderedUntil, [after, until, limit]))) as RenderedRow[],
    lastUpTo: async (seq) => {
      const [row] = await query(lastUpTo, [seq]);
      return row && { seq: integer(row[0] as number | string), hash: row[1] as string };
    },
    maxSeq: async () => {
      const [row] = await query(SQL.maxSeq, []);
      return row?.[0] === null || row === undefined ? 0 : integer(row[0] as number | string);
    },
  };
}

/** An integer column as TypeORM hydrates it: PostgreSQL's `bigint` arrives as a string. */
function integer(value: number | string): number {
  return typeof value === 'string' ? Number(value) : value;
}

/**
 * Turns rows into the records the chain hashes, as the entity would have held them: `actor_roles`
 * parsed as `simple-json` does (a few distinct texts repeat over the whole chain, so each is parsed
 * once). `unreadable` says so when the stored roles are not JSON, which would have made hydrating
 * the entity throw.
 */
export class AuditRowDecoder {
  private readonly roles = new Map<string, { value: string[] } | { error: string }>();

  /** Why the last row decoded could not be read, or undefined. */
  unreadable: string | undefined = undefined;

  decode(row: AuditRow): AuditRecord {
    const roles = this.parseRoles(row[3]);
    this.unreadable = 'error' in roles ? roles.error : undefined;
    return {
      seq: integer(row[0]),
      occurredAt: row[1],
      actorId: row[2],
      actorRoles: 'value' in roles ? roles.value : [],
      action: row[4],
      entityType: row[5],
      entityId: row[6],
      fromState: row[7],
      toState: row[8],
      workflowId: row[9],
      workflowVersion: row[10] === null ? null : integer(row[10]),
      outcome: row[11],
      requestId: row[12],
      payload: row[13],
      prevHash: row[14],
      hash: row[15],
    };
  }

  private parseRoles(text: string): { value: string[] } | { error: string } {
    let parsed = this.roles.get(text);
    if (parsed === undefined) {
      try {
        parsed = { value: typeof text === 'string' ? JSON.parse(text) : text };
      } catch {
        parsed = { error: 'actor_roles is not JSON' };
      }
      // Bounded: a chain written by the service has a handful of role sets.
      if (this.roles.size >= 1000) this.roles.clear();
      this.roles.set(text, parsed);
    }
    return parsed;
  }
}

/**
 * Whether a stored `actor_roles` text is exactly what `canonicalBody` writes for the roles it
 * parses to: a JSON array of well-formed strings, written back the same. (`canonicalBody` writes
 * each string as `JSON.stringify` does and joins them with commas, i.e. `JSON.stringify` of the
 * array.) A few distinct texts repeat over the whole chain, so each is looked at once.
 */
export class CanonicalRoles {
  private readonly known = new Map<string, boolean>();

  test(text: unknown): boolean {
    if (typeof text !== 'string') return false;
    let canonical = this.known.get(text);
    if (canonical === undefined) {
      canonical = CanonicalRoles.check(text);
      // Bounded: a chain written by the service has a handful of role sets.
      if (this.known.size >= 1000) this.known.clear();
      this.known.set(text, canonical);
    }
    return canonical;
  }

  private static check(text: string): boolean {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return false;
    }
    return (
      Array.isArray(value) &&
      value.every((role) => typeof role === 'string' && (role as unknown as { isWellFormed(): boolean }).isWellFormed()) &&
      JSON.stringify(value) === text
    );
  }
}

/** A part of the chain: the rows with `after < seq <= until` (`until` null: to the end). */
export interface ChainRange {
  after: number;
  until: number | null;
}

export interface RangeOptions {
  /** Rows per read. */
  batch: number;
  /** Called between batches (the service yields to the event loop there). */
  between?: () => Promise<void>;
  /** Read the next batch while one is checked (worth it when the reads wait on a server). */
  readAhead?: boolean;
  /** Take rows through a fast path where there is one (default); false: the JS path only. */
  fast?: boolean;
  /** Read the rows through the source's `copy` where it has one (default; then nothing is rendered); false: through `rows` and `rendered`. */
  copy?: boolean;
  /** Rows per COPY (default: `batch`). */
  copyBatch?: number;
  /** Told the seq of each row the fast path left to the JS path (for tests and measurements). */
  onFallback?: (seq: number) => void;
}

/**
 * Checks one part of the chain as ChainVerifier checks the whole, starting from the row before it
 * (its seq + 1 expected next, its stored hash as the next prevHash). Assuming every row before the
 * part verified, this is exactly what a walk over the whole chain finds inside the part; `events`
 * counts the part's rows that verified.
 *
 * The JS path reads the 16 hashed columns of each row, decodes them (AuditRowDecoder) and has
 * ChainVerifier.push write the canonical text (`canonicalBody`) and check it: that path alone
 * defines what verifies. Where the source can, rows are first read through a fast path that only
 * makes good rows cheaper: the database writes each row's canonical text (RenderedRow: 5 columns
 * to convert instead of 16, no encoding in JS) and a row is taken when ChainVerifier.accept
 * finds the expected seq, the link to the previous row and `sha256(prevHash + text)` equal to the
 * stored hash, its `actor_roles` text being canonical (CanonicalRoles) and its seq a safe integer.
 * Anything else (a row not accepted, or a fast read that fails) never fails a row: that row and
 * the rest of its batch are read again through `rows` and judged by `push`, exactly as the JS path
 * would read and judge them from there (its batch cut at that point), and reading goes on after
 * the last row judged.
 *
 * Where the source has `copy` (PostgreSQL), rows are read through COPY instead, and nothing is
 * rendered: the fast path is then `CopyBodyEncoder`, which writes the bytes the JS path would hash
 * straight from each line of COPY text (or declines), checked by ChainVerifier.acceptEncoded; a
 * line it declines, or not accepted, is read by `parseCopyLine` (the row `rows` would have read)
 * and judged by `push`, and the fast path goes on with the next line. `audit-copy.ts` argues
 * both. When the COPY fails or its text is not COPY's, the rest of its rows are read through
 * `rows` and judged by `push`. On PostgreSQL this is the quicker way here: the server writes the
 * 16 plain columns as COPY text for about 1 µs a row against 4 µs for the rendered text, and
 * Node spends less on a line than pg's DataRow parsing alone (bench/README.md).
 *
 * Why acceptance by the fast path implies acceptance by the JS path: under those conditions the
 * SQL text is, character for character, the text `canonicalBody` writes for the row as the JS
 * path decodes it, so both check the same equation `sha256(prevHash + text) = hash`:
 * - the keys are BODY_FIELDS, in `canonicalBody`'s order;
 * - each string column is written by `json_quote` / `to_json`, which escape exactly as
 *   `JSON.stringify` does on the string the driver reads (what `canonicalBody` uses for a
 *   well-formed string; strings decoded from UTF-8 always are), and null as `null`;
 * - integers are written only when they are safe integers, as digits, as `String(n)` does;
 *   anything else makes the text null, which is never accepted;
 * - `actor_roles` is embedded as stored, and accepted only when that text is what
 *   `canonicalBody` writes for the array the decoder parses from it;
 * - every value is then a string, null or safe integer, so `canonicalBody` takes its fixed-shape
 *   branch, whose output is exactly this concatenation.
 * This does not lean on SHA-256 at all: collision resistance would only say that a matching SQL
 * text equals the text the service hashed when it wrote the row, but a stored hash is data that
 * whoever can edit the table can also write (e.g. over a row whose roles text is `[ "a" ]`, which
 * would match its own SQL text and not the JS path's `["a"]`). Hence the roles check in JS: a
 * non-canonical roles text, valid for the JS path or not, always goes to the JS path.
 */
export async function verifyRange(source: AuditRowSource, range: ChainRange, options: RangeOptions): Promise<VerifyResult> {
  const start = range.after > 0 ? await source.lastUpTo(range.after) : undefined;
  const verifier = start ? new ChainVerifier(start.seq + 1, start.hash) : new ChainVerifier(1, GENESIS_HASH);
  const decoder = new AuditRowDecoder();
  const roles = new CanonicalRoles();
  const copy = options.copy === false ? undefined : source.copy?.bind(source);
  const rendered = options.fast === false || copy ? undefined : source.rendered?.bind(source);

  /** The JS path: rows after `after`, at most `limit`; the seq of the last row judged, or undefined once the part's result is known. */
  const judge = async (after: number, limit: number): Promise<number | undefined> => {
    const rows = await source.rows(after, range.until, limit);
    if (rows.length === 0) return undefined;
    for (const row of rows) {
      const record = decoder.decode(row);
      if (!verifier.push(record, decoder.unreadable)) return undefined;
    }
    return integer(rows[rows.length - 1][0]);
  };

  if (copy) {
    const limit = options.copyBatch ?? options.batch;
    const encoder = options.fast === false ? undefined : new CopyBodyEncoder((text) => roles.test(text));
    /** What a line came to: taken (undefined, go on), the part's result known, or not COPY's text. */
    type Outcome = 'judged' | 'unreadable';
    let after = range.after;
    let count = 0;
    const line = (buffer: Buffer, start: number, end: number): Outcome | undefined => {
      const encoded = encoder?.encode(buffer, start, end);
      if (encoded && verifier.acceptEncoded(encoded.seq, encoded.prevHash, encoded.hash, encoded.input)) {
        after = encoded.seq;
        count += 1;
        return undefined;
      }
      const row = parseCopyLine(buffer, start, end);
      if (row === undefined) return 'unreadable';
      after = integer(row[0]);
      count += 1;
      if (encoder) options.onFallback?.(after);
      const record = decoder.decode(row);
      return verifier.push(record, decoder.unreadable) ? undefined : 'judged';
    };
    for (;;) {
      count = 0;
      const lines = new CopyLines();
      const chunks = copy(after, range.until, limit)[Symbol.asyncIterator]();
      let unreadable = false;
      try {
        for (;;) {
          let next: IteratorResult<Buffer>;
          try {
            next = await chunks.next();
          } catch {
            unreadable = true; // The COPY failed: its rows are read through `rows`, which fails too if the database does.
            break;
          }
          if (next.done) {
            unreadable = lines.pending;
            break;
          }
          const outcome = lines.lines(next.value, line);
          if (outcome === 'judged') return verifier.result();
          if (outcome === 'unreadable') {
            unreadable = true;
            break;
          }
        }
      } finally {
        // Stops a COPY left early (reading the rest of it: see `copyOut`).
        await chunks.return?.();
      }
      if (unreadable) {
        if (options.fast !== false) options.onFallback?.(after + 1);
        const rows = await source.rows(after, range.until, limit - count);
        for (const row of rows) {
          const record = decoder.decode(row);
          if (!verifier.push(record, decoder.unreadable)) return verifier.result();
        }
        count += rows.length;
        if (rows.length > 0) after = integer(rows[rows.length - 1][0]);
      }
      // Fewer rows than asked for: the part has no more (an open-ended part is read until a read finds none, as below).
      if (count === 0 || (range.until !== null && count < limit)) return verifier.result();
      await options.between?.();
    }
  }

  if (!rendered) {
    let next: Promise<AuditRow[]> | undefined = source.rows(range.after, range.until, options.batch);
    try {
      for (;;) {
        const rows: AuditRow[] = await next;
        next = undefined;
        if (rows.length === 0) return verifier.result();
        const after = integer(rows[rows.length - 1][0]);
        if (options.readAhead) next = source.rows(after, range.until, options.batch);
        for (const row of rows) {
          const record = decoder.decode(row);
          if (!verifier.push(record, decoder.unreadable)) return verifier.result();
        }
        await options.between?.();
        next ??= source.rows(after, range.until, options.batch);
      }
    } finally {
      // A batch read ahead and no longer wanted must not end as an unhandled rejection.
      void next?.catch(() => undefined);
    }
  }

  /** A fast read, or null when it failed (the JS path then reads the same rows and decides, throwing if it must). */
  const read = (after: number): Promise<RenderedRow[] | null> =>
    rendered(after, range.until, options.batch).catch(() => null);
  let from = range.after;
  let next: Promise<RenderedRow[] | null> | undefined = read(from);
  try {
    for (;;) {
      const rows = await next;
      next = undefined;
      if (rows === null) {
        options.onFallback?.(from);
        const last = await judge(from, options.batch);
        if (last === undefined) return verifier.result();
        from = last;
      } else {
        if (rows.length === 0) return verifier.result();
        const end = integer(rows[rows.length - 1][0]);
        if (options.readAhead) next = read(end);
        /** The seq of the last row taken, where the JS path goes on from. */
        let taken = from;
        for (let i = 0; i < rows.length; i += 1) {
          const [rawSeq, prevHash, hash, actorRoles, body] = rows[i];
          const seq = integer(rawSeq);
          // (The SQL writes no unsafe seq; isSafeInteger costs nothing and keeps that out of the argument's way.)
          if (typeof body === 'string' && Number.isSafeInteger(seq) && roles.test(actorRoles) && verifier.accept(seq, prevHash, hash, body)) {
            taken = seq;
            continue;
          }
          options.onFallback?.(seq);
          const last = await judge(taken, rows.length - i);
          if (last === undefined) return verifier.result();
          taken = last;
          break;
        }
        from = taken;
        if (from !== end) {
          // The JS path stopped elsewhere than this batch (the table changed in between): the batch read ahead does not follow on.
          void next?.catch(() => undefined);
          next = undefined;
        }
      }
      await options.between?.();
      next ??= read(from);
    }
  } finally {
    // A batch read ahead and no longer wanted must not end as an unhandled rejection.
    void next?.catch(() => undefined);
  }
}

/**
 * The result over the whole chain from the results of consecutive parts, in chain order: the
 * first part that failed names the first bad row, and the events before it are the rows of the
 * parts before it that verified plus its own.
 */
export class RangeMerger {
  private events = 0;
  private headHash = GENESIS_HASH;

  /** Returns the final result when this part failed, undefined to go on. */
  add(result: VerifyResult): VerifyResult | undefined {
    this.events += result.events;
    if (!result.ok) return { ...result, events: this.events };
    this.headHash = result.headHash;
    return undefined;
  }

  result(): VerifyResult {
    return { ok: true, events: this.events, headHash: this.headHash };
  }
}
