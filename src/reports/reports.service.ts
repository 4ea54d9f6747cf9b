import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, LessThanOrEqual } from 'typeorm';
import { OPEN_OCCURRENCE_STATES } from '../activities/activities.service.js';
import { Occurrence } from '../activities/occurrence.entity.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import { Clock, DAY_MS } from '../common/clock.js';
import { addDaysToDate, addYearsToDate, dateOf } from '../common/dates.js';
import { PARTNERSHIP_KIND, Partnership } from '../partnerships/partnership.entity.js';
import { PartnershipListRepository } from '../partnerships/partnership-list.repository.js';
import { plainQuery } from '../database/plain-query.js';
import { partnershipStatesWhere } from '../partnerships/partnership-workflows.js';
import { approvalStates } from '../workflow-engine/definition-facts.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { Timer } from '../timers/timer.entity.js';
import type { SortDirection, TableSort } from './dto/partnership-table.query.js';

/** An MOU expiring within this many days from today is listed by the report and stands out on the board (SPEC: renewal window). */
export const EXPIRY_HORIZON_DAYS = 90;
/** The most entries each list of the report holds. */
export const REPORT_ITEMS = 100;
/** The most decisions the turnaround figures are taken from: the latest ones of the past year. */
export const TURNAROUND_DECISIONS = 1000;

/** A row of the partnership list view: where it stands, whose it is, and the next deadline it waits for. */
export interface PartnershipTableRow {
  id: string;
  title: string;
  state: string;
  organizationId: string;
  organizationName: string | null;
  ownerId: string;
  ownerName: string | null;
  /** The soonest timer still to fire (approval deadline, renewal window, end of term), null when none waits. */
  nextDeadline: { dueAt: string; event: string } | null;
}

export interface PartnershipTableQuery {
  sort?: TableSort;
  direction?: SortDirection;
  limit?: number;
  offset?: number;
}

/** One decided review: submitted (entered review) at `submittedAt`, decided at `decidedAt`, and the state it went to. */
export interface ReviewDecision {
  partnershipId: string;
  submittedAt: string;
  decidedAt: string;
  days: number;
  /** The event that ended the review (APPROVE, REQUEST_CHANGES, REJECT, WITHDRAW) and the state it led to. */
  decision: string;
  outcome: string;
}

