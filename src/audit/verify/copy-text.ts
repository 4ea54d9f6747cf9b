import { isUtf8 } from 'node:buffer';
import { finished } from 'node:stream/promises';
import type { ClientBase, Pool } from 'pg';
import pgCopy from 'pg-copy-streams';
import type { AuditRow } from './row-source.js';

/**
 * Reading the audit chain from PostgreSQL with `COPY (SELECT …) TO STDOUT` (text format) instead
 * of row-by-row protocol messages: both carry each value as its output function writes it, but
 * COPY's tab-separated lines can be read straight from the bytes, where pg makes a string of every
 * field. Two readers of a line: `parseCopyLine`, the JS path's (the row pg would have given), and
 * `CopyBodyEncoder`, the fast path's (the bytes the JS path would hash, or nothing). Why each reads
 * what the JS path reads, and why PostgreSQL does not hash the rows itself: docs/audit-verification.md.
 */

/**
 * The text `sql`'s COPY writes, chunk by chunk, on `client`. When the consumer stops early, the
 * rest is read and dropped before the generator returns: a COPY left half-read would hold the
 * connection (pg-copy-streams stops reading the socket) and every later query on it would wait
 * forever. So keep a COPY that may be left early short (a `LIMIT`).
 */
export async function* copyOut(client: ClientBase, sql: string): AsyncGenerator<Buffer> {
  const stream = client.query(pgCopy.to(sql));
  let ended = false;
  try {
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
    ended = true;
  } finally {
    if (!ended && !stream.destroyed) {
      stream.resume();
      await finished(stream).catch(() => undefined);
    }
  }
}

/** `copyOut` on a client of `pool`, released when done (and discarded if the COPY failed). */
export async function* poolCopyOut(pool: Pool, sql: string): AsyncGenerator<Buffer> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    yield* copyOut(client, sql);
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(failure);
  }
}

/**
 * The columns a COPY of the chain selects, in this order: `prev_hash` first and then the hashed
 * fields in the order `canonicalBody` writes them (RFC 8785: keys sorted by UTF-16 code units), so
 * that the fast path writes its output in one pass over the line; `hash` last.
 */
export const COPY_COLUMNS =
  'prev_hash, action, actor_id, actor_roles, entity_id, entity_type, from_state, occurred_at, outcome, payload, request_id, seq, to_state, workflow_id, workflow_version, hash';
const FIELDS = 16;
/** For each AuditRow index (row-source.ts' COLUMNS order), its index in COPY_COLUMNS. */
const ROW_FROM_COPY = [11, 7, 2, 3, 1, 5, 4, 6, 12, 13, 14, 8, 10, 9, 0, 15];

/** PostgreSQL's COPY text escapes (`CopyAttributeOutText`): the characters below U+0020 it names, and the backslash. */
const UNESCAPE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/**
 * A COPY text field as the protocol would give it: `\N` is null, `\b \f \n \r \t \v \\` the
 * character they stand for. COPY writes nothing else after a backslash, so anything else
 * (including `\N` within a field, or a trailing backslash) is not COPY's text: undefined.
 */
export function copyField(text: string): string | null | undefined {
  if (text === '\\N') return null;
  let backslash = text.indexOf('\\');
  if (backslash === -1) return text;
  let value = '';
  let from = 0;
  do {
    const character = UNESCAPE[text.charAt(backslash + 1)];
    if (character === undefined) return undefined;
    value += text.slice(from, backslash) + character;
    from = backslash + 2;
    backslash = text.indexOf('\\', from);
  } while (backslash !== -1);
  return value + text.slice(from);
}

/**
 * The JS path's reading of one line of a COPY of COPY_COLUMNS (`buffer[start, end)`, without its
 * newline): the row pg would have given for the same SELECT of row-source.ts' COLUMNS, every value
 * as text (an integer column's digits, which `AuditRowDecoder` turns into a number as it does
 * pg's int8 strings) or null; undefined when the line is not COPY's text.
 */
