import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/domain-error.js';
import { WorkflowEngine } from './engine.js';
import { InstanceRuntime } from './instance-runtime.service.js';
import { WorkflowRegistry } from './workflow-registry.js';
import type { EngineEvent, InstanceState, WorkflowContext } from './workflow.types.js';

export interface ReplayResult {
  entityId: string;
  events: number;
  replayed: InstanceState;
  stored: InstanceState;
  matches: boolean;
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
    for (const row of transitions) {
      // Detail edits are audited too, but only rows that carry an event changed the workflow state.
      const { event } = JSON.parse(row.payload) as { event?: EngineEvent };
      if (!event) continue;
      state = this.engine.send(definition, state, event);
      events += 1;
    }
    const replayed = { value: state.value, context: state.context };
    const storedState = { value: stored.state, context: stored.context };
    return {
      entityId,
      events,
      replayed,
      stored: storedState,
      matches: isDeepStrictEqual(replayed, storedState),
    };
  }
}
