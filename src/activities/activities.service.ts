import { Injectable, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { dateOf } from '../common/dates.js';
import { DomainError } from '../common/domain-error.js';
import type { ProposedActivity } from '../partnerships/partnership.entity.js';
import { InstanceRuntime, type EventInput, type SendOutcome, type WorkflowInstance } from '../workflow-engine/instance-runtime.service.js';
import type { EngineEvent } from '../workflow-engine/workflow.types.js';
import { ActivitySeries } from './activity-series.entity.js';
import { Occurrence } from './occurrence.entity.js';
import { dueDatesInTerm, type Term } from './recurrence.js';

export const OCCURRENCE_KIND = 'occurrence';
export const OCCURRENCE_WORKFLOW = 'recurring-activity';
const OPEN_STATES = ['planned', 'scheduled'];

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
    private readonly runtime: InstanceRuntime,
  ) {}

  onModuleInit(): void {
    this.runtime.registerKind<Occurrence>({ name: OCCURRENCE_KIND, entity: Occurrence });
    this.runtime.registerEffect('ensureActivityOccurrences', async (manager, _kind, row, event) => {
      await this.ensureOccurrences(manager, row as PartnershipLike, event);
    });
    this.runtime.registerEffect('cancelFutureOccurrences', (manager, _kind, row, event) => this.cancelFuture(manager, row.id, event));
  }

  async ensureOccurrences(manager: EntityManager, partnership: PartnershipLike, event: EngineEvent): Promise<Occurrence[]> {
    const series = await this.ensureSeriesFromProposal(manager, partnership, event);
    const term = currentTerm(partnership);
    if (!term) return [];
    const created: Occurrence[] = [];
    for (const s of series) {
      const existing = await manager.find(Occurrence, { where: { seriesId: s.id }, select: { dueOn: true } });
      const have = new Set(existing.map((o) => o.dueOn));
      const dates = dueDatesInTerm(s.recurrence, s.startsOn, term);
      // A one-off commitment happens once over all terms.
      const wanted = s.recurrence.frequency === 'once' && existing.length > 0 ? [] : dates.filter((d) => !have.has(d));
      for (const dueOn of wanted) {
        created.push(
          await this.runtime.create<Occurrence>(
            manager,
            OCCURRENCE_KIND,
            OCCURRENCE_WORKFLOW,
            { seriesId: s.id, partnershipId: partnership.id, termNumber: term.number, dueOn, createdAt: event.at },
            { actor: event.actor, context: { dueOn } },
          ),
        );
      }
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
        states: OPEN_STATES,
      })
      .orderBy('o.due_on', 'ASC')
      .getMany();
    for (const occurrence of open) {
      await this.runtime.apply(manager, OCCURRENCE_KIND, occurrence.id, {
        type: 'CANCEL',
        actor: { id: 'system', roles: ['system'] },
        comment: `MOU terminated${event.comment ? `: ${event.comment}` : ''}`,
      });
    }
  }

  /** The proposal's activities become series the first time the MOU is in force; later additions already are series. */
  private async ensureSeriesFromProposal(manager: EntityManager, partnership: PartnershipLike, event: EngineEvent): Promise<ActivitySeries[]> {
    const series = await manager.find(ActivitySeries, { where: { partnershipId: partnership.id }, order: { position: 'ASC' } });
    if (series.length > 0) return series;
    const created = partnership.proposedActivities.map(
      (activity, position): ActivitySeries => ({
        id: randomUUID(),
        partnershipId: partnership.id,
        position,
        kind: activity.kind,
        title: activity.title,
        recurrence: activity.recurrence,
        startsOn: activity.startsOn ?? null,
        createdBy: event.actor.id,
        createdAt: event.at,
      }),
    );
    if (created.length > 0) await manager.insert(ActivitySeries, created);
    return created;
  }

  send(id: string, input: EventInput): Promise<SendOutcome<Occurrence>> {
    return this.runtime.send<Occurrence>(OCCURRENCE_KIND, id, input);
  }

  async occurrence(id: string): Promise<Occurrence> {
    const row = await this.dataSource.manager.findOne(Occurrence, { where: { id } });
    if (!row) throw new DomainError('NOT_FOUND', `occurrence ${id} not found`);
    return row;
  }

  async forPartnership(partnershipId: string): Promise<Array<ActivitySeries & { occurrences: Occurrence[] }>> {
    const series = await this.dataSource.manager.find(ActivitySeries, { where: { partnershipId }, order: { position: 'ASC' } });
    const occurrences = await this.dataSource.manager.find(Occurrence, { where: { partnershipId }, order: { dueOn: 'ASC' } });
    return series.map((s) => ({ ...s, occurrences: occurrences.filter((o) => o.seriesId === s.id) }));
  }
}

function currentTerm(partnership: WorkflowInstance): Term | undefined {
  const terms = (partnership.context.terms ?? []) as Term[];
  return terms[terms.length - 1];
}
