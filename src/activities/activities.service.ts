import { Injectable, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, In, type EntityManager } from 'typeorm';
import { Organization } from '../organizations/organization.entity.js';
import { addDaysToDate, dateOf } from '../common/dates.js';
import { DomainError } from '../common/domain-error.js';
import { AuditService } from '../audit/audit.service.js';
import { beginAuditedEdit, stateKept } from '../audit/audited-edit.js';
import { plainQuery } from '../database/plain-query.js';
import { WriteQueue } from '../database/write-queue.js';
import { MAX_ACTIVITY_SERIES } from '../partnerships/dto/partnership.dto.js';
import { Partnership, PARTNERSHIP_KIND, type ProposedActivity } from '../partnerships/partnership.entity.js';
import { isWithin, occurrenceStates } from '../workflow-engine/definition-facts.js';
import { WorkflowEngine } from '../workflow-engine/engine.js';
import { InstanceRuntime, type EventInput, type SendOutcome, type WorkflowInstance } from '../workflow-engine/instance-runtime.service.js';
import type { Actor, EngineEvent } from '../workflow-engine/workflow.types.js';
import { ActivitySeries } from './activity-series.entity.js';
import { Occurrence } from './occurrence.entity.js';
import { dueDatesInTerm, type Term } from './recurrence.js';

export const OCCURRENCE_KIND = 'occurrence';
export const OCCURRENCE_WORKFLOW = 'recurring-activity';
/** Occurrences still to be held: `planned` in fulfilment counts. */
export const OPEN_OCCURRENCE_STATES = ['planned', 'scheduled'];

interface PartnershipLike extends WorkflowInstance {
  proposedActivities: ProposedActivity[];
}

/**
 * Activity series and their occurrences. It carries out the partnership workflow's effects:
 * entering `in_force` makes the MOU's commitments into series with an occurrence per due date of
 * the current term (idempotent, since renewal re-enters the state), and termination cancels the
 * future occurrences through their own workflow, one audited event each.
 */
