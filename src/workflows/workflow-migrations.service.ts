import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import { plainQuery } from '../database/plain-query.js';
import { WriteQueue } from '../database/write-queue.js';
import { WorkflowEngine } from '../workflow-engine/engine.js';
import { InstanceRuntime } from '../workflow-engine/instance-runtime.service.js';
import { migrationFate, statePathsOf, type MigrationRecord } from '../workflow-engine/migration.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import type { Actor, WorkflowContext } from '../workflow-engine/workflow.types.js';
import type { MigrationRequestDto } from './dto/migration.dto.js';

export interface MigrationItem {
  id: string;
  fromState: string;
  toState: string | null;
  ok: boolean;
  reason?: string;
}

/** How often one instance's migration is tried again when an event changed it between reading and writing. */
const ATTEMPTS = 5;

interface Candidate {
  kind: string;
  id: string;
  state: string;
  workflowVersion: number;
  workflowId: string;
  context: string;
}

/**
 * Moves running instances of a workflow from one version to a later one (SPEC "Workflows evolve"):
 * a dry run says each one's fate; the real run moves each that can move in its own transaction
 * (InstanceRuntime.migrate), so a refusal or a concurrent event touches that one only.
 */
@Injectable()
export class WorkflowMigrations {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly runtime: InstanceRuntime,
    private readonly registry: WorkflowRegistry,
    private readonly engine: WorkflowEngine,
  ) {}

  async migrate(workflowId: string, request: MigrationRequestDto, actor: Actor, requestId?: string): Promise<{ items: MigrationItem[] }> {
    const record = this.recordOf(workflowId, request);
    const candidates = await this.candidates(workflowId, record.fromVersion, request.partnershipIds);
    const items: MigrationItem[] = [];
    for (const id of request.partnershipIds ?? candidates.map((c) => c.id)) {
      const candidate = candidates.find((c) => c.id === id);
      if (!candidate) {
        items.push({ id, fromState: '', toState: null, ok: false, reason: `no ${workflowId} instance ${id}` });
        continue;
      }
      const planned = this.plan(candidate, record);
      items.push(request.dryRun || !planned.ok ? planned : await this.moveOne(candidate, record, actor, requestId));
    }
    return { items };
  }

  /** How many instances run on each version of the workflow, by version. */
  async instancesByVersion(workflowId: string): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for (const kind of this.runtime.registeredKinds()) {
      const table = this.dataSource.getMetadata(kind.entity).tableName;
      const sql = `SELECT workflow_version, COUNT(*) AS n FROM ${table} WHERE workflow_id = ? GROUP BY workflow_version`;
      for (const row of await plainQuery<{ workflow_version: number | string; n: number | string }>(this.dataSource, sql, [workflowId])) {
        const version = Number(row.workflow_version);
        counts.set(version, (counts.get(version) ?? 0) + Number(row.n));
      }
    }
    return counts;
  }

  /** What the request asks for, checked: both versions loaded, the later one last, the mapping between states they have. */
  private recordOf(workflowId: string, request: MigrationRequestDto): MigrationRecord {
    const from = this.registry.get(workflowId, request.fromVersion);
    const to = this.registry.get(workflowId, request.toVersion);
    const mapping = request.mapping ?? {};
    const errors: string[] = [];
    if (request.toVersion <= request.fromVersion) errors.push('toVersion must be a later version than fromVersion');
    const [fromStates, toStates] = [statePathsOf(from.definition), statePathsOf(to.definition)];
    for (const [old, renamed] of Object.entries(mapping)) {
      if (!fromStates.includes(old)) errors.push(`mapping names ${old}, which is not a state of ${workflowId} v${request.fromVersion}`);
      if (typeof renamed !== 'string' || !toStates.includes(renamed)) errors.push(`mapping.${old} must name a state of ${workflowId} v${request.toVersion}`);
    }
    if (errors.length > 0) throw new DomainError('VALIDATION_FAILED', errors.join('; '), { errors });
    return { workflowId, fromVersion: request.fromVersion, toVersion: request.toVersion, fromHash: from.hash, toHash: to.hash, mapping };
  }

  /** The instances of every kind that runs the workflow: those on `fromVersion`, or those named (whatever their version, so that each gets its answer). */
  private async candidates(workflowId: string, fromVersion: number, ids: string[] | undefined): Promise<Candidate[]> {
    const found: Candidate[] = [];
    for (const kind of this.runtime.registeredKinds()) {
      const table = this.dataSource.getMetadata(kind.entity).tableName;
      const select = `SELECT id, state, workflow_id, workflow_version, context FROM ${table} WHERE workflow_id = ?`;
      const rows =
        ids === undefined
          ? await plainQuery<RawRow>(this.dataSource, `${select} AND workflow_version = ? ORDER BY created_at, id`, [workflowId, fromVersion])
          : ids.length === 0
            ? []
            : await plainQuery<RawRow>(this.dataSource, `${select} AND id IN (${ids.map(() => '?').join(', ')})`, [workflowId, ...ids]);
      for (const row of rows) {
        const { id, state, context } = row;
        found.push({ kind: kind.name, id, state, context, workflowId: row.workflow_id, workflowVersion: Number(row.workflow_version) });
      }
    }
    return found;
  }

  private plan(candidate: Candidate, record: MigrationRecord): MigrationItem {
    const base = { id: candidate.id, fromState: candidate.state };
    if (candidate.workflowVersion !== record.fromVersion) {
      return { ...base, toState: null, ok: false, reason: `it runs on v${candidate.workflowVersion}, not v${record.fromVersion}` };
    }
    const from = this.registry.get(record.workflowId, record.fromVersion).definition;
    const to = this.registry.get(record.workflowId, record.toVersion).definition;
    const state = { value: candidate.state, context: JSON.parse(candidate.context) as WorkflowContext };
    const fate = migrationFate(this.engine, from, to, state, record.mapping);
    return fate.ok ? { ...base, toState: fate.toState, ok: true } : { ...base, toState: fate.toState, ok: false, reason: fate.reason };
  }

  /** One instance in its own transaction; when an event changed it meanwhile, read it again and try again. */
  private async moveOne(candidate: Candidate, record: MigrationRecord, actor: Actor, requestId?: string): Promise<MigrationItem> {
    for (let attempt = 1; ; attempt++) {
      try {
        const moved = await this.queue.run((manager) => this.runtime.migrate(manager, candidate.kind, candidate.id, record, actor, requestId));
        return { id: candidate.id, fromState: candidate.state, toState: moved.state, ok: true };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.code === 'VERSION_MISMATCH' && attempt < ATTEMPTS) continue;
        const toState = typeof error.details?.toState === 'string' ? error.details.toState : null;
        return { id: candidate.id, fromState: candidate.state, toState, ok: false, reason: error.message };
      }
    }
  }
}

interface RawRow {
  id: string;
  state: string;
  workflow_id: string;
  workflow_version: number | string;
  context: string;
}
