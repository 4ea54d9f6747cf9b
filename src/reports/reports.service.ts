import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { countFulfilment } from '../activities/activities.service.js';
import { Occurrence } from '../activities/occurrence.entity.js';
import { Clock } from '../common/clock.js';
import { addDaysToDate, dateOf } from '../common/dates.js';
import { Partnership } from '../partnerships/partnership.entity.js';

export const EXPIRY_HORIZON_DAYS = 90;

/** The pipeline at a glance: where partnerships stand, what is late, what expires, what was delivered. */
@Injectable()
export class ReportsService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async pipeline() {
    const today = dateOf(this.clock.now());
    const horizon = addDaysToDate(today, EXPIRY_HORIZON_DAYS);
    const partnerships = this.dataSource.getRepository(Partnership);
    const counts = await partnerships.createQueryBuilder('p').select('p.state', 'state').addSelect('COUNT(*)', 'count').groupBy('p.state').getRawMany<{ state: string; count: string | number }>();
    const countsByState = Object.fromEntries(counts.sort((a, b) => a.state.localeCompare(b.state)).map((r) => [r.state, Number(r.count)]));
    const overdue = await partnerships.find({ where: { overdue: true }, order: { createdAt: 'ASC' } });
    const inForce = await partnerships.createQueryBuilder('p').where("p.state LIKE 'in_force%'").getMany();
    const expiring = inForce
      .map((p) => ({ id: p.id, title: p.title, organizationId: p.organizationId, state: p.state, expiresOn: String(p.context.expiresOn) }))
      .filter((p) => p.expiresOn <= horizon)
      .sort((a, b) => a.expiresOn.localeCompare(b.expiresOn));
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
      (await partnerships.find({ select: { id: true, title: true, context: true } })).map((p) => [p.id, { title: p.title, terms: ((p.context.terms ?? []) as unknown[]).length }]),
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
