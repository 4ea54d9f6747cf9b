import { Inject, Injectable } from '@nestjs/common';
import ical, { ICalAlarmType, ICalEventStatus, type ICalAlarmData, type ICalCalendar } from 'ical-generator';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, In } from 'typeorm';
import { ActivitySeries } from '../activities/activity-series.entity.js';
import { Occurrence } from '../activities/occurrence.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { addDaysToDate, addYearsToDate, dateOf, startOfDate } from '../common/dates.js';
import { DomainError } from '../common/domain-error.js';
import { WriteQueue } from '../database/write-queue.js';
import { Engagement } from '../engagements/engagement.entity.js';
import { FollowUp } from '../engagements/follow-up.entity.js';
import { Organization } from '../organizations/organization.entity.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { PARTNERSHIP_WORKFLOW } from '../partnerships/partnerships.service.js';
import { UsersService } from '../users/users.service.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
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
    private readonly registry: WorkflowRegistry,
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

  /** A page of the caller's tokens, newest first, with their total. */
  async listTokens(actor: Actor, page: { limit?: number; offset?: number } = {}) {
    const [rows, total] = await this.dataSource
      .getRepository(CalendarToken)
      .findAndCount({ where: { userId: actor.id }, order: { createdAt: 'DESC', id: 'ASC' }, take: page.limit ?? 50, skip: page.offset ?? 0 });
    return { items: rows.map(tokenView), total };
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
    if (!row || row.revokedAt || !(await this.users.isActive(row.userId)))
      throw new DomainError('UNAUTHENTICATED', 'this calendar token is unknown or has been revoked');
  }

  /**
   * The window a feed covers: `from` and `to` as asked, a year back to two years ahead by default
   * (a missing end is three years from the other), at most FEED_MAX_YEARS long (400 beyond).
   */
  window(query: { from?: string; to?: string }): FeedWindow {
    const today = dateOf(this.clock.now());
    const from = query.from ?? (query.to ? addYearsToDate(query.to, -FEED_DEFAULT_YEARS) : addYearsToDate(today, -1));
    const to = query.to ?? (query.from ? addYearsToDate(query.from, FEED_DEFAULT_YEARS) : addYearsToDate(today, FEED_DEFAULT_YEARS - 1));
    const refuse = (problem: string) => new DomainError('VALIDATION_FAILED', problem, { errors: [problem] });
    if (to < from) throw refuse(`to (${to}) must not come before from (${from})`);
    if (to > addYearsToDate(from, FEED_MAX_YEARS)) throw refuse(`the window may span at most ${FEED_MAX_YEARS} years: from ${from} to ${to} is longer`);
    return { from, to };
  }

  /**
   * The iCalendar text of a window, in pieces: the header, then the events of FEED_BATCH rows at a
   * time, then the end. Each batch is read only when the one before has been taken, so memory
   * holds one batch and the event loop is free between them, however many rows the window has.
   */
  async *feed(window: FeedWindow): AsyncGenerator<string> {
    const head = feedCalendar().toString().slice(0, -FEED_END.length);
    yield head;
    for await (const occurrences of this.occurrencesIn(window)) yield eventsText(head, (calendar) => this.occurrenceEvents(calendar, occurrences));
    for await (const partnerships of this.expiriesNear(window)) yield eventsText(head, (calendar) => this.termEvents(calendar, partnerships, window));
    for await (const engagements of this.engagementsIn(window)) yield eventsText(head, (calendar) => Promise.resolve(engagementEvents(calendar, engagements)));
    for await (const followUps of this.followUpsIn(window)) yield eventsText(head, (calendar) => Promise.resolve(followUpEvents(calendar, followUps)));
    yield FEED_END;
  }

  /** Occurrences whose date falls in the window, in (date, id) order, a batch at a time through the `occurs_on` index. */
  private async *occurrencesIn(window: FeedWindow): AsyncGenerator<Occurrence[]> {
    let after: { date: string; id: string } | undefined;
    for (;;) {
      const query = this.dataSource
        .getRepository(Occurrence)
        .createQueryBuilder('o')
        .where('o.occurs_on >= :from AND o.occurs_on <= :to', window)
        .orderBy('o.occurs_on', 'ASC')
        .addOrderBy('o.id', 'ASC')
        .limit(FEED_BATCH);
      if (after) query.andWhere('(o.occurs_on > :afterDate OR (o.occurs_on = :afterDate AND o.id > :afterId))', { afterDate: after.date, afterId: after.id });
      const batch = await query.getMany();
      if (batch.length === 0) return;
      yield batch;
      const last = batch[batch.length - 1];
      after = { date: last.occursOn, id: last.id };
    }
  }

  /** MOUs in force whose expiry, or the opening of whose renewal window, falls in the window, a batch at a time through the `expires_on` index. */
  private async *expiriesNear(window: FeedWindow): AsyncGenerator<Partnership[]> {
    // A renewal window opens renewalLeadDays before the expiry: an expiry up to the longest lead after the window may open one inside it.
    const until = addDaysToDate(window.to, this.longestRenewalLead());
    let after: { date: string; id: string } | undefined;
    for (;;) {
      const query = this.dataSource
        .getRepository(Partnership)
        .createQueryBuilder('p')
        .select(['p.id', 'p.title', 'p.organizationId', 'p.context', 'p.expiresOn', 'p.updatedAt'])
        .where('p.expires_on >= :from AND p.expires_on <= :until', { from: window.from, until })
        .orderBy('p.expires_on', 'ASC')
        .addOrderBy('p.id', 'ASC')
        .limit(FEED_BATCH);
      if (after) query.andWhere('(p.expires_on > :afterDate OR (p.expires_on = :afterDate AND p.id > :afterId))', { afterDate: after.date, afterId: after.id });
      const batch = await query.getMany();
      if (batch.length === 0) return;
      yield batch;
      const last = batch[batch.length - 1];
      after = { date: last.expiresOn as string, id: last.id };
    }
  }

  /** Engagements that start in the window, in (date, id) order, a batch at a time through the `starts_on` index. */
  private async *engagementsIn(window: FeedWindow): AsyncGenerator<Engagement[]> {
    let after: { date: string; id: string } | undefined;
    for (;;) {
      const query = this.dataSource
        .getRepository(Engagement)
        .createQueryBuilder('e')
        .where('e.starts_on >= :from AND e.starts_on <= :to', window)
        .orderBy('e.starts_on', 'ASC')
        .addOrderBy('e.id', 'ASC')
        .limit(FEED_BATCH);
      if (after) query.andWhere('(e.starts_on > :afterDate OR (e.starts_on = :afterDate AND e.id > :afterId))', { afterDate: after.date, afterId: after.id });
      const batch = await query.getMany();
      if (batch.length === 0) return;
      yield batch;
      const last = batch[batch.length - 1];
      after = { date: last.startsOn, id: last.id };
    }
  }

  /** Follow-ups due in the window, in (date, id) order, a batch at a time. */
  private async *followUpsIn(window: FeedWindow): AsyncGenerator<FollowUp[]> {
    let after: { date: string; id: string } | undefined;
    for (;;) {
      const query = this.dataSource
        .getRepository(FollowUp)
        .createQueryBuilder('f')
        .where('f.due_on >= :from AND f.due_on <= :to', window)
        .orderBy('f.due_on', 'ASC')
        .addOrderBy('f.id', 'ASC')
        .limit(FEED_BATCH);
      if (after) query.andWhere('(f.due_on > :afterDate OR (f.due_on = :afterDate AND f.id > :afterId))', { afterDate: after.date, afterId: after.id });
      const batch = await query.getMany();
      if (batch.length === 0) return;
      yield batch;
      const last = batch[batch.length - 1];
      after = { date: last.dueOn, id: last.id };
    }
  }

  private longestRenewalLead(): number {
    return Math.max(0, ...this.registry.versions(PARTNERSHIP_WORKFLOW).map((w) => Number(w.definition.machine.context.renewalLeadDays) || 0));
  }

  private async organizationNames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.getRepository(Organization).find({ select: { id: true, name: true }, where: { id: In([...new Set(ids)]) } });
    return new Map(rows.map((o) => [o.id, o.name]));
  }

  private async occurrenceEvents(calendar: ICalCalendar, occurrences: Occurrence[]): Promise<void> {
    const series = await this.dataSource.getRepository(ActivitySeries).find({ where: { id: In([...new Set(occurrences.map((o) => o.seriesId))]) } });
    const partnerships = await this.dataSource
      .getRepository(Partnership)
      .find({ select: { id: true, title: true, organizationId: true }, where: { id: In([...new Set(occurrences.map((o) => o.partnershipId))]) } });
    const orgName = await this.organizationNames(partnerships.map((p) => p.organizationId));
    const seriesById = new Map(series.map((s) => [s.id, s]));
    const partnershipById = new Map(partnerships.map((p) => [p.id, p]));
    for (const occurrence of occurrences) {
      const s = seriesById.get(occurrence.seriesId);
      const p = partnershipById.get(occurrence.partnershipId);
      const venue = occurrence.context.venue;
      calendar.createEvent({
        id: `occurrence-${occurrence.id}@${UID_DOMAIN}`,
        start: day(occurrence.occursOn),
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
        alarms: [alarm(ALARM_DAYS_BEFORE.occurrence, `${s?.title ?? 'Activity'} is due in ${ALARM_DAYS_BEFORE.occurrence} days`)],
      });
    }
  }

  private async termEvents(calendar: ICalCalendar, partnerships: Partnership[], window: FeedWindow): Promise<void> {
    const orgName = await this.organizationNames(partnerships.map((p) => p.organizationId));
    const inWindow = (date: string) => date >= window.from && date <= window.to;
    for (const p of partnerships) {
      const expiresOn = p.expiresOn as string;
      const termNumber = ((p.context.terms ?? []) as unknown[]).length;
      const org = orgName.get(p.organizationId) ?? p.organizationId;
      if (inWindow(expiresOn)) {
        calendar.createEvent({
          id: `mou-expiry-${p.id}-term-${termNumber}@${UID_DOMAIN}`,
          start: day(expiresOn),
          allDay: true,
          stamp: new Date(p.updatedAt),
          summary: `MOU expires: ${p.title}`,
          description: `The MOU with ${org} (term ${termNumber}) runs through ${expiresOn}.`,
          alarms: [alarm(ALARM_DAYS_BEFORE.expiry, `The MOU with ${org} expires in ${ALARM_DAYS_BEFORE.expiry} days`)],
        });
      }
      const windowOpens = addDaysToDate(expiresOn, -Number(p.context.renewalLeadDays));
      if (inWindow(windowOpens)) {
        calendar.createEvent({
          id: `mou-renewal-${p.id}-term-${termNumber}@${UID_DOMAIN}`,
          start: day(windowOpens),
          allDay: true,
          stamp: new Date(p.updatedAt),
          summary: `Renewal window opens: ${p.title}`,
          description: `Decide on renewing the MOU with ${org} before it expires on ${expiresOn}.`,
          alarms: [alarm(ALARM_DAYS_BEFORE.renewalWindow, `The renewal window of the MOU with ${org} opens today`)],
        });
      }
    }
  }
}

