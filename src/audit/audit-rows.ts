import type { Database, Statement } from 'better-sqlite3';
import { ChainVerifier, GENESIS_HASH, type AuditRecord, type VerifyResult } from './audit-chain.js';

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

/** Where a part of the chain is read from. `until` null: up to the end of the chain. */
export interface AuditRowSource {
  /** Rows with `after < seq <= until`, in seq order, at most `limit`. */
  rows(after: number, until: number | null, limit: number): Promise<AuditRow[]>;
  /** The last row of the chain (seq > 0, as verify() reads it) with `seq <= seq`: where a part that starts after `seq` links to. */
  lastUpTo(seq: number): Promise<{ seq: number; hash: string } | undefined>;
  /** The highest seq, 0 for an empty chain. */
  maxSeq(): Promise<number>;
}

const SQL = {
  rows: `SELECT ${COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`,
  rowsUntil: `SELECT ${COLUMNS} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
  lastUpTo: 'SELECT seq, hash FROM audit_events WHERE seq > 0 AND seq <= ? ORDER BY seq DESC LIMIT 1',
  maxSeq: 'SELECT max(seq) FROM audit_events',
};

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${(n += 1)}`);
}

interface SqliteStatements {
  rows: Statement<[number, number], AuditRow>;
  rowsUntil: Statement<[number, number, number], AuditRow>;
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
        lastUpTo: db.prepare<[number], [number, string]>(SQL.lastUpTo).raw(true),
        maxSeq: db.prepare<[], [number | null]>(SQL.maxSeq).raw(true),
      };
      sqliteStatements.set(db, prepared);
    }
    return prepared;
  };
  return {
    rows: async (after, until, limit) => (until === null ? statements().rows.all(after, limit) : statements().rowsUntil.all(after, until, limit)),
    lastUpTo: async (seq) => {
      const row = statements().lastUpTo.get(seq);
      return row && { seq: row[0], hash: row[1] };
    },
    maxSeq: async () => statements().maxSeq.get()?.[0] ?? 0,
  };
}

/** Runs a query with rows as arrays (pg's `rowMode: 'array'`): a pg Pool or Client. */
export type ArrayQuery = (text: string, values: unknown[]) => Promise<unknown[][]>;

/** PostgreSQL through a pg pool or client, rows as arrays. */
export function postgresRowSource(query: ArrayQuery): AuditRowSource {
  const rows = numbered(SQL.rows);
  const rowsUntil = numbered(SQL.rowsUntil);
  const lastUpTo = numbered(SQL.lastUpTo);
  return {
    rows: async (after, until, limit) => (await (until === null ? query(rows, [after, limit]) : query(rowsUntil, [after, until, limit]))) as AuditRow[],
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
}

/**
 * Checks one part of the chain as ChainVerifier checks the whole, starting from the row before it
 * (its seq + 1 expected next, its stored hash as the next prevHash). Assuming every row before the
 * part verified, this is exactly what a walk over the whole chain finds inside the part; `events`
 * counts the part's rows that verified.
 */
export async function verifyRange(source: AuditRowSource, range: ChainRange, options: RangeOptions): Promise<VerifyResult> {
  const start = range.after > 0 ? await source.lastUpTo(range.after) : undefined;
  const verifier = start ? new ChainVerifier(start.seq + 1, start.hash) : new ChainVerifier(1, GENESIS_HASH);
  const decoder = new AuditRowDecoder();
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
