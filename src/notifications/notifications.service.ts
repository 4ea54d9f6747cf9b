import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { DataSource, In, type EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { dateOf } from '../common/dates.js';
import { DomainError } from '../common/domain-error.js';
import { Poller } from '../common/poller.js';
import type { AppConfig } from '../config/app.config.js';
import { plainExecute, plainQuery } from '../database/plain-query.js';
import { afterCommit, WriteQueue } from '../database/write-queue.js';
import { FOLLOW_UP_KIND, type FollowUp } from '../engagements/follow-up.entity.js';
import type { Partnership } from '../partnerships/partnership.entity.js';
import { InstanceRuntime, type Transition } from '../workflow-engine/instance-runtime.service.js';
import { approvalStates, isWithin, statesWhere } from '../workflow-engine/definition-facts.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { SYSTEM_ACTOR, type Actor, type EngineEvent, type WorkflowDefinition } from '../workflow-engine/workflow.types.js';
import type { NotificationListQueryDto } from './dto/notification-query.dto.js';
import { toNotificationDto, type NotificationListDto } from './dto/notification.dto.js';
import { MailOutboxRow } from './mail/mail-outbox.entity.js';
import { MailWorker } from './mail/mail-worker.service.js';
import {
  DELEGATION_STARTED,
  kindsCausedBy,
  kindsOfSweep,
  type DelegationNoticeSubject,
  type KindEntry,
  type NotificationKind,
  type NoticeSubject,
  type PartnerKindEntry,
  type PartnerNoticeSubject,
  type SweepName,
} from './notification-kinds.js';
import { delegateOf, ownerOf, RECIPIENTS, type Recipient } from './notification-recipients.js';
import { delegationsStarting, sweepSubjects } from './notification-sweeps.js';
import { Notification } from './notification.entity.js';

/** A notice with an occasion already written for its recipient is left as it is: a sweep may find it again, on any instance. */
const INSERT = `INSERT INTO notifications (id, recipient_id, kind, subject, body, link, entity_type, entity_id, occasion, created_at, read_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (recipient_id, occasion) DO NOTHING`;

const SWEEPS: SweepName[] = ['activitiesDueSoon', 'activitiesToRecord'];

/** One notice as its rows store it, for each recipient. */
interface NoticeRow {
  kind: NotificationKind;
  subject: string;
  body: string;
  link: string;
  entity: { type: string; id: string };
  occasion: string | null;
}

/**
 * The notifications outbox. Notices of a change are written in the change's transaction, from
 * InstanceRuntime (every transition, timers included) and from the delegations, so a refused or
 * rolled-back change leaves none; reminders that no event causes (an occurrence coming due, one to
 * record, a delegation's first day) are found by a sweep as time passes. Which notice, to whom, in
 * which words: notification-kinds.ts.
 */
@Injectable()
export class NotificationsService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationsService.name);
  private readonly settings: AppConfig;
  private readonly sweeper = new Poller('the reminder sweep', () => this.sweep(), this.logger);

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly runtime: InstanceRuntime,
    private readonly registry: WorkflowRegistry,
    private readonly mail: MailWorker,
    @Inject(Clock) private readonly clock: Clock,
    config: ConfigService,
  ) {
    this.settings = config.getOrThrow<AppConfig>('app');
  }

  onModuleInit(): void {
    this.runtime.registerObserver((manager, transition) => this.onTransition(manager, transition));
  }

  /** Reminders run on the timers' beat: like timers, they are time passing. */
  onApplicationBootstrap(): void {
    this.sweeper.start(this.settings.timerPollMs);
  }

  onApplicationShutdown(): Promise<void> {
    return this.sweeper.stop();
  }

  /** In the transition's transaction: the notices its event, new state or timer causes. */
  private async onTransition(manager: EntityManager, transition: Transition): Promise<void> {
    const definition = this.runtime.definitionOf(transition.row);
    const kinds = kindsCausedBy(transition.kind, definition, transition.from, transition.result.value, transition.event.type);
    if (kinds.length === 0) return;
    const subject = transition.kind === FOLLOW_UP_KIND ? followUpSubject(transition) : this.partnershipSubject(transition, definition);
    for (const kind of kinds) await this.write(manager, kind, subject);
  }

  /** A partnership's notice: about it as it stands after the change, its stage in the words of its workflow's labels. */
  private partnershipSubject({ row, result, event }: Transition, definition: WorkflowDefinition): NoticeSubject {
    const partnership = row as Partnership;
    const stage = {
      title: this.registry.stateLabel(result.value, row.workflowId).title,
      awaitsApprovals: isWithin(statesWhere(definition, approvalStates), result.value),
    };
    return {
      partnershipId: partnership.id,
      title: partnership.title,
      ownerId: partnership.ownerId,
      state: result.value,
      context: result.context,
      event,
      stage,
    };
  }

  /** Writes a kind's notice to each of its recipients; how many were new. */
  private async write(manager: EntityManager, kind: KindEntry, subject: NoticeSubject): Promise<number> {
    const recipients = await RECIPIENTS[kind.to](manager, subject);
    if (recipients.length === 0) return 0;
    const actorName = await this.nameOf(manager, subject.event);
    const entity = subject.followUp
      ? { type: FOLLOW_UP_KIND, id: subject.followUp.followUpId }
      : subject.activity
        ? { type: 'occurrence', id: subject.activity.occurrenceId }
        : { type: 'partnership', id: String(subject.partnershipId) };
    const words = kind.words({ ...subject, actorName });
    return this.insert(manager, recipients, { kind: kind.kind, ...words, link: kind.link(subject), entity, occasion: kind.occasion?.(subject) ?? null });
  }

  /** Tells the delegate that a delegation to them has begun, once (a sweep may find it again), in the caller's transaction. */
  async delegationStarted(manager: EntityManager, subject: DelegationNoticeSubject): Promise<number> {
    const notice = DELEGATION_STARTED;
    const words = notice.words(subject);
    const entity = { type: 'delegation', id: subject.delegationId };
    return this.insert(manager, await delegateOf(manager, subject), {
      kind: notice.kind,
      ...words,
      link: notice.link(subject),
      entity,
      occasion: notice.occasion(subject),
    });
  }

  /** Tells the partnership's owner what the partner did through a link (PARTNER_ACKNOWLEDGED, PARTNER_COMMENT), in the caller's transaction. */
  async partnerActed(manager: EntityManager, notice: PartnerKindEntry, subject: PartnerNoticeSubject): Promise<number> {
    return this.insert(manager, await ownerOf(manager, subject), {
      kind: notice.kind,
      ...notice.words(subject),
      link: notice.link(subject),
      entity: { type: 'partnership', id: subject.partnershipId },
      occasion: notice.occasion(subject),
    });
  }

  private async insert(manager: EntityManager, recipients: Recipient[], notice: NoticeRow): Promise<number> {
    const at = this.clock.now().toISOString();
    let written = 0;
    let mailed = false;
    for (const recipient of recipients) {
      const id = randomUUID();
      const { kind, subject, body, link, entity, occasion } = notice;
      const inserted = await plainExecute(manager, INSERT, [id, recipient.id, kind, subject, body, link, entity.type, entity.id, occasion, at]);
      written += inserted;
      if (inserted === 1 && (await this.mail.enqueue(manager, id, recipient))) mailed = true;
    }
    if (mailed) afterCommit(manager, () => void this.mail.kick());
    return written;
  }

  /** Who sent the event, by name: "Amina Khan", or for a delegate's decision "Amina Khan for Bilal Ahmed"; "The system" for a timer. */
  private async nameOf(manager: EntityManager, event: EngineEvent | undefined): Promise<string> {
    if (!event || event.actor.id === SYSTEM_ACTOR.id) return 'The system';
    const name = async (id: string) =>
      (await plainQuery<{ display_name: string }>(manager, 'SELECT display_name FROM users WHERE id = ?', [id]))[0]?.display_name ?? id;
    return event.onBehalfOf ? `${await name(event.actor.id)} for ${await name(event.onBehalfOf.id)}` : name(event.actor.id);
  }

  /** Writes the reminders that have come due (each once per recipient); how many. Tests call it after moving the clock. */
  async sweep(): Promise<number> {
    const today = dateOf(this.clock.now());
    let written = 0;
    for (const sweep of SWEEPS) {
      const subjects = await sweepSubjects(this.dataSource.manager, sweep, today, this.settings.activityReminderDays);
      if (subjects.length === 0) continue;
      written += await this.queue.run(async (manager) => {
        let count = 0;
        for (const subject of subjects) for (const kind of kindsOfSweep(sweep)) count += await this.write(manager, kind, subject);
        return count;
      });
    }
    const delegations = await delegationsStarting(this.dataSource.manager, today);
    if (delegations.length > 0) {
      written += await this.queue.run(async (manager) => {
        let count = 0;
        for (const subject of delegations) count += await this.delegationStarted(manager, subject);
        return count;
      });
    }
    return written;
  }

  async list(actor: Actor, query: NotificationListQueryDto): Promise<NotificationListDto> {
    const builder = this.dataSource.getRepository(Notification).createQueryBuilder('n').where('n.recipient_id = :id', { id: actor.id });
    if (query.unread === true) builder.andWhere('n.read_at IS NULL');
    const [rows, total] = await builder
      .orderBy('n.created_at', 'DESC')
      .addOrderBy('n.id', 'DESC')
      .take(query.limit ?? 50)
      .skip(query.offset ?? 0)
      .getManyAndCount();
    const [{ n: unread }] = await plainQuery<{ n: number | string }>(
      this.dataSource,
      'SELECT count(*) AS n FROM notifications WHERE recipient_id = ? AND read_at IS NULL',
      [actor.id],
    );
    const mail = rows.length === 0 ? [] : await this.dataSource.getRepository(MailOutboxRow).findBy({ notificationId: In(rows.map((row) => row.id)) });
    const mailOf = new Map(mail.map((m) => [m.notificationId, m]));
    return { items: rows.map((row) => toNotificationDto(row, mailOf.get(row.id), this.settings.publicUrl)), total, unread: Number(unread) };
  }

  /** Marks one of the caller's notices read; one already read stays as it was. Someone else's is 404, as is none. */
  async markRead(actor: Actor, id: string): Promise<void> {
    await this.queue.run(async (manager) => {
      const [row] = await plainQuery<{ read_at: string | null }>(manager, 'SELECT read_at FROM notifications WHERE id = ? AND recipient_id = ?', [
        id,
        actor.id,
      ]);
      if (!row) throw new DomainError('NOT_FOUND', `notification ${id} not found`);
      if (row.read_at === null) await plainExecute(manager, 'UPDATE notifications SET read_at = ? WHERE id = ?', [this.clock.now().toISOString(), id]);
    });
  }

  async markAllRead(actor: Actor): Promise<void> {
    await this.queue.run((manager) =>
      plainExecute(manager, 'UPDATE notifications SET read_at = ? WHERE recipient_id = ? AND read_at IS NULL', [this.clock.now().toISOString(), actor.id]),
    );
  }
}

/** A follow-up's notice: to its owner, about it. */
function followUpSubject({ row, result, event }: Transition): NoticeSubject {
  const followUp = row as FollowUp;
  return {
    partnershipId: followUp.partnershipId,
    title: followUp.title,
    ownerId: followUp.ownerId,
    state: result.value,
    context: result.context,
    event,
    followUp: { followUpId: followUp.id, dueOn: followUp.dueOn },
  };
}