export interface FeedWindow {
  from: string;
  to: string;
}

/** The feed's default span, and the longest a client may ask for. */
const FEED_DEFAULT_YEARS = 3;
const FEED_MAX_YEARS = 5;
/** Rows read, and events written, at a time. */
const FEED_BATCH = 500;
const FEED_END = 'END:VCALENDAR';

function feedCalendar(): ICalCalendar {
  return ical({
    name: 'Partnership Engine',
    description: 'Activity occurrences, MOU expiries and renewal windows, engagements and follow-ups',
    prodId: { company: 'Partnership Engine', product: 'Partnerships', language: 'EN' },
  });
}

const day = (date: string) => new Date(startOfDate(date));

/** Engagements as all-day entries over the days they span (the end is exclusive in iCalendar). */
function engagementEvents(calendar: ICalCalendar, engagements: Engagement[]): void {
  for (const e of engagements) {
    calendar.createEvent({
      id: `engagement-${e.id}@${UID_DOMAIN}`,
      start: day(e.startsOn),
      end: day(addDaysToDate(e.endsOn ?? e.startsOn, 1)),
      allDay: true,
      stamp: new Date(e.updatedAt),
      summary: `${e.kind[0].toUpperCase()}${e.kind.slice(1)}: ${e.title}`,
      location: e.place ?? undefined,
    });
  }
}

