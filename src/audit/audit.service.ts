import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { canonicalJson } from '../common/canonical-json.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { AuditEvent } from './audit-event.entity.js';
import { ChainVerifier, GENESIS_HASH, hashRecord, type AuditRecord, type VerifyResult } from './audit-chain.js';

export interface AuditEntry {
  occurredAt: string;
  actor: Actor;
  action: string;
  entityType: string;
  entityId: string;
  fromState?: string | null;
  toState?: string | null;
  workflowId?: string | null;
  workflowVersion?: number | null;
  outcome: 'ok' | 'denied';
  requestId?: string | null;
  payload?: Record<string, unknown>;
}

const VERIFY_BATCH = 5000;

/** Appends to and checks the tamper-evident audit chain. */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends one row inside the caller's write transaction, linked to the current head. */
  async append(manager: EntityManager, entry: AuditEntry): Promise<AuditEvent> {
    const head = await manager
      .createQueryBuilder(AuditEvent, 'a')
      .select(['a.seq', 'a.hash'])
      .orderBy('a.seq', 'DESC')
      .limit(1)
      .getOne();
    const unhashed: Omit<AuditRecord, 'hash'> = {
      seq: (head?.seq ?? 0) + 1,
      occurredAt: entry.occurredAt,
      actorId: entry.actor.id,
      actorRoles: [...entry.actor.roles].sort(),
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      fromState: entry.fromState ?? null,
      toState: entry.toState ?? null,
      workflowId: entry.workflowId ?? null,
      workflowVersion: entry.workflowVersion ?? null,
      outcome: entry.outcome,
      requestId: entry.requestId ?? null,
      payload: canonicalJson(entry.payload ?? {}),
      prevHash: head?.hash ?? GENESIS_HASH,
    };
    const row = manager.create(AuditEvent, { ...unhashed, hash: hashRecord(unhashed) });
    await manager.insert(AuditEvent, row);
    return row;
  }

  /** Walks the whole chain in seq order, in batches, and names the first row that does not verify. */
  async verify(): Promise<VerifyResult> {
    const verifier = new ChainVerifier();
    for await (const batch of this.batches()) {
      for (const record of batch) if (!verifier.push(record)) return verifier.result();
    }
    return verifier.result();
  }

  /** The chain in seq order, a batch at a time, for verification and export. */
  async *batches(from = 0): AsyncGenerator<AuditEvent[]> {
    let after = from;
    for (;;) {
      const rows = await this.dataSource
        .getRepository(AuditEvent)
        .createQueryBuilder('a')
        .where('a.seq > :after', { after })
        .orderBy('a.seq', 'ASC')
        .limit(VERIFY_BATCH)
        .getMany();
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1].seq;
    }
  }

  /** One entity's rows, oldest first. */
  forEntity(entityId: string): Promise<AuditEvent[]> {
    return this.dataSource.getRepository(AuditEvent).find({ where: { entityId }, order: { seq: 'ASC' } });
  }
}
