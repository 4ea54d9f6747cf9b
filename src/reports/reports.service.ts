import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { OPEN_OCCURRENCE_STATES } from '../activities/activities.service.js';
import { Occurrence } from '../activities/occurrence.entity.js';
import { Clock } from '../common/clock.js';
import { addDaysToDate, dateOf } from '../common/dates.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { PartnershipListRepository } from '../partnerships/partnership-list.repository.js';

/** An MOU expiring within this many days from today is listed by the report and stands out on the board (SPEC: renewal window). */
export const EXPIRY_HORIZON_DAYS = 90;
/** The most entries each list of the report holds. */
export const REPORT_ITEMS = 100;

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
    const horizon = addDaysToDate(today, EXPIRY_HORIZON_DAYS);
    const partnerships = this.dataSource.getRepository(Partnership);
    const countsByState = Object.fromEntries([...(await this.lists.countsByState())].sort(([a], [b]) => a.localeCompare(b)));
    const [overdue, overdueCount] = await partnerships.findAndCount({
      select: { id: true, title: true, context: true },
      where: { overdue: true },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: REPORT_ITEMS,
    });
    // expires_on is set only while a partnership is in force.
    const [expiring, expiringCount] = await partnerships.findAndCount({
      select: { id: true, title: true, organizationId: true, state: true, expiresOn: true },
      where: { expiresOn: LessThanOrEqual(horizon) },
      order: { expiresOn: 'ASC', createdAt: 'ASC', id: 'ASC' },
      take: REPORT_ITEMS,
    });
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
      expiring: {
        count: expiringCount,
        items: expiring.map((p) => ({ id: p.id, title: p.title, organizationId: p.organizationId, state: p.state, expiresOn: p.expiresOn as string })),
      },
      fulfilment,
      fulfilmentCount,
    };
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
