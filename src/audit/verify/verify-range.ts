import { GENESIS_HASH } from '../audit-chain.js';
import { ChainVerifier, type VerifyResult } from './chain-verifier.js';
import { CopyBodyEncoder, CopyLines, parseCopyLine } from './copy-text.js';
import { AuditRowDecoder, integer, type AuditRowSource } from './row-source.js';

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
  /** Take rows through a fast path where there is one (default); false: the JS path only. */
  fast?: boolean;
  /** Rows per COPY (default: `batch`). */
  copyBatch?: number;
  /** Told the seq of each row the fast path left to the JS path (for tests and measurements). */
  onFallback?: (seq: number) => void;
}

/**
 * Checks one part of the chain as ChainVerifier checks the whole, starting from the row before it
 * (its seq + 1 expected next, its stored hash as the next prevHash); `events` counts the part's
 * rows that verified. The JS path (AuditRowDecoder, then ChainVerifier.push, which hashes
 * `canonicalBody`) alone defines what verifies. Where the source has one, a fast path reads the
 * rows first, SQLite's text written by the SQL (`rendered`) or PostgreSQL's COPY text encoded by
 * CopyBodyEncoder: it only takes good rows sooner, and hands any other row, and the rest of its
 * batch, to the JS path. Why a row it takes is one the JS path takes: docs/audit-verification.md.
 */
export async function verifyRange(source: AuditRowSource, range: ChainRange, options: RangeOptions): Promise<VerifyResult> {
  const start = range.after > 0 ? await source.lastUpTo(range.after) : undefined;
  const verifier = start ? new ChainVerifier(start.seq + 1, start.hash) : new ChainVerifier(1, GENESIS_HASH);
  const decoder = new AuditRowDecoder();
  const roles = new CanonicalRoles();
  const copy = source.copy?.bind(source);
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
      let unreadable: boolean;
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
    for (let after = await judge(range.after, options.batch); after !== undefined; after = await judge(after, options.batch)) await options.between?.();
    return verifier.result();
  }

  let from = range.after;
  for (;;) {
    // A fast read that fails leaves the same rows to the JS path, which decides (and throws if it must).
    const rows = await rendered(from, range.until, options.batch).catch(() => null);
    if (rows === null) {
      options.onFallback?.(from);
      const last = await judge(from, options.batch);
      if (last === undefined) return verifier.result();
      from = last;
    } else {
      if (rows.length === 0) return verifier.result();
      for (let i = 0; i < rows.length; i += 1) {
        const [rawSeq, prevHash, hash, actorRoles, body] = rows[i];
        const seq = integer(rawSeq);
        // (The SQL writes no unsafe seq; isSafeInteger costs nothing and keeps that out of the argument's way.)
        if (typeof body === 'string' && Number.isSafeInteger(seq) && roles.test(actorRoles) && verifier.accept(seq, prevHash, hash, body)) {
          from = seq;
          continue;
        }
        options.onFallback?.(seq);
        const last = await judge(from, rows.length - i);
        if (last === undefined) return verifier.result();
        from = last;
        break;
      }
    }
    await options.between?.();
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