export function parseCopyLine(buffer: Buffer, start: number, end: number): AuditRow | undefined {
  const text = buffer.toString('utf8', start, end);
  const fields = text.split('\t');
  if (fields.length !== FIELDS) return undefined;
  const row = new Array<string | null>(FIELDS);
  for (let i = 0; i < FIELDS; i += 1) {
    const value = copyField(fields[ROW_FROM_COPY[i]]);
    // A carriage return is always escaped by COPY, newlines and tabs are split on.
    if (value === undefined || fields[ROW_FROM_COPY[i]].includes('\r')) return undefined;
    row[i] = value;
  }
  return row as AuditRow;
}

/**
 * Splits COPY text into lines across chunks. `lines` calls `line(buffer, start, end)` for each
 * complete line (`end`: its newline) and stops when that returns anything but `undefined`,
 * returning it; a line begun in one chunk is completed with the next.
 */
export class CopyLines {
  private partial: Buffer | undefined;

  /** Whether the text so far ended in the middle of a line (at the end of the COPY: not COPY's text). */
  get pending(): boolean {
    return this.partial !== undefined;
  }

  lines<T>(chunk: Buffer, line: (buffer: Buffer, start: number, end: number) => T | undefined): T | undefined {
    let start = 0;
    if (this.partial) {
      const newline = chunk.indexOf(10);
      if (newline === -1) {
        this.partial = Buffer.concat([this.partial, chunk]);
        return undefined;
      }
      const joined = Buffer.concat([this.partial, chunk.subarray(0, newline + 1)]);
      this.partial = undefined;
      const stop = line(joined, 0, joined.length - 1);
      if (stop !== undefined) return stop;
      start = newline + 1;
    }
    for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
      const stop = line(chunk, start, end);
      if (stop !== undefined) return stop;
      start = end + 1;
    }
    if (start < chunk.length) this.partial = Buffer.from(chunk.subarray(start));
    return undefined;
  }
}

/** Byte classes of COPY text in a string field. */
const PLAIN = 0;
const TAB = 1;
const NEWLINE = 2;
const QUOTE = 3;
const BACKSLASH = 4;
const CONTROL = 5;
const DECLINE = 6;
const LEAD2 = 7;
const LEAD_E0 = 8;
const LEAD3 = 9;
const LEAD_ED = 10;
const LEAD_F0 = 11;
const LEAD4 = 12;
const LEAD_F4 = 13;
const CLASS = new Uint8Array(256).fill(DECLINE);
for (let b = 0x20; b < 0x80; b += 1) CLASS[b] = PLAIN;
// COPY writes these below U+0020 as-is; JSON.stringify writes them as \u00xx. NUL is in no PostgreSQL text.
for (let b = 0x01; b < 0x20; b += 1) CLASS[b] = CONTROL;
// COPY escapes backspace, tab, newline, vertical tab, form feed and carriage return: raw, they are not COPY's text (tab and newline separate).
for (const b of [0x08, 0x0b, 0x0c, 0x0d]) CLASS[b] = DECLINE;
CLASS[0x09] = TAB;
CLASS[0x0a] = NEWLINE;
CLASS[0x22] = QUOTE;
CLASS[0x5c] = BACKSLASH;
for (let b = 0xc2; b <= 0xdf; b += 1) CLASS[b] = LEAD2;
CLASS[0xe0] = LEAD_E0;
for (let b = 0xe1; b <= 0xef; b += 1) CLASS[b] = LEAD3;
CLASS[0xed] = LEAD_ED;
CLASS[0xf0] = LEAD_F0;
for (let b = 0xf1; b <= 0xf3; b += 1) CLASS[b] = LEAD4;
CLASS[0xf4] = LEAD_F4;
// The rest (0x80–0xc1, 0xf5–0xff) never starts a valid UTF-8 sequence: DECLINE.

