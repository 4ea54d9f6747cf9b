import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/domain-error.js';
import { WorkflowEngine } from './engine.js';
import { InstanceRuntime } from './instance-runtime.service.js';
import { isReplayable, replayChain, type ReplayDivergence } from './replay.js';
import { WorkflowRegistry } from './workflow-registry.js';
import type { InstanceState } from './workflow.types.js';

export type { ReplayDivergence } from './replay.js';

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
 * chain alone (`replayChain`, which `npm run audit:replay` runs over an export), and compares the
 * outcome with the stored row.
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
    const rows = (await this.audit.forEntity(entityId)).filter(isReplayable).map((row) => ({ ...row, payload: JSON.parse(row.payload) as unknown }));
    const chain = replayChain(this.registry, this.engine, `${kindName} ${entityId}`, rows);
    const replayed = chain.state;
    const storedState = { value: stored.state, context: stored.context };
    let divergesAt = chain.divergesAt;
    if (!divergesAt && !isDeepStrictEqual(replayed, storedState)) {
      const part = replayed.value === storedState.value ? 'context' : `state (${storedState.value}, the replay reaches ${replayed.value})`;
      divergesAt = {
        kind: 'stored',
        seq: chain.last.seq,
        action: chain.last.action,
        occurredAt: chain.last.occurredAt,
        reason: `the stored ${part} is not what the chain leaves after this event`,
      };
    }
    return { entityId, events: chain.events, replayed, stored: storedState, matches: divergesAt === undefined, ...(divergesAt && { divergesAt }) };
  }
}