/** The pipeline at a glance: where partnerships stand, what is late, what expires, what was delivered. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    private readonly lists: PartnershipListRepository,
    private readonly registry: WorkflowRegistry,
  ) {}

  /**
   * Counts from the partnership counters; overdue approvals and expiring MOUs through their indexes
   * (`overdue`, `expires_on`); fulfilment from occurrence counts grouped in the database. Each list
   * holds at most REPORT_ITEMS entries beside the count of all, so the answer's size and the work
   * done for it in this process do not grow with the data.
   */
  async pipeline() {
    const today = dateOf(this.clock.now());
    const partnerships = this.dataSource.getRepository(Partnership);
    const countsByState = Object.fromEntries([...(await this.lists.countsByState())].sort(([a], [b]) => a.localeCompare(b)));
    const [overdue, overdueCount] = await partnerships.findAndCount({
      select: { id: true, title: true, context: true },
      where: { overdue: true },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: REPORT_ITEMS,
    });
    const expiring = await this.expiringBy(addDaysToDate(today, EXPIRY_HORIZON_DAYS));
    const { fulfilment, fulfilmentCount } = await this.fulfilment();
    return {
      asOf: today,
      total: Object.values(countsByState).reduce((sum, n) => sum + n, 0),
      countsByState,
      overdueApprovals: {
        count: overdueCount,
        items: overdue.map((p) => ({ id: p.id, title: p.title, submittedAt: p.context.submittedAt ?? null })),
      },
      expiringWithinDays: EXPIRY_HORIZON_DAYS,
      expiring,
      fulfilment,
      fulfilmentCount,
    };
  }

  /** What the dashboard draws: counts by state, the past year's review decisions, MOUs expiring within a year, and fulfilment. */
  async dashboard() {
    const today = dateOf(this.clock.now());
    const [countsByState, turnaround, expiring, fulfilment] = await Promise.all([
      this.lists.countsByState(),
      this.approvalTurnaround(addYearsToDate(today, -1)),
      this.expiringBy(addYearsToDate(today, 1)),
      this.fulfilment(),
    ]);
    return { asOf: today, countsByState, turnaround, expiring: { ...expiring, until: addYearsToDate(today, 1) }, ...fulfilment };
  }

  /** MOUs in force whose term ends by `horizon` (expires_on is set only while in force), soonest first: the first REPORT_ITEMS and how many there are. */
  private async expiringBy(horizon: string) {
    const [rows, count] = await this.dataSource.getRepository(Partnership).findAndCount({
      select: { id: true, title: true, organizationId: true, state: true, expiresOn: true },
      where: { expiresOn: LessThanOrEqual(horizon) },
      order: { expiresOn: 'ASC', createdAt: 'ASC', id: 'ASC' },
      take: REPORT_ITEMS,
    });
    return {
      count,
      items: rows.map((p) => ({ id: p.id, title: p.title, organizationId: p.organizationId, state: p.state, expiresOn: p.expiresOn as string })),
    };
  }

  /**
   * The reviews decided since `since` (the latest TURNAROUND_DECISIONS of them): each from the audit row
   * that took a partnership into senior-management review to the one that took it out (approved,
   * sent back for changes, rejected or withdrawn), in whole days. Rows found through the
   * occurred_at and entity indexes.
   */
  async approvalTurnaround(since: string): Promise<{ since: string; decisions: ReviewDecision[] }> {
    const audit = this.dataSource.getRepository(AuditEvent);
    // The states a proposal waits in for senior management's decision, in any partnership workflow: turnaround is the time spent in them.
    const review = partnershipStatesWhere(this.registry, approvalStates);
    const left = await audit
      .createQueryBuilder('a')
      .where('a.occurred_at >= :since', { since: `${since}T00:00:00.000Z` })
      .andWhere("a.entity_type = :kind AND a.outcome = 'ok' AND a.from_state IN (:...review) AND a.to_state NOT IN (:...review)", {
        kind: PARTNERSHIP_KIND,
        review,
      })
      .orderBy('a.seq', 'DESC')
      .take(TURNAROUND_DECISIONS)
      .getMany();
    if (left.length === 0) return { since, decisions: [] };
    const ids = [...new Set(left.map((row) => row.entityId))];
    const entered = await audit
      .createQueryBuilder('a')
      .where('a.entity_id IN (:...ids)', { ids })
      .andWhere("a.outcome = 'ok' AND a.to_state IN (:...review) AND (a.from_state IS NULL OR a.from_state NOT IN (:...review))", { review })
      .orderBy('a.seq', 'ASC')
      .getMany();
    const decisions = left.flatMap((decided) => {
      const submitted = entered.filter((row) => row.entityId === decided.entityId && row.seq < decided.seq).at(-1);
      if (!submitted) return [];
      const days = Math.floor((Date.parse(decided.occurredAt) - Date.parse(submitted.occurredAt)) / DAY_MS);
      return [
        {
          partnershipId: decided.entityId,
          submittedAt: submitted.occurredAt,
          decidedAt: decided.occurredAt,
          days,
          decision: decided.action,
          outcome: decided.toState as string,
        },
      ];
    });
    return { since, decisions: decisions.reverse() };
  }

  /**
   * A page of every partnership, sorted by organization, stage (in `stages`' order, a nested state with its
   * parent), owner, next deadline or title, then by title and id; partnerships without a deadline come last
   * either way. The next deadline is the soonest timer of the partnership still to fire.
   */
  async partnershipTable(query: PartnershipTableQuery, stages: string[]): Promise<{ items: PartnershipTableRow[]; total: number }> {
    const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
    const stageRank = `CASE ${stages.map((_, i) => `WHEN r.state = ? OR r.state LIKE ? THEN ${i}`).join(' ')} ELSE ${stages.length} END`;
    const stageParameters = stages.flatMap((stage) => [stage, `${stage}.%`]);
    const keys: Record<TableSort, { sql: string; parameters: unknown[] }> = {
      organization: { sql: `LOWER(r.organization_name) ${direction}`, parameters: [] },
      stage: { sql: `${stageRank} ${direction}`, parameters: stageParameters },
      owner: { sql: `LOWER(COALESCE(r.owner_name, r.owner_id)) ${direction}`, parameters: [] },
      deadline: { sql: `CASE WHEN r.next_due IS NULL THEN 1 ELSE 0 END, r.next_due ${direction}`, parameters: [] },
      title: { sql: `r.title_key ${direction}`, parameters: [] },
    };
    const key = keys[query.sort ?? 'organization'];
    const rows = await plainQuery<{
      id: string;
      title: string;
      state: string;
      organization_id: string;
      organization_name: string | null;
      owner_id: string;
      owner_name: string | null;
    }>(
      this.dataSource,
      `SELECT r.id, r.title, r.state, r.organization_id, r.organization_name, r.owner_id, r.owner_name FROM (
         SELECT p.id, p.title, p.title_key, p.state, p.organization_id, o.name AS organization_name, p.created_by AS owner_id, u.display_name AS owner_name,
           (SELECT MIN(t.due_at) FROM timers t WHERE t.instance_id = p.id AND t.fired_at IS NULL) AS next_due
         FROM partnerships p LEFT JOIN organizations o ON o.id = p.organization_id LEFT JOIN users u ON u.id = p.created_by
       ) r ORDER BY ${key.sql}, r.title_key ASC, r.id ASC LIMIT ? OFFSET ?`,
      [...key.parameters, query.limit ?? 50, query.offset ?? 0],
    );
    const total = [...(await this.lists.countsByState()).values()].reduce((sum, n) => sum + n, 0);
    const timers = rows.length
      ? await this.dataSource.getRepository(Timer).find({ where: { instanceId: In(rows.map((r) => r.id)), firedAt: IsNull() }, order: { dueAt: 'ASC' } })
      : [];
    const items = rows.map((r) => {
      const next = timers.find((t) => t.instanceId === r.id);
      return {
        id: r.id,
        title: r.title,
        state: r.state,
        organizationId: r.organization_id,
        organizationName: r.organization_name,
        ownerId: r.owner_id,
        ownerName: r.owner_name,
        nextDeadline: next ? { dueAt: next.dueAt, event: next.event } : null,
      };
    });
    return { items, total };
  }

  /** The first REPORT_ITEMS partnerships with occurrences, by title, with their occurrences counted by state; and how many there are. */
  private async fulfilment() {
    const withOccurrences = this.dataSource
      .getRepository(Partnership)
      .createQueryBuilder('p')
      .select(['p.id', 'p.title'])
      .where('p.id IN (SELECT DISTINCT o.partnership_id FROM occurrences o)');
    const [shown, fulfilmentCount] = await withOccurrences.orderBy('p.title', 'ASC').addOrderBy('p.id', 'ASC').take(REPORT_ITEMS).getManyAndCount();
    if (shown.length === 0) return { fulfilment: [], fulfilmentCount };
    const counted = await this.dataSource
      .getRepository(Occurrence)
      .createQueryBuilder('o')
      .select('o.partnership_id', 'partnershipId')
      .addSelect('o.state', 'state')
      .addSelect('COUNT(*)', 'count')
      .where('o.partnership_id IN (:...ids)', { ids: shown.map((p) => p.id) })
      .groupBy('o.partnership_id')
      .addGroupBy('o.state')
      .getRawMany<{ partnershipId: string; state: string; count: string | number }>();
    const fulfilment = shown.map((p) => {
      const count = (states: string[]) =>
        counted.filter((c) => c.partnershipId === p.id && states.includes(c.state)).reduce((sum, c) => sum + Number(c.count), 0);
      const [held, missed, cancelled, planned] = [count(['held']), count(['missed']), count(['cancelled']), count(OPEN_OCCURRENCE_STATES)];
      return { partnershipId: p.id, title: p.title, held, missed, cancelled, planned, total: count(counted.map((c) => c.state)) };
    });
    return { fulfilment, fulfilmentCount };
  }
}
