import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager, type EntityTarget } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import { addDaysToDate, dateOf } from '../common/dates.js';
import { WriteQueue } from '../database/write-queue.js';
import { Organization } from '../organizations/organization.entity.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { User } from '../users/user.entity.js';
import { WorkflowEngine } from '../workflow-engine/engine.js';
import { InstanceRuntime, type EventInput, type SendOutcome } from '../workflow-engine/instance-runtime.service.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import type { CreateFollowUpDto, ListFollowUpsQueryDto } from './dto/follow-up.dto.js';
import { Engagement } from './engagement.entity.js';
import { FOLLOW_UP_KIND, FOLLOW_UP_WORKFLOW, FollowUp } from './follow-up.entity.js';

/** The role its owner holds towards a follow-up, beside their own: the workflow lets `owner` complete, cancel and reopen it. */
export const OWNER_ROLE = 'owner';
/** The states of a follow-up still to be done. */
export const OPEN_FOLLOW_UP_STATES = ['open'];
/** How many follow-ups an engagement's view lists: a meeting leaves a handful. */
const FOLLOW_UPS_SHOWN = 200;

/** A follow-up as the API shows it. */
export function followUpView(row: FollowUp) {
  const c = row.context;
  return {
    id: row.id,
    engagementId: row.engagementId,
    title: row.title,
    ownerId: row.ownerId,
    dueOn: row.dueOn,
    organizationId: row.organizationId,
    partnershipId: row.partnershipId,
    state: row.state,
    overdue: row.overdue,
    completions: (c.completions as unknown[] | undefined) ?? [],
    cancellation: c.cancellation ?? null,
    reopenings: (c.reopenings as unknown[] | undefined) ?? [],
    version: row.version,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * Follow-ups: instances of the `follow-up` workflow, run by the same runtime, events endpoint,
 * audit chain and durable timers as partnerships and occurrences. Their owner sends events in the
 * role `owner`, which the runtime adds to their own for this one instance.
 */
@Injectable()
export class FollowUpsService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly runtime: InstanceRuntime,
    private readonly engine: WorkflowEngine,
  ) {}

  onModuleInit(): void {
    this.runtime.registerKind<FollowUp>({
      name: FOLLOW_UP_KIND,
      entity: FollowUp,
      rolesOf: (row, actor) => (row.ownerId === actor.id ? [OWNER_ROLE] : []),
      mirror: (_state, context) => ({ overdue: context.overdue === true }),
    });
  }

  create(engagementId: string, input: CreateFollowUpDto, actor: Actor, requestId?: string): Promise<FollowUp> {
    return this.queue.run(async (manager) => {
      if (!(await manager.existsBy(Engagement, { id: engagementId }))) throw new DomainError('NOT_FOUND', `engagement ${engagementId} not found`);
      if (!(await manager.existsBy(User, { id: input.ownerId, active: true }))) throw new DomainError('NOT_FOUND', `no active user ${input.ownerId}`);
      if (input.organizationId) await this.mustExist(manager, Organization, input.organizationId, 'organization');
      if (input.partnershipId) await this.mustExist(manager, Partnership, input.partnershipId, 'partnership');
      const at = this.runtime.now();
      return this.runtime.create<FollowUp>(
        manager,
        FOLLOW_UP_KIND,
        FOLLOW_UP_WORKFLOW,
        {
          engagementId,
          title: input.title.trim(),
          ownerId: input.ownerId,
          dueOn: input.dueOn,
          organizationId: input.organizationId ?? null,
          partnershipId: input.partnershipId ?? null,
          overdue: false,
          createdBy: actor.id,
          createdAt: at,
        },
        { actor, requestId, context: { dueOn: input.dueOn } },
      );
    });
  }

  async get(id: string): Promise<FollowUp> {
    const row = await this.dataSource.manager.findOne(FollowUp, { where: { id } });
    if (!row) throw new DomainError('NOT_FOUND', `follow-up ${id} not found`);
    return row;
  }

  /**
   * Soonest due first, a bounded page at a time. The total comes from `follow_up_counts` (kept by
   * triggers, see FollowUpCounts1764330600000), so it does not grow with what an owner owes; an
   * engagement's follow-ups, a handful, are counted where they are.
   */
  async list(query: ListFollowUpsQueryDto): Promise<{ items: FollowUp[]; total: number }> {
    const qb = this.dataSource.getRepository(FollowUp).createQueryBuilder('f');
    if (query.ownerId) qb.andWhere('f.owner_id = :ownerId', { ownerId: query.ownerId });
    if (query.state) qb.andWhere('f.state = :state', { state: query.state });
    if (query.overdue !== undefined) qb.andWhere('f.overdue = :overdue', { overdue: query.overdue });
    if (query.engagementId) qb.andWhere('f.engagement_id = :engagementId', { engagementId: query.engagementId });
    const total = query.engagementId ? await qb.getCount() : await this.counted(query);
    const offset = query.offset ?? 0;
    if (offset >= total) return { items: [], total };
    const items = await qb
      .orderBy('f.due_on', 'ASC')
      .addOrderBy('f.id', 'ASC')
      .take(query.limit ?? 50)
      .skip(offset)
      .getMany();
    return { items, total };
  }

  /** How many follow-ups pass the owner, state and overdue filters, summed from their counters. */
  private async counted(query: ListFollowUpsQueryDto): Promise<number> {
    const qb = this.dataSource.createQueryBuilder().select('SUM(c.n)', 'n').from('follow_up_counts', 'c');
    if (query.ownerId) qb.andWhere('c.owner_id = :ownerId', { ownerId: query.ownerId });
    if (query.state) qb.andWhere('c.state = :state', { state: query.state });
    if (query.overdue !== undefined) qb.andWhere('c.overdue = :overdue', { overdue: query.overdue });
    const row = await qb.getRawOne<{ n: number | string | null }>();
    return Number(row?.n ?? 0);
  }

  /** An engagement's follow-ups, soonest due first. */
  forEngagement(engagementId: string, manager = this.dataSource.manager): Promise<FollowUp[]> {
    return manager.find(FollowUp, { where: { engagementId }, order: { dueOn: 'ASC', id: 'ASC' }, take: FOLLOW_UPS_SHOWN });
  }

  /** The open follow-ups `ownerId` owns whose due date has come or comes within `days`, soonest first, at most `limit`, with their total. */
  async dueFor(ownerId: string, days: number, limit: number): Promise<{ items: FollowUp[]; total: number }> {
    const horizon = addDaysToDate(dateOf(this.runtime.now()), days);
    const [items, total] = await this.dataSource
      .getRepository(FollowUp)
      .createQueryBuilder('f')
      .where('f.owner_id = :ownerId AND f.state IN (:...states) AND f.due_on <= :horizon', { ownerId, states: OPEN_FOLLOW_UP_STATES, horizon })
      .orderBy('f.due_on', 'ASC')
      .addOrderBy('f.id', 'ASC')
      .take(limit)
      .getManyAndCount();
    return { items, total };
  }

  send(id: string, input: EventInput): Promise<SendOutcome<FollowUp>> {
    return this.runtime.send<FollowUp>(FOLLOW_UP_KIND, id, input);
  }

  dryRun(id: string, input: EventInput): Promise<SendOutcome<FollowUp>> {
    return this.runtime.dryRun<FollowUp>(FOLLOW_UP_KIND, id, input);
  }

  /** What `actor` may send now, the owner's role included; none while its definition has changed since it started. */
  availableEvents(row: FollowUp, actor: Actor): string[] {
    const definition = this.runtime.readableDefinitionOf(row);
    if (!definition) return [];
    const roles = row.ownerId === actor.id ? [...actor.roles, OWNER_ROLE] : actor.roles;
    return this.engine.availableEvents(definition, { value: row.state, context: row.context }, { id: actor.id, roles });
  }

  eventsRefused(row: FollowUp): string | undefined {
    return this.runtime.definitionChange(row);
  }

  private async mustExist(manager: EntityManager, entity: EntityTarget<{ id: string }>, id: string, noun: string): Promise<void> {
    if (!(await manager.existsBy(entity, { id }))) throw new DomainError('NOT_FOUND', `${noun} ${id} not found`);
  }
}
