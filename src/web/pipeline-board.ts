import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { addDaysToDate } from '../common/dates.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { changesRequested, partnershipSummary } from '../partnerships/partnership.view.js';
import { PARTNERSHIP_WORKFLOW, partnershipStages, partnershipStatesWhere, partnershipWorkflowChoices } from '../partnerships/partnership-workflows.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import { EXPIRY_HORIZON_DAYS } from '../reports/reports.service.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { approvalStates, isWithin, renewalStates, submissionStates, termStates } from '../workflow-engine/definition-facts.js';

const CARDS_PER_STAGE = 50;

export interface BoardFilter {
  organizationId?: string;
  q?: string;
}

/** The pipeline: one column per stage of the partnership workflows (final states together), with counts and what needs attention. */
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
    // The stages of every partnership workflow, one column each, a stage they share (the proposal, its review) once.
    const { open, final } = partnershipStages(this.registry);
    const stages = [...open.map(({ key, states }) => ({ key, states, closed: false })), { key: 'closed', states: final, closed: true }];
    const inReview = partnershipStatesWhere(this.registry, approvalStates);
    const inRenewal = partnershipStatesWhere(this.registry, renewalStates);
    const inTerm = partnershipStatesWhere(this.registry, termStates);
    const submitted = partnershipStatesWhere(this.registry, submissionStates);
    const workflowTitles = new Map(partnershipWorkflowChoices(this.registry).map((w) => [w.id, w.title]));
    const organizations = await this.organizations.choices();
    const names = new Map(organizations.map((o) => [o.id, o.name]));
    const today = this.clock.now().toISOString().slice(0, 10);
    const horizon = addDaysToDate(today, EXPIRY_HORIZON_DAYS);
    const columns = await Promise.all(
      stages.map(async (stage) => {
        const lists = await Promise.all(stage.states.map((state) => this.partnerships.list({ ...filter, state, limit: CARDS_PER_STAGE })));
        const cards = lists
          .flatMap((l) => l.items)
          .map((row) => ({
            ...partnershipSummary(row),
            changesRequested: changesRequested(row, submitted) !== null,
            // Named on the card when it is not the default workflow: "Training programme".
            workflow: row.workflowId === PARTNERSHIP_WORKFLOW ? null : (workflowTitles.get(row.workflowId) ?? row.workflowId),
          }))
          .sort((a, b) => Number(b.overdue) - Number(a.overdue) || b.updatedAt.localeCompare(a.updatedAt))
          .slice(0, CARDS_PER_STAGE)
          .map((card) => ({
            ...card,
            organizationName: names.get(card.organizationId) ?? '—',
            awaitsApprovals: isWithin(inReview, card.state),
            renewalSoon: isWithin(inRenewal, card.state) || (isWithin(inTerm, card.state) && card.expiresOn !== null && card.expiresOn <= horizon),
          }));
        // A title search counts up to a limit per state: past it, the column's total is a lower bound.
        const atLeast = lists.some((l) => l.totalRelation === 'gte');
        return { key: stage.key, closed: stage.closed, total: lists.reduce((n, l) => n + l.total, 0), atLeast, cards };
      }),
    );
    return { columns, organizations, filter, horizonDays: EXPIRY_HORIZON_DAYS };
  }
}