/** Follow-ups on their due day, with a reminder the day before while they are open. */
function followUpEvents(calendar: ICalCalendar, followUps: FollowUp[]): void {
  for (const f of followUps) {
    calendar.createEvent({
      id: `follow-up-${f.id}@${UID_DOMAIN}`,
      start: day(f.dueOn),
      allDay: true,
      stamp: new Date(f.updatedAt),
      summary: `Follow-up due: ${f.title} (${f.state})`,
      status: f.state === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      alarms: f.state === 'open' ? [alarm(ALARM_DAYS_BEFORE.followUp, `"${f.title}" is due tomorrow`)] : [],
    });
  }
}

/** How many days before an entry's day calendar apps remind of it: time to prepare an activity, to act before an expiry; a renewal window on its day. */
const ALARM_DAYS_BEFORE = { occurrence: 7, expiry: 30, renewalWindow: 0, followUp: 1 } as const;

/** A VALARM that shows `text` the given number of days before the (all-day) entry starts. */
function alarm(daysBefore: number, text: string): ICalAlarmData {
  return { type: ICalAlarmType.display, triggerBefore: daysBefore * 86_400, description: text };
}

/** The text of some events as a calendar writes them (lines folded), without the header and end every piece would repeat. */
async function eventsText(head: string, add: (calendar: ICalCalendar) => Promise<void>): Promise<string> {
  const calendar = feedCalendar();
  await add(calendar);
  const text = calendar.toString();
  if (!text.startsWith(head) || !text.endsWith(FEED_END)) throw new Error('ical-generator no longer writes the calendar header before its events');
  return text.slice(head.length, -FEED_END.length);
}
