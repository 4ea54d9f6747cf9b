import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { OPEN_OCCURRENCE_STATES } from '../activities/activities.service.js';
import { Occurrence } from '../activities/occurrence.entity.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import { Clock, DAY_MS } from '../common/clock.js';
import { addDaysToDate, addYearsToDate, dateOf } from '../common/dates.js';
import { PARTNERSHIP_KIND, Partnership } from '../partnerships/partnership.entity.js';
import { PartnershipListRepository } from '../partnerships/partnership-list.repository.js';

/** An MOU expiring within this many days from today is listed by the report and stands out on the board (SPEC: renewal window). */
export const EXPIRY_HORIZON_DAYS = 90;
/** The most entries each list of the report holds. */
export const REPORT_ITEMS = 100;
/** The state a proposal waits in for senior management's decision: approval turnaround is the time spent in it. */
export const REVIEW_STATE = 'senior_management_review';
/** The most decisions the turnaround figures are taken from: the latest ones of the past year. */
export const TURNAROUND_DECISIONS = 1000;

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
    const left = await audit
      .createQueryBuilder('a')
      .where('a.occurred_at >= :since', { since: `${since}T00:00:00.000Z` })
      .andWhere("a.entity_type = :kind AND a.outcome = 'ok' AND a.from_state = :review AND a.to_state <> :review", {
        kind: PARTNERSHIP_KIND,
        review: REVIEW_STATE,
      })
      .orderBy('a.seq', 'DESC')
      .take(TURNAROUND_DECISIONS)
      .getMany();
    if (left.length === 0) return { since, decisions: [] };
    const ids = [...new Set(left.map((row) => row.entityId))];
    const entered = await audit
      .createQueryBuilder('a')
      .where('a.entity_id IN (:...ids)', { ids })
      .andWhere("a.outcome = 'ok' AND a.to_state = :review AND (a.from_state IS NULL OR a.from_state <> :review)", { review: REVIEW_STATE })
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
