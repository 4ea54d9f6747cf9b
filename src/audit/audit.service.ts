import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { stringify } from 'csv-stringify';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DataSource, type EntityManager } from 'typeorm';
import { isUUID } from 'class-validator';
import { canonicalJson } from '../common/canonical-json.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import type { AppConfig } from '../config/app.config.js';
import { displayNamesOf } from '../users/display-names.js';
import { ANONYMOUS_ACTOR, SYSTEM_ACTOR, type Actor } from '../workflow-engine/workflow.types.js';
import { plainQuery } from '../database/plain-query.js';
import { transactionMemo, WriteQueue } from '../database/write-queue.js';
import { AuditEvent } from './audit-event.entity.js';
import { canonicalBodyAroundSeq, GENESIS_HASH, hashRecord, type AuditRecord } from './audit-chain.js';
import type { Checkpoint, VerifyReport } from './audit-checkpoint.js';
import { AuditCheckpointsRepository } from './audit-checkpoints.repository.js';
import { AuditSigningKey } from './audit-signing-key.js';
import { auditRowView } from './audit.view.js';
import { AuditVerifier, type VerifyTuning } from './verify/audit-verifier.js';
import { AUDIT_ROW_FIELDS } from './verify/row-source.js';

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

/** Rows per export batch (entities). */
const EXPORT_BATCH = 5000;

export type AuditExportFormat = 'jsonl' | 'csv';

/** The CSV export's columns: a row's, with the actor's name beside their id. */
const CSV_COLUMNS = [...AUDIT_ROW_FIELDS.slice(0, 3), 'actorName', ...AUDIT_ROW_FIELDS.slice(3)];

/**
 * First key of the PostgreSQL advisory lock that serializes appends; the second is the schema's
 * hash, so deployments that share a database in separate schemas do not wait for each other.
 */
const CHAIN_LOCK = 0x61756469;

/** A head left unsigned is signed once the last checkpoint is this old (SPEC: at least hourly while rows are added). */
export const CHECKPOINT_AT_LEAST_EVERY_MS = 3_600_000;

