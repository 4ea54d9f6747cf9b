import type { Database, Statement } from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { postgresPool, sqliteConnection } from '../../database/driver-internals.js';
import { numberedPlaceholders } from '../../database/plain-query.js';
import type { AuditRecord } from '../audit-chain.js';
import { COPY_COLUMNS, poolCopyOut } from './copy-text.js';

/**
 * The audit chain as plain rows for verification: keyset batches of only the hashed columns,
 * without the query builder or entity hydration, which cost more than the hashing. Read on the
 * service's own connections or, in the verify workers, on connections of their own.
 */
/** The audit table's columns in the order of an AuditRow (seeders and tests insert rows in it too). */
export const AUDIT_ROW_COLUMNS = [
  'seq',
  'occurred_at',
  'actor_id',
  'actor_roles',
  'action',
  'entity_type',
  'entity_id',
  'from_state',
  'to_state',
  'workflow_id',
  'workflow_version',
  'outcome',
  'request_id',
  'payload',
  'prev_hash',
  'hash',
] as const;
const COLUMNS = AUDIT_ROW_COLUMNS.join(', ');

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

/** An AuditRow's fields in order, as AuditRecord names them. */
export const AUDIT_ROW_FIELDS = [
  'seq',
  'occurredAt',
  'actorId',
  'actorRoles',
  'action',
  'entityType',
  'entityId',
  'fromState',
  'toState',
  'workflowId',
  'workflowVersion',
  'outcome',
  'requestId',
  'payload',
  'prevHash',
  'hash',
] as const satisfies ReadonlyArray<keyof AuditRecord>;

/** The row the database holds for a record (in the order of AUDIT_ROW_COLUMNS), its roles stored as `roles`: what seeders and tests insert. */
export function auditRowOf(record: AuditRecord, roles = JSON.stringify(record.actorRoles)): AuditRow {
  return AUDIT_ROW_FIELDS.map((key) => (key === 'actorRoles' ? roles : record[key])) as AuditRow;
}

/**
 * A row with the canonical text SQLite wrote for it (the fast path of `verifyRange`): `actor_roles`
 * as stored, and the text `canonicalBody` writes for the row, with the stored `actor_roles` text
 * embedded as it is; null where a column holds a value the SQL does not write.
 */
export type RenderedRow = [seq: number | string, prevHash: string, hash: string, actorRoles: string, body: string | null];

/** Where a part of the chain is read from. `until` null: up to the end of the chain. */
export interface AuditRowSource {
  /** Rows with `after < seq <= until`, in seq order, at most `limit`. */
  rows(after: number, until: number | null, limit: number): Promise<AuditRow[]>;
  /**
   * PostgreSQL: the same rows as the text of a `COPY (SELECT COPY_COLUMNS …) TO STDOUT`, chunk by
   * chunk as it arrives (see copy-text.ts); the consumer may stop early. It fails (at once) where
   * the connection's text is not UTF-8.
   */
  copy?(after: number, until: number | null, limit: number): AsyncIterable<Buffer>;
  /** SQLite: the same rows as `rows`, with the canonical text SQLite wrote for each (RenderedRow). */
  rendered?(after: number, until: number | null, limit: number): Promise<RenderedRow[]>;
  /** The last row of the chain (seq > 0, as verify() reads it) with `seq <= seq`: where a part that starts after `seq` links to. */
  lastUpTo(seq: number): Promise<{ seq: number; hash: string } | undefined>;
  /** The highest seq, 0 for an empty chain. */
  maxSeq(): Promise<number>;
}

/** JSON.stringify's integers: the safe ones (a larger one is read as an inexact number). */
const SAFE = 'BETWEEN -9007199254740991 AND 9007199254740991';

/**
 * The SQL expression of a row's canonical text on SQLite, key by key in `canonicalBody`'s order:
 * strings through `json_quote`, integers only when safe (anything else makes the text null), the
 * roles text as stored. docs/audit-verification.md says why this is `canonicalBody`'s text.
 */
