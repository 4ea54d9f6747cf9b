import { Inject, Injectable } from '@nestjs/common';
import ical, { ICalEventStatus } from 'ical-generator';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, In } from 'typeorm';
import { ActivitySeries } from '../activities/activity-series.entity.js';
import { effectiveDate } from '../activities/activities.service.js';
import { Occurrence } from '../activities/occurrence.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { addDaysToDate, startOfDate } from '../common/dates.js';
import { DomainError } from '../common/domain-error.js';
import { WriteQueue } from '../database/write-queue.js';
import { Organization } from '../organizations/organization.entity.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { UsersService } from '../users/users.service.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { CalendarToken } from './calendar-token.entity.js';

const UID_DOMAIN = 'partnership-engine';
const STATUS: Record<string, ICalEventStatus> = {
  planned: ICalEventStatus.TENTATIVE,
  scheduled: ICalEventStatus.CONFIRMED,
  held: ICalEventStatus.CONFIRMED,
  cancelled: ICalEventStatus.CANCELLED,
  missed: ICalEventStatus.CANCELLED,
};

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function tokenView(row: CalendarToken) {
  return { id: row.id, label: row.label, createdAt: row.createdAt, revokedAt: row.revokedAt };
}

/**
 * The iCalendar (RFC 5545) feed of activity occurrences, MOU expiries and renewal windows, and the
 * personal feed tokens that let calendar apps, which cannot send a bearer header, subscribe to it.
 */
@Injectable()
export class CalendarService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Creates a feed token; the secret is answered once and only its SHA-256 is stored. */
  createToken(actor: Actor, label: string | undefined, requestId: string) {
    return this.queue.run(async (manager) => {
      const token = randomBytes(32).toString('base64url');
      const row: CalendarToken = {
        id: randomUUID(),
        userId: actor.id,
        tokenHash: hashToken(token),
        label: label ?? null,
        createdAt: this.clock.now().toISOString(),
        revokedAt: null,
      };
      await manager.insert(CalendarToken, row);
      await this.audit.append(manager, {
        occurredAt: row.createdAt,
        actor,
        action: 'CREATE',
        entityType: 'calendar_token',
        entityId: row.id,
        outcome: 'ok',
        requestId,
        payload: { label: row.label },
      });
      return { ...tokenView(row), token, path: `/api/calendar.ics?token=${token}` };
    });
  }

  async listTokens(actor: Actor) {
    const rows = await this.dataSource.getRepository(CalendarToken).find({ where: { userId: actor.id }, order: { createdAt: 'ASC' } });
    return { items: rows.map(tokenView), total: rows.length };
  }

  revokeToken(actor: Actor, id: string, requestId: string) {
    return this.queue.run(async (manager) => {
      const row = await manager.findOne(CalendarToken, { where: { id, userId: actor.id } });
      if (!row) throw new DomainError('NOT_FOUND', `calendar token ${id} not found`);
      if (row.revokedAt) return tokenView(row);
      const revokedAt = this.clock.now().toISOString();
      await manager.update(CalendarToken, { id }, { revokedAt });
      await this.audit.append(manager, {
        occurredAt: revokedAt,
        actor,
        action: 'REVOKE',
        entityType: 'calendar_token',
        entityId: id,
        outcome: 'ok',
        requestId,
        payload: {},
      });
      return tokenView({ ...row, revokedAt });
    });
  }

  /** The user a feed token speaks for; revoked tokens and disabled users get 401. */
  async userForToken(token: string): Promise<void> {
    const row = await this.dataSource.getRepository(CalendarToken).findOne({ where: { tokenHash: hashToken(token) } });
    if (!row || row.revokedAt || !(await this.users.isActive(row.userId))) throw new DomainError('UNAUTHENTICATED', 'this calendar token is unknown or has been revoked');
  }

  async feed(): Promise<string> {
    const calendar = ical({
      name: 'Partnership Engine',
      description: 'Activity occurrences, MOU expiries and renewal windows',
      prodId: { company: 'Partnership Engine', product: 'Partnerships', language: 'EN' },
    });
    const occurrences = await this.dataSource.getRepository(Occurrence).find({ order: { dueOn: 'ASC' } });
    const partnerships = await this.dataSource.getRepository(Partnership).find();
    const series = occurrences.length
      ? await this.dataSource.getRepository(ActivitySeries).find({ where: { id: In([...new Set(occurrences.map((o) => o.seriesId))]) } })
      : [];
    const organizations = await this.dataSource.getRepository(Organization).find({ select: { id: true, name: true } });
    const seriesById = new Map(series.map((s) => [s.id, s]));
    const partnershipById = new Map(partnerships.map((p) => [p.id, p]));
    const orgName = new Map(organizations.map((o) => [o.id, o.name]));
    const day = (date: string) => new Date(startOfDate(date));

    for (const occurrence of occurrences) {
      const s = seriesById.get(occurrence.seriesId);
      const p = partnershipById.get(occurrence.partnershipId);
      const venue = occurrence.context.venue;
      calendar.createEvent({
        id: `occurrence-${occurrence.id}@${UID_DOMAIN}`,
        start: day(effectiveDate(occurrence)),
        allDay: true,
        stamp: new Date(occurrence.updatedAt),
        summary: `${s?.title ?? 'Activity'} (${occurrence.state})`,
        description: [
          p ? `Partnership: ${p.title}` : null,
          p ? `Organization: ${orgName.get(p.organizationId) ?? p.organizationId}` : null,
          `Due on ${occurrence.dueOn}; term ${occurrence.termNumber}`,
        ]
          .filter(Boolean)
          .join('\n'),
        location: typeof venue === 'string' ? venue : undefined,
        status: STATUS[occurrence.state],
      });
    }
    for (const p of partnerships) {
      if (!p.state.startsWith('in_force')) continue;
      const expiresOn = String(p.context.expiresOn);
      const termNumber = ((p.context.terms ?? []) as unknown[]).length;
      const org = orgName.get(p.organizationId) ?? p.organizationId;
      calendar.createEvent({
        id: `mou-expiry-${p.id}-term-${termNumber}@${UID_DOMAIN}`,
        start: day(expiresOn),
        allDay: true,
        stamp: new Date(p.updatedAt),
        summary: `MOU expires: ${p.title}`,
        description: `The MOU with ${org} (term ${termNumber}) runs through ${expiresOn}.`,
      });
      const windowOpens = addDaysToDate(expiresOn, -Number(p.context.renewalLeadDays ?? 90));
      calendar.createEvent({
        id: `mou-renewal-${p.id}-term-${termNumber}@${UID_DOMAIN}`,
        start: day(windowOpens),
        allDay: true,
        stamp: new Date(p.updatedAt),
        summary: `Renewal window opens: ${p.title}`,
        description: `Decide on renewing the MOU with ${org} before it expires on ${expiresOn}.`,
      });
    }
    return calendar.toString();
  }
}
