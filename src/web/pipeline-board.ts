import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { addDaysToDate } from '../common/dates.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { changesRequested, partnershipSummary } from '../partnerships/partnership.view.js';
import { PARTNERSHIP_WORKFLOW, PartnershipsService } from '../partnerships/partnerships.service.js';
import { EXPIRY_HORIZON_DAYS } from '../reports/reports.service.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import type { StateConfig } from '../workflow-engine/workflow.types.js';

const CARDS_PER_STAGE = 50;

export interface BoardFilter {
  organizationId?: string;
  q?: string;
}

/** The pipeline: one column per stage of the workflow (final states together), with counts and what needs attention. */
@Injectable()
export class PipelineBoard {
  constructor(
    private readonly partnerships: PartnershipsService,
    private readonly organizations: OrganizationsService,
    private readonly registry: WorkflowRegistry,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async build(filter: BoardFilter) {
    await this.partnerships.checkFilters(filter);
    const { definition } = this.registry.latest(PARTNERSHIP_WORKFLOW);
    const states = Object.entries(definition.machine.states);
    const stages = [
      ...states.filter(([, node]) => node.type !== 'final').map(([key, node]) => ({ key, states: leavesOf(key, node), closed: false })),
      { key: 'closed', states: states.filter(([, node]) => node.type === 'final').map(([key]) => key), closed: true },
    ];
    const organizations = await this.organizations.choices();
    const names = new Map(organizations.map((o) => [o.id, o.name]));
    const today = this.clock.now().toISOString().slice(0, 10);
    const horizon = addDaysToDate(today, EXPIRY_HORIZON_DAYS);
    const columns = await Promise.all(
      stages.map(async (stage) => {
        const lists = await Promise.all(stage.states.map((state) => this.partnerships.list({ ...filter, state, limit: CARDS_PER_STAGE })));
        const cards = lists
          .flatMap((l) => l.items)
          .map((row) => ({ ...partnershipSummary(row), changesRequested: changesRequested(row) !== null }))
          .sort((a, b) => Number(b.overdue) - Number(a.overdue) || b.updatedAt.localeCompare(a.updatedAt))
          .slice(0, CARDS_PER_STAGE)
          .map((card) => ({
            ...card,
            organizationName: names.get(card.organizationId) ?? '—',
            renewalSoon: card.state === 'in_force.renewal_due' || (card.state.startsWith('in_force') && card.expiresOn !== null && card.expiresOn <= horizon),
          }));
        // A title search counts up to a limit per state: past it, the column's total is a lower bound.
        const atLeast = lists.some((l) => l.totalRelation === 'gte');
        return { key: stage.key, closed: stage.closed, total: lists.reduce((n, l) => n + l.total, 0), atLeast, cards };
      }),
    );
    return { columns, organizations, filter, horizonDays: EXPIRY_HORIZON_DAYS };
  }
}

/** The dotted paths of the states a partnership can rest in, inside `path`; each is listed by its exact value. */
function leavesOf(path: string, node: StateConfig): string[] {
  const children = Object.entries(node.states ?? {});
  return children.length === 0 ? [path] : children.flatMap(([key, child]) => leavesOf(`${path}.${key}`, child));
}
