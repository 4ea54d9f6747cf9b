import { canonicalJson, sha256Hex } from '../common/canonical-json.js';

/**
 * The hash rule of the audit chain, shared by the service and the offline verifier:
 * `hash = sha256(prevHash + canonical JSON of the row without its hash)`, where `payload` is the
 * canonical JSON text of the event payload.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecord {
  seq: number;
  occurredAt: string;
  actorId: string;
  actorRoles: string[];
  action: string;
  entityType: string;
  entityId: string;
  fromState: string | null;
  toState: string | null;
  workflowId: string | null;
  workflowVersion: number | null;
  outcome: string;
  requestId: string | null;
  payload: string;
  prevHash: string;
  hash: string;
}

export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  const { prevHash, ...body } = record;
  return sha256Hex(
    prevHash +
      canonicalJson({
        seq: body.seq,
        occurredAt: body.occurredAt,
        actorId: body.actorId,
        actorRoles: body.actorRoles,
        action: body.action,
        entityType: body.entityType,
        entityId: body.entityId,
        fromState: body.fromState,
        toState: body.toState,
        workflowId: body.workflowId,
        workflowVersion: body.workflowVersion,
        outcome: body.outcome,
        requestId: body.requestId,
        payload: body.payload,
      }),
  );
}

export type VerifyResult = { ok: true; events: number; headHash: string } | { ok: false; firstBadSeq: number; reason: string; events: number };

/** Walks records in seq order and reports the first one that breaks the chain. */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private count = 0;
  private failure?: { firstBadSeq: number; reason: string };

  /** Returns false once the chain is broken; later records are not looked at. */
  push(record: AuditRecord): boolean {
    if (this.failure) return false;
    const fail = (reason: string) => {
      this.failure = { firstBadSeq: record.seq, reason };
      return false;
    };
    if (record.seq !== this.expectedSeq) return fail(`expected seq ${this.expectedSeq}, found ${record.seq}`);
    if (record.prevHash !== this.prevHash) return fail('prevHash does not match the hash of the previous row');
    if (hashRecord(record) !== record.hash) return fail('hash does not match the row content');
    this.prevHash = record.hash;
    this.expectedSeq += 1;
    this.count += 1;
    return true;
  }

  result(): VerifyResult {
    if (this.failure) return { ok: false, ...this.failure, events: this.count };
    return { ok: true, events: this.count, headHash: this.prevHash };
  }
}
