import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ActivitiesService } from '../activities/activities.service.js';
import { ApprovalsService } from '../approvals/approvals.service.js';
import { Clock, DAY_MS } from '../common/clock.js';
import { dateOf } from '../common/dates.js';
import type { AppConfig } from '../config/app.config.js';
import { PartnerLinksService } from '../documents/partner-links/partner-links.service.js';
import { FollowUpsService } from '../engagements/follow-ups.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import { partnershipStatesWhere } from '../partnerships/partnership-workflows.js';
import { renewalStates } from '../workflow-engine/definition-facts.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import type { Actor } from '../workflow-engine/workflow.types.js';

/** Each list on the page shows at most this many; the count in the navigation counts them all. */
const LISTED = 50;
/** MOUs in their renewal window number a few a month; a list page reads at most this many (the API's bound on a page). */
const RENEWALS_READ = 200;
/** Partners' confirmations of the agreed text are listed for this many days after they came. */
const ACKNOWLEDGEMENTS_DAYS = 30;

/**
 * What waits for the signed-in person now (SPEC "My work"): proposals to decide, in their own right
 * and for the approvers they stand in for; MOUs whose renewal an approver decides; occurrences of
 * their partnerships to schedule or to record; the follow-ups they owe, due within the reminder
 * days or overdue; their unread notices; and, to read, the partners' confirmations of their
 * partnerships' agreed texts. Read from the services the API
 * uses, each with the same rules.
 */
@Injectable()
export class MyWork {
  private readonly reminderDays: number;

  constructor(
    private readonly approvals: ApprovalsService,
    private readonly partnerships: PartnershipsService,
    private readonly activities: ActivitiesService,
    private readonly notifications: NotificationsService,
    private readonly partnerLinks: PartnerLinksService,
    private readonly followUps: FollowUpsService,
    @Inject(Clock) private readonly clock: Clock,
    private readonly registry: WorkflowRegistry,
    config: ConfigService,
  ) {
    this.reminderDays = config.getOrThrow<AppConfig>('app').activityReminderDays;
  }

  /** Each list's first `listed` items, with its total; `total` counts everything that waits. */
  async of(actor: Actor, listed = LISTED) {
    const [approvals, renewals, occurrences, followUps, notices] = [
      await this.approvals.pending(actor, { limit: listed }),
      await this.renewals(actor, listed),
      await this.activities.waitingFor(actor.id, this.reminderDays, listed),
      await this.followUps.dueFor(actor.id, this.reminderDays, listed),
      await this.notifications.list(actor, { unread: true, limit: listed }),
    ];
    const today = dateOf(this.clock.now());
    const since = new Date(this.clock.now().getTime() - ACKNOWLEDGEMENTS_DAYS * DAY_MS).toISOString();
    // What partners confirmed of the person's partnerships lately: news rather than work, so not counted in `total`.
    const acknowledgements = await this.partnerLinks.acknowledgementsFor(actor.id, since, listed);
    // A scheduled occurrence is listed once its day has come; a planned one whose day has passed is recorded, not scheduled.
    const toRecord = (item: { state: string; date: string }) => item.state === 'scheduled' || item.date < today;
    return {
      approvals,
      renewals,
      occurrences: { ...occurrences, items: occurrences.items.map((item) => ({ ...item, toRecord: toRecord(item) })) },
      followUps: {
        total: followUps.total,
        items: followUps.items.map((row) => ({
          id: row.id,
          title: row.title,
          dueOn: row.dueOn,
          overdue: row.overdue,
          engagementId: row.engagementId,
          version: row.version,
          actions: this.followUps.availableEvents(row, actor).filter((type) => type !== 'REOPEN'),
        })),
      },
      notices,
      acknowledgements,
      total: approvals.total + renewals.total + occurrences.total + followUps.total + notices.unread,
    };
  }

  /** How many things wait for the person, for the navigation; and whether they decide on proposals (the inbox). */
  async summary(actor: Actor): Promise<{ count: number; decides: boolean }> {
    const [work, decides] = [await this.of(actor, 1), await this.approvals.decides(actor)];
    return { count: work.total, decides };
  }

  /** MOUs in their renewal window that this person may renew or let expire: the approvers'. The first RENEWALS_READ in the window are read. */
  private async renewals(actor: Actor, listed: number) {
    if (!actor.roles.includes('approver')) return { items: [], total: 0 };
    const lists = await Promise.all(
      partnershipStatesWhere(this.registry, renewalStates).map((state) => this.partnerships.list({ state, limit: RENEWALS_READ })),
    );
    const items = lists.flatMap((list) => list.items).slice(0, RENEWALS_READ);
    const waiting = items.filter((row) => this.partnerships.availableEvents(row, actor, {}).includes('RENEW'));
    return {
      items: waiting.slice(0, listed).map((row) => ({ id: row.id, title: row.title, expiresOn: row.expiresOn })),
      total: waiting.length,
    };
  }
}