/** What JSON.stringify writes for a COPY escape `\x` (the escaped character's JSON), by the byte x; 0 where COPY has no such escape. */
const ESCAPED = new Map<number, string>([
  [0x62, '\\b'], // \b backspace
  [0x66, '\\f'], // \f form feed
  [0x6e, '\\n'], // \n newline
  [0x72, '\\r'], // \r carriage return
  [0x74, '\\t'], // \t tab
  [0x76, '\\u000b'], // \v vertical tab: JSON.stringify has no short form for it
  [0x5c, '\\\\'], // \\ backslash
]);
const ESCAPED_BYTES: Array<Uint8Array | undefined> = Array.from({ length: 256 }, (_, b) => {
  const text = ESCAPED.get(b);
  return text === undefined ? undefined : Buffer.from(text, 'latin1');
});
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** The key before each field of COPY_COLUMNS in the canonical text (none before prev_hash and hash, which are not in it). */
const KEYS = [
  '',
  '{"action":',
  ',"actorId":',
  ',"actorRoles":',
  ',"entityId":',
  ',"entityType":',
  ',"fromState":',
  ',"occurredAt":',
  ',"outcome":',
  ',"payload":',
  ',"requestId":',
  ',"seq":',
  ',"toState":',
  ',"workflowId":',
  ',"workflowVersion":',
  '}',
].map((key) => Buffer.from(key, 'latin1'));
const NULL = Buffer.from('null', 'latin1');
/** Where the fields of COPY_COLUMNS are that are not strings. */
const ROLES = 3;
const SEQ = 11;
const WORKFLOW_VERSION = 14;
const HASH = 15;

/** The line's values the fast path hands to `ChainVerifier.acceptEncoded` with the bytes it wrote. */
export interface EncodedLine {
  seq: number;
  prevHash: string;
  hash: string;
  /** `prevHash` + the canonical body, as UTF-8: a view of the encoder's buffer, valid until the next line. */
  input: Buffer;
}

/**
 * The fast path over COPY text: for a line of a COPY of COPY_COLUMNS, writes the UTF-8 bytes of
 * `prevHash + canonicalBody(row)` for the row `parseCopyLine` reads from it, straight from the
 * line's bytes, or declines (undefined) where it cannot vouch for that. It only ever declines:
 * the caller then has the line read by `parseCopyLine` and judged by `ChainVerifier.push`.
 */
export class CopyBodyEncoder {
  private out = Buffer.allocUnsafe(4096);
  /** The last roles field's bytes and what was written for it (undefined: declined). */
  private lastRoles = Buffer.alloc(0);
  private lastRolesText: Buffer | undefined;
  private readonly roles = new Map<string, Buffer | undefined>();

  constructor(private readonly canonicalRoles: (text: string) => boolean) {}

  encode(line: Buffer, start: number, end: number): EncodedLine | undefined {
    // The longest output: every byte a control character, six bytes each, plus the keys.
    if (this.out.length < 6 * (end - start) + 512) this.out = Buffer.allocUnsafe(6 * (end - start) + 4096);
    const out = this.out;
    let o = 0;
    let p = start;
    let seq = 0;
    let prevHash = '';
    let hashFrom = end;
    for (let field = 0; field < FIELDS; field += 1) {
      const key = KEYS[field];
      for (let k = 0; k < key.length; k += 1) out[o++] = key[k];
      const from = p;
      if (field === 0 || field === HASH) {
        // prev_hash, hash: their bytes as they are (see above: accepted only when they are the expected ASCII).
        while (p < end && line[p] !== 9) p += 1;
        if ((p === end) !== (field === HASH)) return undefined;
        if (field === HASH) hashFrom = from;
        else {
          prevHash = line.toString('latin1', from, p);
          for (let i = from; i < p; i += 1) out[o++] = line[i];
        }
      } else if (field === SEQ || field === WORKFLOW_VERSION) {
        if (field === WORKFLOW_VERSION && line[p] === 0x5c && line[p + 1] === 0x4e && line[p + 2] === 9) {
          for (let k = 0; k < 4; k += 1) out[o++] = NULL[k];
          p += 2;
        } else {
          const negative = line[p] === 0x2d;
          if (negative) out[o++] = line[p++];
          const digits = p;
          let value = 0;
          while (line[p] >= 0x30 && line[p] <= 0x39) {
            value = value * 10 + (line[p] - 0x30);
            out[o++] = line[p++];
          }
          const count = p - digits;
          if (line[p] !== 9 || count === 0 || count > 15 || (line[digits] === 0x30 && (count > 1 || negative))) return undefined;
          if (field === SEQ) seq = negative ? -value : value;
        }
      } else if (field === ROLES) {
        while (p < end && line[p] !== 9) p += 1;
        if (p === end) return undefined;
        const text = this.rolesText(line, from, p);
        if (text === undefined) return undefined;
        for (let k = 0; k < text.length; k += 1) out[o++] = text[k];
      } else if (line[p] === 0x5c && line[p + 1] === 0x4e && line[p + 2] === 9) {
        for (let k = 0; k < 4; k += 1) out[o++] = NULL[k];
        p += 2;
      } else {
        out[o++] = 0x22;
        for (;;) {
          let b = line[p];
          let kind = CLASS[b];
          while (kind === PLAIN) {
            out[o++] = b;
            b = line[++p];
            kind = CLASS[b];
          }
          if (kind === TAB) {
            break;
          } else if (kind === QUOTE) {
            out[o++] = 0x5c;
            out[o++] = 0x22;
            p += 1;
          } else if (kind === BACKSLASH) {
            const escaped = ESCAPED_BYTES[line[p + 1]];
            if (escaped === undefined) return undefined;
            for (let k = 0; k < escaped.length; k += 1) out[o++] = escaped[k];
            p += 2;
          } else if (kind === CONTROL) {
            out[o++] = 0x5c;
            out[o++] = 0x75;
            out[o++] = 0x30;
            out[o++] = 0x30;
            out[o++] = HEX[b >> 4];
            out[o++] = HEX[b & 15];
            p += 1;
          } else {
            // UTF-8 (RFC 3629's well-formed sequences: no overlong form, no surrogate, nothing above U+10FFFF), or declined.
            const length = sequenceLength(kind, line[p + 1]);
            if (length === 0) return undefined;
            for (let k = 2; k < length; k += 1) if ((line[p + k] & 0xc0) !== 0x80) return undefined;
            for (let k = 0; k < length; k += 1) out[o++] = line[p + k];
            p += length;
          }
        }
        out[o++] = 0x22;
      }
      // The tab after the field (the line's end after hash).
      p += 1;
    }
    // Past `end`: a newline within a field (the loop above stops only at a tab) or a field too many.
    if (p !== end + 1) return undefined;
    return { seq, prevHash, hash: line.toString('latin1', hashFrom, end), input: out.subarray(0, o) };
  }

