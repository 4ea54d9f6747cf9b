import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/domain-error.js';
import { WorkflowEngine } from './engine.js';
import { InstanceRuntime } from './instance-runtime.service.js';
import { WorkflowRegistry } from './workflow-registry.js';
import type { EngineEvent, InstanceState, WorkflowContext } from './workflow.types.js';

/** The first audit row after which the replay and the record part: what it was and why they differ. */
export interface ReplayDivergence {
  /** `refused`: the workflow refuses the recorded event; `step`: the replay reaches another state than the row records; `stored`: the stored row differs. */
  kind: 'refused' | 'step' | 'stored';
  seq: number;
  action: string;
  occurredAt: string;
  reason: string;
  /** For `step`: the state the row records. */
  recordedState?: string;
}

export interface ReplayResult {
  entityId: string;
  events: number;
  replayed: InstanceState;
  stored: InstanceState;
  matches: boolean;
  divergesAt?: ReplayDivergence;
}

/**
 * Re-runs an instance's recorded events through the workflow version it runs on, from the audit
 * chain alone, and compares the outcome with the stored row.
 */
@Injectable()
export class ReplayService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly registry: WorkflowRegistry,
    private readonly engine: WorkflowEngine,
    private readonly runtime: InstanceRuntime,
  ) {}

  async replay(kindName: string, entityId: string): Promise<ReplayResult> {
    const kind = this.runtime.kind(kindName);
    const stored = await this.dataSource.manager.findOne(kind.entity, { where: { id: entityId } });
    if (!stored) throw new DomainError('NOT_FOUND', `${kindName} ${entityId} not found`);
    const rows = (await this.audit.forEntity(entityId)).filter((r) => r.outcome === 'ok' && r.workflowId !== null);
    const [created, ...transitions] = rows;
    if (!created || created.action !== 'CREATE') throw new DomainError('CONFLICT', `${kindName} ${entityId} has no CREATE row to replay from`);
    const { definition } = this.registry.get(created.workflowId as string, created.workflowVersion as number);
    const input = (JSON.parse(created.payload) as { input: { context?: WorkflowContext; at: string } }).input;
    let state: InstanceState = this.engine.start(definition, input);
    let events = 1;
    let last = created;
    let divergesAt: ReplayDivergence | undefined;
    const at = (row: typeof created, kind: ReplayDivergence['kind'], reason: string): ReplayDivergence => ({
      kind,
      seq: row.seq,
      action: row.action,
      occurredAt: row.occurredAt,
      reason,
    });
    for (const row of transitions) {
      // Detail edits are audited too, but only rows that carry an event changed the workflow state.
      const { event } = JSON.parse(row.payload) as { event?: EngineEvent };
      if (!event) continue;
      try {
        state = this.engine.send(definition, state, event);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        divergesAt = at(row, 'refused', `the workflow refuses the recorded event now: ${error.message}`);
        break;
      }
      events += 1;
      last = row;
      if (row.toState !== null && row.toState !== state.value) {
        divergesAt = { ...at(row, 'step', `the chain records ${row.toState} after this event, the replay reaches ${state.value}`), recordedState: row.toState };
        break;
      }
    }
    const replayed = { value: state.value, context: state.context };
    const storedState = { value: stored.state, context: stored.context };
    const matches = divergesAt === undefined && isDeepStrictEqual(replayed, storedState);
    if (!matches && !divergesAt) {
      const part = replayed.value === storedState.value ? 'context' : `state (${storedState.value}, the replay reaches ${replayed.value})`;
      divergesAt = at(last, 'stored', `the stored ${part} is not what the chain leaves after this event`);
    }
    return { entityId, events, replayed, stored: storedState, matches, ...(divergesAt && { divergesAt }) };
  }
}
