import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';
import type { VerifyResult } from './verify/chain-verifier.js';

/**
 * Signed checkpoints of the audit chain's head, shared by the service and the offline verifier.
 *
 * A hash chain alone yields to whoever holds the database: they can rewrite it from a row on and
 * hash it again, or cut its tail. A checkpoint is the service's Ed25519 signature (its key is kept
 * outside the database) over a row's seq and hash and the time it was signed: a rewritten row
 * then no longer has the hash a checkpoint signed, and a cut chain lacks a row a checkpoint names.
 *
 * What is signed: the UTF-8 bytes of the RFC 8785 JSON of
 * `{type: "partnership-engine/audit-checkpoint/v1", seq, hash, signedAt}`, that is
 * `{"hash":"<64 hex>","seq":<seq>,"signedAt":"<ISO 8601 UTC>","type":"partnership-engine/audit-checkpoint/v1"}`.
 * `signature` is the Ed25519 signature (RFC 8032) of those bytes, base64. `keyFingerprint` names
 * the key: the hex SHA-256 of its public key's DER (SubjectPublicKeyInfo), what
 * `openssl pkey -pubin -in key.pem -outform DER | sha256sum` prints.
 */
export interface Checkpoint {
  seq: number;
  hash: string;
  signedAt: string;
  keyFingerprint: string;
  signature: string;
}

export const CHECKPOINT_TYPE = 'partnership-engine/audit-checkpoint/v1';

/** The bytes a checkpoint's signature covers. */
export function checkpointMessage(checkpoint: Pick<Checkpoint, 'seq' | 'hash' | 'signedAt'>): Buffer {
  return Buffer.from(canonicalJson({ type: CHECKPOINT_TYPE, seq: checkpoint.seq, hash: checkpoint.hash, signedAt: checkpoint.signedAt }), 'utf8');
}

/** The hex SHA-256 of a public key's DER (SubjectPublicKeyInfo). */
export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** A public key that checks checkpoints, and how a person is told of it in a reason. */
export interface CheckpointKey {
  publicKey: KeyObject;
  fingerprint: string;
  /** "the service's key", "the key given". */
  name: string;
}