  /** The bytes to write for a roles field: its own, when they are valid UTF-8, unescaped, and canonical roles text; undefined otherwise. */
  private rolesText(line: Buffer, from: number, to: number): Buffer | undefined {
    const last = this.lastRoles;
    if (last.length === to - from) {
      let same = true;
      for (let i = 0; i < last.length; i += 1) {
        if (last[i] !== line[from + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastRolesText;
    }
    const key = line.toString('latin1', from, to);
    let text = this.roles.get(key);
    if (text === undefined && !this.roles.has(key)) {
      const bytes = line.subarray(from, to);
      // Valid UTF-8 (so decoded exactly, as `parseCopyLine` decodes it), COPY escapes undone, not null: the stored text, written as its UTF-8.
      const value = isUtf8(bytes) ? copyField(bytes.toString('utf8')) : undefined;
      text = typeof value === 'string' && this.canonicalRoles(value) ? Buffer.from(value, 'utf8') : undefined;
      // Bounded: a chain written by the service has a handful of role sets.
      if (this.roles.size >= 1000) this.roles.clear();
      this.roles.set(key, text);
    }
    this.lastRoles = Buffer.from(line.subarray(from, to));
    this.lastRolesText = text;
    return text;
  }
}

/** The length of the UTF-8 sequence that starts with a lead byte of `kind` and continues with `second`, or 0 when it is not well-formed. */
function sequenceLength(kind: number, second: number): number {
  const continuation = second >= 0x80 && second <= 0xbf;
  switch (kind) {
    case LEAD2:
      return continuation ? 2 : 0;
    case LEAD_E0:
      return second >= 0xa0 && second <= 0xbf ? 3 : 0;
    case LEAD3:
      return continuation ? 3 : 0;
    case LEAD_ED:
      return second >= 0x80 && second <= 0x9f ? 3 : 0;
    case LEAD_F0:
      return second >= 0x90 && second <= 0xbf ? 4 : 0;
    case LEAD4:
      return continuation ? 4 : 0;
    case LEAD_F4:
      return second >= 0x80 && second <= 0x8f ? 4 : 0;
    default:
      return 0;
  }
}