@Injectable()
export class ActivitiesService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly runtime: InstanceRuntime,
    private readonly audit: AuditService,
    private readonly engine: WorkflowEngine,
  ) {}

  onModuleInit(): void {
    this.runtime.registerKind<Occurrence>({
      name: OCCURRENCE_KIND,
      entity: Occurrence,
      mirror: (_state, context) => ({ occursOn: typeof context.date === 'string' ? context.date : String(context.dueOn) }),
    });
    this.runtime.registerEffect('ensureActivityOccurrences', async (manager, _kind, row, event) => {
      await this.ensureOccurrences(manager, row as PartnershipLike, event);
    });
    this.runtime.registerEffect('cancelFutureOccurrences', (manager, _kind, row, event) => this.cancelFuture(manager, row.id, event));
  }

  async ensureOccurrences(manager: EntityManager, partnership: PartnershipLike, event: EngineEvent): Promise<Occurrence[]> {
    const series = await this.ensureSeriesFromProposal(manager, partnership, event);
    const created: Occurrence[] = [];
    for (const s of series) created.push(...(await this.createOccurrences(manager, s, partnership, event)));
    return created;
  }

  /** The occurrences of one series for the current term that do not exist yet. */
  private async createOccurrences(manager: EntityManager, series: ActivitySeries, partnership: WorkflowInstance, event: EngineEvent): Promise<Occurrence[]> {
    const term = currentTerm(partnership);
    if (!term) return [];
    const existing = await manager.find(Occurrence, { where: { seriesId: series.id }, select: { dueOn: true } });
    const have = new Set(existing.map((o) => o.dueOn));
    // A one-off commitment happens once over all terms.
    const wanted =
      series.recurrence.frequency === 'once' && existing.length > 0 ? [] : dueDatesInTerm(series.recurrence, series.startsOn, term).filter((d) => !have.has(d));
    const created: Occurrence[] = [];
    for (const dueOn of wanted) {
      created.push(
        await this.runtime.create<Occurrence>(
          manager,
          OCCURRENCE_KIND,
          OCCURRENCE_WORKFLOW,
          { seriesId: series.id, partnershipId: partnership.id, termNumber: term.number, dueOn, occursOn: dueOn, createdAt: event.at },
          { actor: event.actor, context: { dueOn } },
        ),
      );
    }
    return created;
  }

  async cancelFuture(manager: EntityManager, partnershipId: string, event: EngineEvent): Promise<void> {
    const today = dateOf(event.at);
    const open = await manager
      .createQueryBuilder(Occurrence, 'o')
      .where('o.partnership_id = :partnershipId AND o.due_on > :today AND o.state IN (:...states)', {
        partnershipId,
        today,
        states: OPEN_OCCURRENCE_STATES,
      })
      .orderBy('o.due_on', 'ASC')
      .getMany();
    for (const occurrence of open) {
      await this.runtime.apply(manager, OCCURRENCE_KIND, occurrence.id, {
        type: 'CANCEL',
        actor: { id: 'system', roles: ['system'] },
        // The reason stays on the partnership's termination: a copy in each of up to 220 occurrences made one answer megabytes.
        comment: event.type === 'TERMINATE' ? 'The MOU was terminated.' : 'The partnership was closed.',
      });
    }
  }

  /** The proposal's activities become series the first time the MOU is in force; later additions already are series. */
  private async ensureSeriesFromProposal(manager: EntityManager, partnership: PartnershipLike, event: EngineEvent): Promise<ActivitySeries[]> {
    const series = await manager.find(ActivitySeries, { where: { partnershipId: partnership.id }, order: { position: 'ASC' } });
    if (series.some((s) => s.origin === 'proposal')) return series;
    const offset = series.length;
    const created = partnership.proposedActivities.map((activity, index): ActivitySeries => ({
      id: randomUUID(),
      partnershipId: partnership.id,
      position: offset + index,
      kind: activity.kind,
      title: activity.title,
      recurrence: activity.recurrence,
      origin: 'proposal',
      startsOn: activity.startsOn ?? null,
      createdBy: event.actor.id,
      createdAt: event.at,
    }));
    if (created.length > 0) await manager.insert(ActivitySeries, created);
    return [...series, ...created];
  }

  /**
   * Adds a commitment to a partnership that is not closed. Under an MOU in force, the new series
   * gets its occurrences for the current term at once; before that, when the MOU enters force.
   */
  addSeries(partnershipId: string, input: ProposedActivity, actor: Actor, expectedVersion: number, requestId?: string): Promise<ActivitySeries> {
    const attempt = { type: 'ADD_ACTIVITY', actor, expectedVersion, requestId, data: { ...input } };
    return this.runtime.auditRefusals(PARTNERSHIP_KIND, partnershipId, attempt, () =>
      this.queue.run(async (manager) => {
        const partnership = await manager.findOne(Partnership, { where: { id: partnershipId } });
        if (!partnership) throw new DomainError('NOT_FOUND', `partnership ${partnershipId} not found`);
        const target = { entity: Partnership, entityType: PARTNERSHIP_KIND, row: partnership, expectedVersion, actor, requestId };
        const edit = beginAuditedEdit(manager, this.audit, target);
        if (!this.acceptsSeries(partnership)) {
          throw new DomainError('EVENT_NOT_ALLOWED', `activities cannot be added to a partnership that is ${partnership.state}`, { state: partnership.state });
        }
        await this.assertSeriesWithinBound(manager, partnershipId, partnership.proposedActivities.length, 1);
        const at = this.runtime.now();
        const existing = await manager.count(ActivitySeries, { where: { partnershipId } });
        const series: ActivitySeries = {
          id: randomUUID(),
          partnershipId,
          position: existing,
          kind: input.kind,
          title: input.title,
          recurrence: input.recurrence,
          origin: 'added',
          startsOn: input.startsOn ?? null,
          createdBy: actor.id,
          createdAt: at,
        };
        await manager.insert(ActivitySeries, series);
        const recorded = { id: series.id, kind: series.kind, title: series.title, recurrence: series.recurrence, startsOn: series.startsOn };
        await edit.save({}, { occurredAt: at, action: 'ADD_ACTIVITY', ...stateKept(partnership), payload: { series: recorded } });
        if (this.runsOccurrences(partnership)) {
          const event: EngineEvent = { type: 'ADD_ACTIVITY', actor, at };
          await this.createOccurrences(manager, series, partnership, event);
        }
        return series;
      }),
    );
  }

  /**
   * Refuses a change that would give a partnership more than MAX_ACTIVITY_SERIES series: those it
   * has, those its proposal becomes when the MOU enters force (`proposed`), and `adding` more.
   */
  async assertSeriesWithinBound(manager: EntityManager, partnershipId: string, proposed: number, adding: number): Promise<void> {
    const [counted] = await plainQuery<{ total: number | string; proposal: number | string | null }>(
      manager,
      "SELECT COUNT(*) AS total, SUM(CASE WHEN origin = 'proposal' THEN 1 ELSE 0 END) AS proposal FROM activity_series WHERE partnership_id = ?",
      [partnershipId],
    );
    const existing = Number(counted?.total ?? 0);
    // Once the proposal has become series, they are among the existing ones.
    const planned = existing + (Number(counted?.proposal ?? 0) > 0 ? 0 : proposed) + adding;
    if (planned > MAX_ACTIVITY_SERIES) {
      const reason = `a partnership has at most ${MAX_ACTIVITY_SERIES} activity series, proposed and added together: this would make ${planned}`;
      throw new DomainError('GUARD_FAILED', reason, { rule: 'maxActivitySeries', reason });
    }
  }

  /** Whether the partnership is in a state whose entry planned its occurrences (an MOU in force, a programme delivering): a new series gets its own at once. */
  runsOccurrences(partnership: WorkflowInstance): boolean {
    const definition = this.runtime.readableDefinitionOf(partnership);
    return definition !== undefined && isWithin(occurrenceStates(definition), partnership.state);
  }

  /** Whether activity series can still be added: until the partnership reaches a final state. */
  acceptsSeries(partnership: WorkflowInstance): boolean {
    const definition = this.runtime.readableDefinitionOf(partnership);
    return definition !== undefined && !this.engine.isFinal(definition, partnership.state);
  }

  send(id: string, input: EventInput): Promise<SendOutcome<Occurrence>> {
    return this.runtime.send<Occurrence>(OCCURRENCE_KIND, id, input);
  }

  dryRun(id: string, input: EventInput): Promise<SendOutcome<Occurrence>> {
    return this.runtime.dryRun<Occurrence>(OCCURRENCE_KIND, id, input);
  }

  /** Why the occurrence takes no events at all now (its definition changed after it started); undefined when it takes them. */
  eventsRefused(row: Occurrence): string | undefined {
    return this.runtime.definitionChange(row);
  }

  /** What `actor` may send now; none while the definition the occurrence started on has changed. */
  availableEvents(row: Occurrence, actor: Actor): string[] {
    const definition = this.runtime.readableDefinitionOf(row);
    return definition ? this.engine.availableEvents(definition, { value: row.state, context: row.context }, actor, { at: this.runtime.now() }) : [];
  }

  /** A page of the open occurrences whose date (scheduled, else due) falls within `days` from today, soonest first, with their total. */
  async upcoming(days: number, page: { limit?: number; offset?: number } = {}): Promise<{ items: UpcomingOccurrence[]; total: number }> {
    const today = dateOf(this.runtime.now());
    const until = addDaysToDate(today, days);
    const [rows, total] = await this.dataSource
      .getRepository(Occurrence)
      .createQueryBuilder('o')
      .where('o.occurs_on >= :today AND o.occurs_on <= :until AND o.state IN (:...states)', { today, until, states: OPEN_OCCURRENCE_STATES })
      .orderBy('o.occurs_on', 'ASC')
      .addOrderBy('o.id', 'ASC')
      .limit(page.limit ?? 50)
      .offset(page.offset ?? 0)
      .getManyAndCount();
    return { items: await this.withContext(rows), total };
  }

  /** The open occurrences whose date (scheduled, else due) has passed, oldest first: they wait to be recorded (held or cancelled) until marked missed. */
  async toRecord(limit: number): Promise<{ items: UpcomingOccurrence[]; total: number }> {
    const today = dateOf(this.runtime.now());
    const [rows, total] = await this.dataSource
      .getRepository(Occurrence)
      .createQueryBuilder('o')
      .where('o.occurs_on < :today AND o.state IN (:...states)', { today, states: OPEN_OCCURRENCE_STATES })
      .orderBy('o.occurs_on', 'ASC')
      .addOrderBy('o.id', 'ASC')
      .limit(limit)
      .getManyAndCount();
    return { items: await this.withContext(rows), total };
  }

  /**
   * The open occurrences of the partnerships `ownerId` owns that wait for them now, soonest first:
   * planned ones due within `reminderDays` (to schedule), and those whose date has come (to record),
   * past-dated ones included until they are recorded, cancelled or missed. At most `limit`, with the total.
   */
  async waitingFor(ownerId: string, reminderDays: number, limit: number): Promise<{ items: UpcomingOccurrence[]; total: number }> {
    const today = dateOf(this.runtime.now());
    const [rows, total] = await this.dataSource
      .getRepository(Occurrence)
      .createQueryBuilder('o')
      .innerJoin(Partnership, 'p', 'p.id = o.partnership_id')
      .where('p.owner_id = :ownerId', { ownerId })
      .andWhere("((o.state = 'planned' AND o.occurs_on <= :horizon) OR (o.state = 'scheduled' AND o.occurs_on <= :today))", {
        horizon: addDaysToDate(today, reminderDays),
        today,
      })
      .orderBy('o.occurs_on', 'ASC')
      .addOrderBy('o.id', 'ASC')
      .limit(limit)
      .getManyAndCount();
    return { items: await this.withContext(rows), total };
  }

  /** Occurrences with their series, partnership and organization, in four queries whatever their number. */
  private async withContext(rows: Occurrence[]): Promise<UpcomingOccurrence[]> {
    if (rows.length === 0) return [];
    const seriesIds = [...new Set(rows.map((occurrence) => occurrence.seriesId))];
    const series = await this.dataSource.getRepository(ActivitySeries).find({ where: { id: In(seriesIds) } });
    const partnershipIds = [...new Set(rows.map((occurrence) => occurrence.partnershipId))];
    const partnerships = await this.dataSource
      .getRepository(Partnership)
      .find({ where: { id: In(partnershipIds) }, select: { id: true, title: true, organizationId: true } });
    const organizations = await this.dataSource
      .getRepository(Organization)
      .find({ where: { id: In([...new Set(partnerships.map((p) => p.organizationId))]) }, select: { id: true, name: true } });
    const seriesById = new Map(series.map((s) => [s.id, s]));
    const partnershipById = new Map(partnerships.map((p) => [p.id, p]));
    const organizationById = new Map(organizations.map((o) => [o.id, o]));
    return rows.map((occurrence) => {
      const s = seriesById.get(occurrence.seriesId);
      const p = partnershipById.get(occurrence.partnershipId);
      const org = p ? organizationById.get(p.organizationId) : undefined;
      return {
        ...occurrenceView(occurrence),
        date: effectiveDate(occurrence),
        series: s ? { id: s.id, kind: s.kind, title: s.title } : null,
        partnership: p ? { id: p.id, title: p.title } : null,
        organization: org ? { id: org.id, name: org.name } : null,
      };
    });
  }

  /** Held, missed, cancelled and still planned occurrences of the partnership's current term. */
  async occurrence(id: string): Promise<Occurrence> {
    const row = await this.dataSource.manager.findOne(Occurrence, { where: { id } });
    if (!row) throw new DomainError('NOT_FOUND', `occurrence ${id} not found`);
    return row;
  }

  /** The ids of a partnership's occurrences, through its index: the entities whose history is part of the partnership's. */
  async occurrenceIdsOf(partnershipId: string): Promise<string[]> {
    return (await plainQuery<{ id: string }>(this.dataSource, 'SELECT id FROM occurrences WHERE partnership_id = ?', [partnershipId])).map((row) => row.id);
  }

  async forPartnership(partnershipId: string): Promise<SeriesWithOccurrences[]> {
    if (!(await this.dataSource.getRepository(Partnership).exists({ where: { id: partnershipId } }))) {
      throw new DomainError('NOT_FOUND', `partnership ${partnershipId} not found`);
    }
    return this.seriesOf(partnershipId);
  }

  /**
   * A partnership's series with their occurrences, and how the current term's occurrences stand,
   * for a row already loaded: one query when it has no series yet (a proposal), two otherwise.
   */
  async activitiesOf(partnership: Partnership): Promise<{ series: SeriesWithOccurrences[]; fulfilment: Fulfilment | null }> {
    const series = await this.seriesOf(partnership.id);
    const term = currentTerm(partnership);
    if (!term) return { series, fulfilment: null };
    const states = series.flatMap((s) => s.occurrences.filter((o) => o.termNumber === term.number).map((o) => o.state));
    return { series, fulfilment: countFulfilment(term.number, states) };
  }

  private async seriesOf(partnershipId: string): Promise<SeriesWithOccurrences[]> {
    // Most views are of partnerships without activities yet: a plain statement tells, before any entity query.
    if ((await plainQuery(this.dataSource, 'SELECT 1 AS one FROM activity_series WHERE partnership_id = ? LIMIT 1', [partnershipId])).length === 0) return [];
    const series = await this.dataSource.manager.find(ActivitySeries, { where: { partnershipId }, order: { position: 'ASC' } });
    const occurrences = await this.dataSource.manager.find(Occurrence, { where: { partnershipId }, order: { dueOn: 'ASC' } });
    return series.map((s) => ({ ...s, occurrences: occurrences.filter((o) => o.seriesId === s.id) }));
  }
}