const SQLITE_BODY = [
  ['action', 'json_quote(action)'],
  ['actorId', 'json_quote(actor_id)'],
  ['actorRoles', 'actor_roles'],
  ['entityId', 'json_quote(entity_id)'],
  ['entityType', 'json_quote(entity_type)'],
  ['fromState', 'json_quote(from_state)'],
  ['occurredAt', 'json_quote(occurred_at)'],
  ['outcome', 'json_quote(outcome)'],
  ['payload', 'json_quote(payload)'],
  ['requestId', 'json_quote(request_id)'],
  ['seq', `CASE WHEN typeof(seq) = 'integer' AND seq ${SAFE} THEN CAST(seq AS TEXT) END`],
  ['toState', 'json_quote(to_state)'],
  ['workflowId', 'json_quote(workflow_id)'],
  [
    'workflowVersion',
    `CASE typeof(workflow_version) WHEN 'integer' THEN CASE WHEN workflow_version ${SAFE} THEN CAST(workflow_version AS TEXT) END WHEN 'null' THEN 'null' END`,
  ],
]
  .map(([key, value], i) => `'${i === 0 ? '{' : ','}"${key}":' || ${value}`)
  .join(' || ')
  .concat(` || '}'`);

const SQL = {
  rows: `SELECT ${COLUMNS} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`,
  rowsUntil: `SELECT ${COLUMNS} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
  rendered: `SELECT seq, prev_hash, hash, actor_roles, ${SQLITE_BODY} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`,
  renderedUntil: `SELECT seq, prev_hash, hash, actor_roles, ${SQLITE_BODY} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
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
        rendered: db.prepare<[number, number], RenderedRow>(SQL.rendered).raw(true),
        renderedUntil: db.prepare<[number, number, number], RenderedRow>(SQL.renderedUntil).raw(true),
        lastUpTo: db.prepare<[number], [number, string]>(SQL.lastUpTo).raw(true),
        maxSeq: db.prepare<[], [number | null]>(SQL.maxSeq).raw(true),
      };
      sqliteStatements.set(db, prepared);
    }
    return prepared;
  };
  return {
    rows: async (after, until, limit) => (until === null ? statements().rows.all(after, limit) : statements().rowsUntil.all(after, until, limit)),
    rendered: async (after, until, limit) => (until === null ? statements().rendered.all(after, limit) : statements().renderedUntil.all(after, until, limit)),
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

/** PostgreSQL through a pg pool or client, rows as arrays, and through COPY. */
export function postgresRowSource(query: ArrayQuery, copy: CopyOut): AuditRowSource {
  const rows = numberedPlaceholders(SQL.rows);
  const rowsUntil = numberedPlaceholders(SQL.rowsUntil);
  const lastUpTo = numberedPlaceholders(SQL.lastUpTo);
  let utf8: Promise<boolean> | undefined;
  return {
    rows: async (after, until, limit) => (await (until === null ? query(rows, [after, limit]) : query(rowsUntil, [after, until, limit]))) as AuditRow[],
    copy: async function* (after, until, limit) {
      utf8 ??= query("SELECT current_setting('client_encoding')", []).then(([row]) => row?.[0] === 'UTF8');
      if (!(await utf8)) throw new Error('COPY is read as UTF-8, and the client encoding is not UTF8');
      // COPY takes no parameters: the bounds are written into the text, integers only.
      for (const n of [after, until ?? 0, limit]) if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
      const select = until === null ? `seq > ${after}` : `seq > ${after} AND seq <= ${until}`;
      yield* copy(`COPY (SELECT ${COPY_COLUMNS} FROM audit_events WHERE ${select} ORDER BY seq LIMIT ${limit}) TO STDOUT`);
    },
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

/** The chain read through the service's own connections: the better-sqlite3 connection TypeORM holds, or its pg pool (COPY on a client of it). */
export function serviceRowSource(dataSource: DataSource): AuditRowSource {
  if (dataSource.options.type === 'postgres') {
    const pool = postgresPool(dataSource);
    return postgresRowSource(
      async (text, values) => (await pool.query<unknown[]>({ text, values, rowMode: 'array' })).rows,
      (sql) => poolCopyOut(pool, sql),
    );
  }
  return sqliteRowSource(() => sqliteConnection(dataSource));
}

/** An integer column as TypeORM hydrates it: PostgreSQL's `bigint` arrives as a string. */
export function integer(value: number | string): number {
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
        parsed = { value: (typeof text === 'string' ? JSON.parse(text) : text) as string[] };
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
