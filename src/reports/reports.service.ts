import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThanOrEqual } from 'typeorm';
import { countFulfilment } from '../activities/activities.service.js';
import { Occurrence } from '../activities/occurrence.entity.js';
import { Clock } from '../common/clock.js';
import { addDaysToDate, dateOf } from '../common/dates.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { PartnershipListRepository } from '../partnerships/partnership-list.repository.js';

export const EXPIRY_HORIZON_DAYS = 90;

/** The pipeline at a glance: where partnerships stand, what is late, what expires, what was delivered. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
    private readonly lists: PartnershipListRepository,
  ) {}

  /**
   * Reads in time that grows with what the report shows, not with the table: counts from the
   * partnership counters, overdue approvals and expiring MOUs through their indexes (`overdue`,
   * `expires_on`), titles and terms only of partnerships that have occurrences.
   */
  async pipeline() {
    const today = dateOf(this.clock.now());
    const horizon = addDaysToDate(today, EXPIRY_HORIZON_DAYS);
    const partnerships = this.dataSource.getRepository(Partnership);
    const countsByState = Object.fromEntries([...(await this.lists.countsByState())].sort(([a], [b]) => a.localeCompare(b)));
    const overdue = await partnerships.find({ select: { id: true, title: true, context: true }, where: { overdue: true }, order: { createdAt: 'ASC', id: 'ASC' } });
    // expires_on is set only while a partnership is in force.
    const expiring = (
      await partnerships.find({
        select: { id: true, title: true, organizationId: true, state: true, expiresOn: true },
        where: { expiresOn: LessThanOrEqual(horizon) },
        order: { expiresOn: 'ASC', createdAt: 'ASC', id: 'ASC' },
      })
    ).map((p) => ({ id: p.id, title: p.title, organizationId: p.organizationId, state: p.state, expiresOn: p.expiresOn as string }));
    const occurrenceStates = await this.dataSource
      .getRepository(Occurrence)
      .createQueryBuilder('o')
      .select('o.partnership_id', 'partnershipId')
      .addSelect('o.state', 'state')
      .addSelect('COUNT(*)', 'count')
      .groupBy('o.partnership_id')
      .addGroupBy('o.state')
      .getRawMany<{ partnershipId: string; state: string; count: string | number }>();
    const statesByPartnership = new Map<string, string[]>();
    for (const row of occurrenceStates) {
      const states = statesByPartnership.get(row.partnershipId) ?? [];
      states.push(...Array<string>(Number(row.count)).fill(row.state));
      statesByPartnership.set(row.partnershipId, states);
    }
    const titles = new Map(
      (
        await partnerships
          .createQueryBuilder('p')
          .select(['p.id', 'p.title', 'p.context'])
          .where('p.id IN (SELECT DISTINCT o.partnership_id FROM occurrences o)')
          .getMany()
      ).map((p) => [p.id, { title: p.title, terms: ((p.context.terms ?? []) as unknown[]).length }]),
    );
    const fulfilment = [...statesByPartnership.entries()]
      .map(([partnershipId, states]) => {
        const { held, missed, cancelled, planned, total } = countFulfilment(titles.get(partnershipId)?.terms ?? 0, states);
        return { partnershipId, title: titles.get(partnershipId)?.title ?? null, held, missed, cancelled, planned, total };
      })
      .sort((a, b) => String(a.title).localeCompare(String(b.title)));
    return {
      asOf: today,
      total: Object.values(countsByState).reduce((sum, n) => sum + n, 0),
      countsByState,
      overdueApprovals: {
        count: overdue.length,
        items: overdue.map((p) => ({ id: p.id, title: p.title, submittedAt: p.context.submittedAt ?? null })),
      },
      expiringWithinDays: EXPIRY_HORIZON_DAYS,
      expiring: { count: expiring.length, items: expiring },
      fulfilment,
    };
  }
}