export type SeriesWithOccurrences = ActivitySeries & { occurrences: Occurrence[] };

export interface Fulfilment {
  termNumber: number;
  held: number;
  missed: number;
  cancelled: number;
  planned: number;
  total: number;
}

export function countFulfilment(termNumber: number, states: string[]): Fulfilment {
  const count = (wanted: string[]) => states.filter((s) => wanted.includes(s)).length;
  return {
    termNumber,
    held: count(['held']),
    missed: count(['missed']),
    cancelled: count(['cancelled']),
    planned: count(OPEN_OCCURRENCE_STATES),
    total: states.length,
  };
}

/** The date an occurrence is expected on: the scheduled date once there is one, else the due date. */
export function effectiveDate(occurrence: Occurrence): string {
  const date = occurrence.context.date;
  return typeof date === 'string' ? date : occurrence.dueOn;
}

export function occurrenceView(row: Occurrence) {
  const c = row.context;
  return {
    id: row.id,
    seriesId: row.seriesId,
    partnershipId: row.partnershipId,
    termNumber: row.termNumber,
    dueOn: row.dueOn,
    state: row.state,
    version: row.version,
    date: (c.date as string | null) ?? null,
    venue: (c.venue as string | null) ?? null,
    report: (c.report as string | null) ?? null,
    attendance: (c.attendance as number | null) ?? null,
    postponements: (c.postponements as unknown[]) ?? [],
    broughtForward: (c.broughtForward as unknown[]) ?? [],
    cancellation: c.cancellation ?? null,
    updatedAt: row.updatedAt,
  };
}

export type UpcomingOccurrence = ReturnType<typeof occurrenceView> & {
  date: string;
  series: { id: string; kind: string; title: string } | null;
  partnership: { id: string; title: string } | null;
  organization: { id: string; name: string } | null;
};

function currentTerm(partnership: WorkflowInstance): Term | undefined {
  const terms = (partnership.context.terms ?? []) as Term[];
  return terms[terms.length - 1];
}
