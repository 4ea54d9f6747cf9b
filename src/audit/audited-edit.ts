import type { EntityManager, EntityTarget } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { assertVersion, updateVersioned } from '../database/versioned-update.js';
import type { WorkflowInstance } from '../workflow-engine/instance-runtime.service.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import type { AuditEntry, AuditService } from './audit.service.js';

/** A row whose changes are counted by `version` and stamped by `updatedAt`. */
export interface VersionedRow {
  id: string;
  version: number;
  updatedAt: string;
}

/** What is edited, by whom, and which version of it the client read. */
export interface EditTarget<T extends VersionedRow> {
  entity: EntityTarget<T>;
  /** The audit row's entity type. */
  entityType: string;
  /** The row as read in this write transaction. */
  row: T;
  /** The version the client read (If-Match); undefined where the client names none. */
  expectedVersion?: number;
  actor: Actor;
  requestId?: string | null;
}

/** The audit row of an edit, but for what its target says; the payload is given the new version. */
export type EditRecord = Omit<AuditEntry, 'actor' | 'entityType' | 'entityId' | 'outcome' | 'requestId'> & { payload: Record<string, unknown> };

/**
 * The one way a version changes outside a workflow event: check the version the client read, update
 * the row `WHERE id = ? AND version = ?`, append the audit row, all in the caller's transaction.
 * The check comes first, at `beginAuditedEdit`, so a stale client hears so before any other refusal.
 */
export class AuditedEdit<T extends VersionedRow> {
  constructor(
    private readonly manager: EntityManager,
    private readonly audit: AuditService,
    private readonly target: EditTarget<T>,
  ) {}

  /** Saves `changes` (and `updatedAt`: the record's time), records the edit, and answers the row as it now stands. */
  async save(changes: Partial<T>, record: EditRecord): Promise<T> {
    const { entity, entityType, row, actor, requestId } = this.target;
    const stamped = { ...changes, updatedAt: record.occurredAt };
    const version = await updateVersioned(this.manager, entity, row.id, row.version, stamped);
    const payload = { ...record.payload, version };
    await this.audit.append(this.manager, { ...record, actor, entityType, entityId: row.id, outcome: 'ok', requestId, payload });
    return { ...row, ...stamped, version };
  }
}

/** Starts an edit of `target.row`: refuses it (412) when the client read another version. */
export function beginAuditedEdit<T extends VersionedRow>(manager: EntityManager, audit: AuditService, target: EditTarget<T>): AuditedEdit<T> {
  assertVersion(target.row.version, target.expectedVersion);
  return new AuditedEdit(manager, audit, target);
}

/** The one way a versioned row comes to be outside a workflow: inserted at version 1, its audit row (CREATE, at its `createdAt`) beside it. */
export async function insertAudited<T extends VersionedRow & { createdAt: string }>(
  manager: EntityManager,
  audit: AuditService,
  target: Omit<EditTarget<T>, 'expectedVersion'>,
  payload: Record<string, unknown>,
): Promise<T> {
  const { entity, entityType, row, actor, requestId } = target;
  await manager.insert(entity, row as QueryDeepPartialEntity<T>);
  await audit.append(manager, { occurredAt: row.createdAt, actor, action: 'CREATE', entityType, entityId: row.id, outcome: 'ok', requestId, payload });
  return row;
}

/** An edit leaves a workflow instance in its state: its audit row names that state and the definition. */
export function stateKept(row: WorkflowInstance): Pick<AuditEntry, 'fromState' | 'toState' | 'workflowId' | 'workflowVersion'> {
  return { fromState: row.state, toState: row.state, workflowId: row.workflowId, workflowVersion: row.workflowVersion };
}