export interface AuditSearch {
  entityId?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  from?: string;
  to?: string;
  /** Chain order (`asc`, the default) or newest first. */
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

/** The last row of the chain, as a SQLite write transaction remembers it after appending. */
interface ChainHead {
  seq: number;
  hash: string;
}
const CHAIN_HEAD = 'audit chain head';

/** Appends to and checks the tamper-evident audit chain. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  private readonly checkpointEvery: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly checkpoints: AuditCheckpointsRepository,
    private readonly key: AuditSigningKey,
    private readonly verifier: AuditVerifier,
    @Inject(Clock) private readonly clock: Clock,
    config: ConfigService,
  ) {
    this.checkpointEvery = config.getOrThrow<AppConfig>('app').auditCheckpointEvery;
  }

  /**
   * Appends one row inside the caller's write transaction, linked to the current head. On
   * PostgreSQL, where instances write concurrently, the head is read only once the transaction
   * holds the chain's lock, which it keeps until commit; a fork would also break `seq`'s primary key.
   */
  async append(manager: EntityManager, entry: AuditEntry): Promise<AuditEvent> {
    const fields: Omit<AuditRecord, 'hash' | 'seq' | 'prevHash'> = {
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
    };
    const values = [
      fields.occurredAt,
      fields.actorId,
      JSON.stringify(fields.actorRoles),
      fields.action,
      fields.entityType,
      fields.entityId,
      fields.fromState,
      fields.toState,
      fields.workflowId,
      fields.workflowVersion,
      fields.outcome,
      fields.requestId,
      fields.payload,
    ];
    // Plain statements, the same text every time: TypeORM's SQLite driver writes numbers such as
    // seq into the SQL, which made every append a statement prepared anew.
    if (manager.connection.options.type === 'postgres') {
      // Outside a transaction the lock would be gone before the commit: the chain could fork.
      if (!manager.queryRunner?.isTransactionActive) throw new Error('audit rows are appended inside a write transaction');
      // Lock, head, link, hash and insert in one round trip (migration 1764320900000), from the
      // row's canonical text around its seq; the hash is then checked against the service's own rule.
      const { before, after } = canonicalBodyAroundSeq(fields);
      const [appended] = await plainQuery<{ seq: number; prev_hash: string; hash: string }>(
        manager,
        'SELECT appended_seq AS seq, appended_prev_hash AS prev_hash, appended_hash AS hash FROM audit_chain_append(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [CHAIN_LOCK, before, after, ...values],
      );
      const record = { ...fields, seq: Number(appended.seq), prevHash: appended.prev_hash };
      const hash = hashRecord(record);
      if (appended.hash !== hash) {
        throw new Error(`the database hashed audit row ${record.seq} as ${appended.hash}, the service's rule gives ${hash}: the append is rolled back`);
      }
      // Still under the chain's lock, which the transaction holds until its commit.
      if (record.seq % this.checkpointEvery === 0) await this.checkpoint(manager, record.seq, hash);
      return manager.create(AuditEvent, { ...record, hash });
    }
    // SQLite has one writer at a time (BEGIN IMMEDIATE): within a queued group the head is the row
    // the group appended last, unless a savepoint rolled that back (then the queue emptied the memo).
    const head =
      transactionMemo.get<ChainHead>(manager, CHAIN_HEAD) ??
      (await plainQuery<{ seq: number | string; hash: string }>(manager, 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1', []))[0];
    const record = { ...fields, seq: Number(head?.seq ?? 0) + 1, prevHash: head?.hash ?? GENESIS_HASH };
    const hash = hashRecord(record);
    await plainQuery(
      manager,
      `INSERT INTO audit_events (occurred_at, actor_id, actor_roles, action, entity_type, entity_id, from_state, to_state,
         workflow_id, workflow_version, outcome, request_id, payload, seq, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [...values, record.seq, record.prevHash, hash],
    );
    transactionMemo.set(manager, CHAIN_HEAD, { seq: record.seq, hash } satisfies ChainHead);
    if (record.seq % this.checkpointEvery === 0) await this.checkpoint(manager, record.seq, hash);
    return manager.create(AuditEvent, { ...record, hash });
  }

  /**
   * Signs a checkpoint of row `seq` in the transaction that holds the chain (the one appending
   * it, or `checkpointIfDue`'s under the chain's lock). A checkpoint that already names this seq
   * stays: the primary key refuses a second one, and one that names another hash means the chain
   * was cut and written again, which verify() reports; failing here would stop every write.
   */
  private async checkpoint(manager: EntityManager, seq: number, hash: string): Promise<Checkpoint | undefined> {
    const existing = await this.checkpoints.at(manager, seq);
    if (existing) {
      if (existing.hash !== hash)
        this.logger.error(`row ${seq} is not the row its checkpoint signed (the chain was cut and written again): GET /api/audit/verify says more`);
      return undefined;
    }
    const checkpoint = this.key.sign({ seq, hash, signedAt: this.clock.now().toISOString() });
    await this.checkpoints.insert(manager, checkpoint);
    return checkpoint;
  }

  /**
   * Signs the chain's head when rows were added since the last checkpoint and that one is an hour
   * old (or there is none yet), so that rows added between the every-N checkpoints are signed at
   * least hourly; the checkpoint poller calls it. On PostgreSQL it takes the chain's lock first,
   * so the head and the last checkpoint it reads are the latest committed, and of several
   * instances one signs.
   */
  async checkpointIfDue(): Promise<Checkpoint | undefined> {
    // Most ticks find nothing to sign: they stop after two reads, without a write transaction or the lock.
    if (!(await this.unsignedHead(this.dataSource))) return undefined;
    return this.queue.run(async (manager) => {
      if (this.dataSource.options.type === 'postgres') await plainQuery(manager, 'SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))', [CHAIN_LOCK]);
      const head = await this.unsignedHead(manager);
      return head && this.checkpoint(manager, head.seq, head.hash);
    });
  }

  /** The chain's head when it is past the last checkpoint and that one is an hour old (or there is none). */
  private async unsignedHead(db: DataSource | EntityManager): Promise<{ seq: number; hash: string } | undefined> {
    const [head] = await plainQuery<{ seq: number | string; hash: string }>(db, 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1', []);
    if (!head) return undefined;
    const last = await this.checkpoints.latest(db);
    if (last && (last.seq >= Number(head.seq) || this.clock.now().getTime() - Date.parse(last.signedAt) < CHECKPOINT_AT_LEAST_EVERY_MS)) return undefined;
    return { seq: Number(head.seq), hash: head.hash };
  }

  /** The public half of the key that signs checkpoints, as PEM. */
  publicKeyPem(): string {
    return this.key.publicKeyPem;
  }

  /** The checkpoints in seq order, a page at a time. */
  listCheckpoints(limit = 50, offset = 0): Promise<{ items: Checkpoint[]; total: number }> {
    return this.checkpoints.page(limit, offset);
  }

  /**
   * Checks the chain and its checkpoints (src/audit/verify/), and re-hashes the stored documents: the first row that does not verify, or the chain's
   * length and head, with the documents' verdict.
   */
  verify(tuning: Partial<VerifyTuning> = {}): Promise<VerifyReport> {
    return this.verifier.verify(tuning);
  }

  /** The chain in seq order as entities, a batch at a time, for the export. */
  async *batches(from = 0): AsyncGenerator<AuditEvent[]> {
    let after = from;
    for (;;) {
      const rows = await this.dataSource
        .getRepository(AuditEvent)
        .createQueryBuilder('a')
        .where('a.seq > :after', { after })
        .orderBy('a.seq', 'ASC')
        .limit(EXPORT_BATCH)
        .getMany();
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1].seq;
    }
  }

  /**
   * Writes the whole chain to `out`, a batch at a time, and ends it. JSONL: each row, and after a
   * row its checkpoint, if it has one; `npm run audit:verify -- <file>` checks it offline. CSV: for
   * people to read, with each actor's name beside their id, and every cell a spreadsheet would run
   * as a formula (starting with =, +, -, @, a tab or a carriage return) prefixed with a quote
   * (csv-stringify's `escape_formulas`, OWASP's rule).
   */
  async export(format: AuditExportFormat, out: Writable): Promise<void> {
    if (format === 'csv') {
      const csv = stringify({ header: true, columns: [...CSV_COLUMNS], escape_formulas: true });
      csv.pipe(out);
      for await (const batch of this.batches()) {
        const names = await displayNamesOf(
          this.dataSource,
          batch.map((row) => row.actorId),
        );
        for (const row of batch) {
          const view = auditRowView(row);
          const name = names.get(row.actorId);
          const actorName = name ? `${name.displayName} (${name.username})` : row.actorId === SYSTEM_ACTOR.id ? 'system' : '';
          if (!csv.write({ ...view, actorName, actorRoles: view.actorRoles.join(' '), payload: row.payload })) await once(csv, 'drain');
        }
      }
      csv.end();
      await once(out, 'finish');
      return;
    }
    for await (const { rows, checkpoints } of this.exportBatches()) {
      const lines: string[] = [];
      let next = 0;
      for (const row of rows) {
        lines.push(JSON.stringify(auditRowView(row)));
        if (checkpoints[next]?.seq === row.seq) lines.push(JSON.stringify({ checkpoint: checkpoints[next++] }));
      }
      // Checkpoints past the last row exported: the chain was cut below them, which the offline verifier reports.
      for (; next < checkpoints.length; next += 1) lines.push(JSON.stringify({ checkpoint: checkpoints[next] }));
      if (!out.write(lines.join('\n') + '\n')) await once(out, 'drain');
    }
    out.end();
  }

  /**
   * What the JSONL export holds: the chain a batch at a time, each with the checkpoints of its
   * rows, then any checkpoint naming a row past the last one exported. Those are read before the
   * rows, so an intact chain reaches them all: one left over means the chain was cut.
   */
  private async *exportBatches(): AsyncGenerator<{ rows: AuditEvent[]; checkpoints: Checkpoint[] }> {
    const lastCheckpoint = (await this.checkpoints.latest())?.seq ?? 0;
    let after = 0;
    for await (const rows of this.batches()) {
      const last = rows[rows.length - 1].seq;
      yield { rows, checkpoints: await this.checkpoints.between(after, last) };
      after = last;
    }
    if (lastCheckpoint > after) yield { rows: [], checkpoints: await this.checkpoints.between(after, lastCheckpoint) };
  }

  /** Rows matching the filters, in chain order or newest first, a page at a time. */
  async search(query: AuditSearch): Promise<{ items: AuditEvent[]; total: number }> {
    if (query.actor !== undefined && !(await this.isActor(query.actor))) {
      const errors = ['actor must be the id of a user, system or anonymous'];
      throw new DomainError('VALIDATION_FAILED', errors[0], { errors });
    }
    const qb = this.dataSource.getRepository(AuditEvent).createQueryBuilder('a');
    if (query.entityId) qb.andWhere('a.entity_id = :entityId', { entityId: query.entityId });
    if (query.actor) qb.andWhere('a.actor_id = :actor', { actor: query.actor });
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    if (query.outcome) qb.andWhere('a.outcome = :outcome', { outcome: query.outcome });
    if (query.from) qb.andWhere('a.occurred_at >= :from', { from: new Date(query.from).toISOString() });
    if (query.to) qb.andWhere('a.occurred_at <= :to', { to: new Date(query.to).toISOString() });
    const [items, total] = await qb
      .orderBy('a.seq', query.order === 'desc' ? 'DESC' : 'ASC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    return { items, total };
  }

  /** Every action the chain holds, for a search form's list: one read of the table (auditors' pages only). */
  async actions(): Promise<string[]> {
    const rows = await plainQuery<{ action: string }>(this.dataSource, 'SELECT DISTINCT action FROM audit_events ORDER BY action', []);
    return rows.map((row) => row.action);
  }

  /** Whether an audit row can name `id` as its actor: the timers' `system`, or a user. */
  private async isActor(id: string): Promise<boolean> {
    if (id === SYSTEM_ACTOR.id || id === ANONYMOUS_ACTOR.id) return true;
    return isUUID(id) && (await plainQuery(this.dataSource, 'SELECT 1 AS found FROM users WHERE id = ?', [id])).length > 0;
  }

  /** The rows of these entities (an instance and those it owns), oldest first, a page at a time through the entity index, with their total. */
  async forEntities(entityIds: string[], page: { limit: number; offset: number }): Promise<{ items: AuditEvent[]; total: number }> {
    const [items, total] = await this.dataSource
      .getRepository(AuditEvent)
      .createQueryBuilder('a')
      .where('a.entity_id IN (:...entityIds)', { entityIds })
      .orderBy('a.seq', 'ASC')
      .limit(page.limit)
      .offset(page.offset)
      .getManyAndCount();
    return { items, total };
  }

  /** The distinct steps (from state, to state) of an entity's accepted rows: what its diagram highlights, however long its history. */
  async stepsOf(entityId: string): Promise<Array<{ from: string | null; to: string | null }>> {
    const rows = await plainQuery<{ from_state: string | null; to_state: string | null }>(
      this.dataSource,
      "SELECT DISTINCT from_state, to_state FROM audit_events WHERE entity_id = ? AND outcome = 'ok'",
      [entityId],
    );
    return rows.map((row) => ({ from: row.from_state, to: row.to_state }));
  }

  /** One entity's rows, oldest first: all of them, for a replay. */
  forEntity(entityId: string): Promise<AuditEvent[]> {
    return this.dataSource.getRepository(AuditEvent).find({ where: { entityId }, order: { seq: 'ASC' } });
  }
}
