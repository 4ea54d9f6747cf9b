import { sha256Hex } from '../../common/canonical-json.js';
import { GENESIS_HASH, hashRecord, type AuditRecord } from '../audit-chain.js';

/** What a hash written by `hashRecord` looks like. */
const HEX_DIGEST = /^[0-9a-f]{64}$/;

export type VerifyResult = { ok: true; events: number; headHash: string } | { ok: false; firstBadSeq: number; reason: string; events: number };

/** Walks records in seq order and reports the first one that breaks the chain. */
export class ChainVerifier {
  private count = 0;
  private failure?: { firstBadSeq: number; reason: string };
  /** Whether prevHash is a SHA-256 hex digest (the start's stored hash may be anything; a hash taken since equals a digest). */
  private prevIsDigest: boolean;

  /**
   * From the start of the chain by default; a part of the chain starts after the row before it:
   * that row's seq + 1 and its stored hash.
   */
  constructor(
    private expectedSeq = 1,
    private prevHash = GENESIS_HASH,
  ) {
    this.prevIsDigest = HEX_DIGEST.test(prevHash);
  }

  /**
   * Returns false once the chain is broken; later records are not looked at. `unreadable` names
   * why a row read from the database could not be turned into a record (it fails after the seq
   * and link checks, where its hash would have been checked).
   */
  push(record: AuditRecord, unreadable?: string): boolean {
    if (this.failure) return false;
    const fail = (reason: string) => {
      this.failure = { firstBadSeq: record.seq, reason };
      return false;
    };
    if (record.seq !== this.expectedSeq) return fail(`expected seq ${this.expectedSeq}, found ${record.seq}`);
    if (record.prevHash !== this.prevHash) return fail('prevHash does not match the hash of the previous row');
    if (unreadable !== undefined) return fail(unreadable);
    if (hashRecord(record) !== record.hash) return fail('hash does not match the row content');
    this.prevHash = record.hash;
    this.prevIsDigest = true;
    this.expectedSeq += 1;
    this.count += 1;
    return true;
  }

  /**
   * The fast path's check (see `verifyRange`): takes a row as `push` would take it when the row has
   * the expected seq, links to the previous row, and `prevHash + body` hashes to its stored hash,
   * where `body` is a canonical text the caller vouches for. Otherwise returns false having
   * recorded nothing: it never fails a row, the caller hands the row to `push`, which decides.
   */
  accept(seq: number, prevHash: unknown, hash: unknown, body: string): boolean {
    if (this.failure || seq !== this.expectedSeq || prevHash !== this.prevHash || typeof hash !== 'string') return false;
    if (sha256Hex(this.prevHash + body) !== hash) return false;
    this.prevHash = hash;
    this.prevIsDigest = true;
    this.expectedSeq += 1;
    this.count += 1;
    return true;
  }

  /**
   * `accept` for a text the caller has already encoded (the COPY fast path, `CopyBodyEncoder`):
   * `input` is the caller's bytes for `prevHash + body`, its first bytes copied from the stored
   * `prev_hash` whose Latin-1 reading is `prevHash`. Takes the row when it has the expected seq,
   * `prevHash` is the previous row's hash and that is a hex digest (ASCII, so those first bytes
   * are its UTF-8), and the SHA-256 of `input` is `hash`; otherwise returns false having recorded
   * nothing, as `accept` does.
   */
  acceptEncoded(seq: number, prevHash: string, hash: string, input: Buffer): boolean {
    if (this.failure || seq !== this.expectedSeq || prevHash !== this.prevHash || !this.prevIsDigest) return false;
    if (sha256Hex(input) !== hash) return false;
    this.prevHash = hash;
    this.expectedSeq += 1;
    this.count += 1;
    return true;
  }

  result(): VerifyResult {
    if (this.failure) return { ok: false, ...this.failure, events: this.count };
    return { ok: true, events: this.count, headHash: this.prevHash };
  }
}