/** An Ed25519 public key from PEM text; throws with a message a person understands when it is not one. */
export function ed25519PublicKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error('not a public key in PEM');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`an ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  return key;
}

/** Signs row `seq` (its `hash`) at `signedAt`. */
export function signCheckpoint(privateKey: KeyObject, fingerprint: string, row: Pick<Checkpoint, 'seq' | 'hash' | 'signedAt'>): Checkpoint {
  return {
    seq: row.seq,
    hash: row.hash,
    signedAt: row.signedAt,
    keyFingerprint: fingerprint,
    signature: sign(null, checkpointMessage(row), privateKey).toString('base64'),
  };
}

/** Why a checkpoint is not the signature of `key` over its seq, hash and time, or undefined when it is. */
export function forgedCheckpoint(checkpoint: Checkpoint, key: CheckpointKey): string | undefined {
  if (checkpoint.keyFingerprint !== key.fingerprint) {
    return `checkpoint ${checkpoint.seq} was signed by another key (fingerprint ${checkpoint.keyFingerprint}); ${key.name} is ${key.fingerprint}`;
  }
  let valid = false;
  try {
    valid = verify(null, checkpointMessage(checkpoint), key.publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    // A value that is not a signature at all (e.g. a number written over it) is no valid one either.
  }
  return valid
    ? undefined
    : `checkpoint ${checkpoint.seq}, signed at ${checkpoint.signedAt}, has a signature that does not verify under ${key.name} (fingerprint ${key.fingerprint}): it was altered or forged`;
}

/** Why the chain's row `checkpoint.seq`, stored with `rowHash`, is not the row the checkpoint signed; undefined when it is. */
export function rewrittenRow(checkpoint: Checkpoint, rowHash: string, lastMatched: number | undefined): string | undefined {
  if (rowHash === checkpoint.hash) return undefined;
  const since = lastMatched === undefined ? 'from its start' : `after row ${lastMatched}, the last one a checkpoint confirms`;
  return `row ${checkpoint.seq} does not have the hash that checkpoint ${checkpoint.seq} signed at ${checkpoint.signedAt} (${checkpoint.hash}): the chain was rewritten ${since}`;
}

/** The reason for a checkpoint that names a row beyond the chain's last one. */
export function cutChain(checkpoint: Checkpoint, lastSeq: number): string {
  return `checkpoint ${checkpoint.seq}, signed at ${checkpoint.signedAt}, names row ${checkpoint.seq}, but the chain ends at row ${lastSeq}: the rows after it were cut`;
}

/** What `GET /api/audit/verify` checked of the checkpoints when the whole chain verified. */
export interface CheckpointSummary {
  checked: number;
  /** The highest seq a checkpoint names, null when there is none yet. */
  lastSeq: number | null;
}

export type AuditVerifyResult =
  { ok: true; events: number; headHash: string; checkpoints: CheckpointSummary } | { ok: false; firstBadSeq: number; reason: string; events: number };

/** The stored documents re-hashed: how many, and those whose bytes no longer have the SHA-256 they were stored under. */
export interface DocumentsVerdict {
  checked: number;
  bad: string[];
}

/**
 * What `GET /api/audit/verify` answers: the chain's verdict and the documents'. With an intact chain and a bad document it is not ok, with no row to
 * name (`firstBadSeq: null`).
 */
export type VerifyReport =
  | (Extract<AuditVerifyResult, { ok: true }> & { documents: DocumentsVerdict })
  | { ok: false; firstBadSeq: number | null; reason: string; events: number; documents: DocumentsVerdict };

/** The chain's verdict joined with the documents'. */
export function withDocuments(chain: AuditVerifyResult, documents: DocumentsVerdict): VerifyReport {
  if (!chain.ok || documents.bad.length === 0) return { ...chain, documents };
  const reason = `${documents.bad.length} of ${documents.checked} stored documents no longer have the SHA-256 they were stored under: ${documents.bad.join(', ')}`;
  return { ok: false, firstBadSeq: null, reason, events: chain.events, documents };
}

/** A checkpoint with the hash its row has in the database (null: there is no such row). */
export type CheckpointWithRow = Checkpoint & { rowHash: string | null };

/**
 * The chain's verdict (`VerifyResult`, from walking the rows) joined with the checkpoints', read
 * before the walk began: every row a checkpoint then named was already written, so an intact
 * chain reaches it. The earliest problem wins: the first checkpoint, below the chain's first bad
 * row, that is not authentic (`forged`, by seq), names a row the chain does not have, or a row
 * whose hash is not the one it signed.
 */
export function checkAgainstCheckpoints(chain: VerifyResult, checkpoints: CheckpointWithRow[], forged: Map<number, string>): AuditVerifyResult {
  /** The last row the walk took. */
  const end = chain.ok ? chain.events : chain.firstBadSeq - 1;
  const fail = (firstBadSeq: number, reason: string): AuditVerifyResult => ({ ok: false, firstBadSeq, reason, events: firstBadSeq - 1 });
  let lastMatched: number | undefined;
  for (const checkpoint of checkpoints) {
    // Past a broken row the chain's own verdict comes first.
    if (checkpoint.seq > end && !chain.ok) break;
    const forgery = forged.get(checkpoint.seq);
    if (forgery !== undefined) return fail(checkpoint.seq, forgery);
    if (checkpoint.rowHash === null || checkpoint.seq > end)
      return fail(Math.min(checkpoint.seq, end + 1), cutChain(checkpoint, Math.min(checkpoint.seq - 1, end)));
    const rewritten = rewrittenRow(checkpoint, checkpoint.rowHash, lastMatched);
    if (rewritten !== undefined) return fail(checkpoint.seq, rewritten);
    lastMatched = checkpoint.seq;
  }
  if (!chain.ok) return chain;
  return { ...chain, checkpoints: { checked: checkpoints.length, lastSeq: checkpoints.length === 0 ? null : checkpoints[checkpoints.length - 1].seq } };
}
