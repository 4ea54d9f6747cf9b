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
/**
 * First key of the PostgreSQL advisory lock that serializes appends; the second is the schema's
 * hash, so deployments that share a database in separate schemas do not wait for each other.
 */
const CHAIN_LOCK = 0x61756469;

export interface AuditSearch {
  entityId?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

/** Appends to and checks the tamper-evident audit chain. */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends one row inside the caller's write transaction, linked to the current head. On
   * PostgreSQL, where instances write concurrently, the head is read only once the transaction
   * holds the chain's lock, which it keeps until commit; a fork would also break `seq`'s primary key.
   */
  async append(manager: EntityManager, entry: AuditEntry): Promise<AuditEvent> {
    if (manager.connection.options.type === 'postgres') {
      // Outside a transaction the lock would be gone before the insert: the chain could fork.
      if (!manager.queryRunner?.isTransactionActive) throw new Error('audit rows are appended inside a write transaction');
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [CHAIN_LOCK]);
    }
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

  /** Rows matching the filters, in chain order, a page at a time. */
  async search(query: AuditSearch): Promise<{ items: AuditEvent[]; total: number }> {
    const qb = this.dataSource.getRepository(AuditEvent).createQueryBuilder('a');
    if (query.entityId) qb.andWhere('a.entity_id = :entityId', { entityId: query.entityId });
    if (query.actor) qb.andWhere('a.actor_id = :actor', { actor: query.actor });
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    if (query.outcome) qb.andWhere('a.outcome = :outcome', { outcome: query.outcome });
    if (query.from) qb.andWhere('a.occurred_at >= :from', { from: new Date(query.from).toISOString() });
    if (query.to) qb.andWhere('a.occurred_at <= :to', { to: new Date(query.to).toISOString() });
    const [items, total] = await qb
      .orderBy('a.seq', 'ASC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    return { items, total };
  }

  /** One entity's rows, oldest first. */
  forEntity(entityId: string): Promise<AuditEvent[]> {
    return this.dataSource.getRepository(AuditEvent).find({ where: { entityId }, order: { seq: 'ASC' } });
  }
}
