import { ConsoleLogger, type INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { ActivitiesService } from '../activities/activities.service.js';
import { ManualClock } from '../common/clock.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import { Timer } from '../timers/timer.entity.js';
import { MailWorker } from '../notifications/mail/mail-worker.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { TimersService } from '../timers/timers.service.js';
import { generatePassword } from '../users/password-policy.js';
import type { Role } from '../users/roles.js';
import { INITIAL_ADMIN_USERNAME, UsersService } from '../users/users.service.js';
import { InstanceRuntime } from '../workflow-engine/instance-runtime.service.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { DemoModule } from './demo.module.js';
import { DEMO_USERS, type DemoOrganization, type DemoUserName, type PartnershipStory, type StoryStep } from './demo-story.js';
import { DEMO_START, FIELD_VISIT_ORGANIZATIONS, FIELD_VISIT_STORIES } from './field-visit.data.js';
import {
  ENGAGEMENTS_RECORDED,
  FIELD_VISIT_ENGAGEMENTS,
  FIELD_VISIT_FOLLOW_UPS,
  PARTNERSHIP_ORIGINS,
  type DemoEngagement,
  type DemoFollowUp,
} from './field-visit-engagements.data.js';
import { EngagementsService } from '../engagements/engagements.service.js';
import { FollowUpsService } from '../engagements/follow-ups.service.js';
import { PeopleService } from '../people/people.service.js';
import { illustrativeMous } from './illustrative-mous.data.js';

/** Marks the audit rows the seed wrote, so an auditor can tell them from later work. */
export const DEMO_REQUEST_ID = 'demo-seed';

export interface DemoSeedOptions {
  dataDir: string;
  adminPassword: string;
  /** Where the seeded history ends; the real time unless a test pins it. */
  now?: Date;
}

export interface DemoAccount {
  username: string;
  roles: readonly Role[];
  password: string;
}

export interface SeededPartnership {
  id: string;
  title: string;
  organization: string;
  state: string;
  source: string;
}

export interface DemoSeedResult {
  now: string;
  accounts: DemoAccount[];
  organizations: number;
  partnerships: SeededPartnership[];
}

/**
 * Seeds a fresh database in `dataDir` through the services, on a clock moved by hand from the
 * field visit (November 2024) to `now`, with the timer poller off so only the seed moves time;
 * timers fire at their due times on the way. The app is closed again: the caller serves the
 * seeded database with the real clock.
 */
export async function seedDemoDatabase(options: DemoSeedOptions): Promise<DemoSeedResult> {
  const clock = new ManualClock(DEMO_START);
  const restoreEnv = setEnv({ DATA_DIR: options.dataDir, TIMER_POLL_MS: '0', ADMIN_PASSWORD: options.adminPassword });
  try {
    // Quiet, so the start-up lines of the seeding app (and its note on the admin) do not read as the service's.
    const app = await NestFactory.createApplicationContext(DemoModule.withClock(clock), { logger: new ConsoleLogger({ logLevels: ['error', 'warn'] }) });
    try {
      return await new DemoSeeder(app, clock).run(options.adminPassword, options.now ?? new Date());
    } finally {
      await app.close();
    }
  } finally {
    // Nest keeps the logger globally: give the next app the default one back.
    Logger.overrideLogger(new ConsoleLogger());
    restoreEnv();
  }
}

interface TimelineEntry {
  at: string;
  run(): Promise<void>;
}

class DemoSeeder {
  private readonly users: UsersService;
  private readonly organizations: OrganizationsService;
  private readonly partnerships: PartnershipsService;
  private readonly activities: ActivitiesService;
  private readonly timers: TimersService;
  private readonly notifications: NotificationsService;
  private readonly dataSource: DataSource;
  private readonly actors = new Map<DemoUserName, Actor>();
  private readonly organizationIds = new Map<string, string>();
  private readonly partnershipIds = new Map<PartnershipStory, string>();
  private readonly engagementIds = new Map<string, string>();
  private readonly followUpIds = new Map<DemoFollowUp, string>();
  /** People by name and organization key: one person however many meetings they attended. */
  private readonly personIds = new Map<string, string>();

  constructor(
    private readonly app: INestApplicationContext,
    private readonly clock: ManualClock,
  ) {
    this.users = app.get(UsersService);
    this.organizations = app.get(OrganizationsService);
    this.partnerships = app.get(PartnershipsService);
    this.activities = app.get(ActivitiesService);
    this.timers = app.get(TimersService);
    this.notifications = app.get(NotificationsService);
    this.dataSource = app.get(DataSource);
  }

  async run(adminPassword: string, now: Date): Promise<DemoSeedResult> {
    if (this.app.get(InstanceRuntime).now() !== this.clock.now().toISOString()) {
      throw new Error('the demo clock is not the clock the services read; seeding would record the wrong times');
    }
    const { user: admin } = await this.users.verifyCredentials(INITIAL_ADMIN_USERNAME, adminPassword);
    if (!admin) throw new Error('the admin password does not match: the demo needs a fresh database');
    const accounts = await this.createUsers({ id: admin.id, roles: [...admin.roles] });

    const illustrative = illustrativeMous(now);
    const organizations = [...FIELD_VISIT_ORGANIZATIONS, ...illustrative.organizations];
    const stories = [...FIELD_VISIT_STORIES, ...illustrative.stories];
    await this.play(this.timeline(organizations, stories), now.toISOString());

    const partnerships: SeededPartnership[] = [];
    for (const story of stories) {
      const row = await this.partnerships.get(this.partnershipIds.get(story) as string);
      if (row.state !== story.expectedState) {
        throw new Error(`"${row.title}" ended in ${row.state}, not ${story.expectedState}`);
      }
      const organization = organizations.find((o) => o.key === story.organization) as DemoOrganization;
      partnerships.push({ id: row.id, title: row.title, organization: organization.fields.name, state: row.state, source: story.source });
    }
    // With SMTP_URL set, what the story mailed has gone out before the seeding app closes.
    await this.app.get(MailWorker).kick();
    return { now: now.toISOString(), accounts, organizations: organizations.length, partnerships };
  }

  private async createUsers(admin: Actor): Promise<DemoAccount[]> {
    const accounts: DemoAccount[] = [];
    for (const user of DEMO_USERS) {
      const password = generatePassword(user.username);
      const created = await this.users.create({ ...user, roles: [...user.roles], password }, admin, DEMO_REQUEST_ID);
      this.actors.set(user.username, { id: created.id, roles: [...created.roles] });
      accounts.push({ username: user.username, roles: user.roles, password });
    }
    return accounts;
  }

  /** Every creation and event of the demo, in the order of time. */
  private timeline(organizations: DemoOrganization[], stories: PartnershipStory[]): TimelineEntry[] {
    const entries: TimelineEntry[] = [
      ...organizations.map((organization) => ({ at: organization.createdAt, run: () => this.createOrganization(organization) })),
      ...FIELD_VISIT_ENGAGEMENTS.map((engagement) => ({ at: ENGAGEMENTS_RECORDED, run: () => this.createEngagement(engagement) })),
      ...FIELD_VISIT_FOLLOW_UPS.flatMap((followUp) => [
        { at: ENGAGEMENTS_RECORDED, run: () => this.createFollowUp(followUp) },
        ...(followUp.completedAt ? [{ at: followUp.completedAt, run: () => this.completeFollowUp(followUp) }] : []),
      ]),
      ...stories.flatMap((story) => [
        { at: story.createdAt, run: () => this.createPartnership(story) },
        ...story.steps.map((step) => ({ at: step.at, run: () => this.send(story, step) })),
      ]),
    ];
    // A stable sort keeps the written order of entries at the same instant.
    return entries.sort((a, b) => a.at.localeCompare(b.at));
  }

  private async play(entries: TimelineEntry[], end: string): Promise<void> {
    for (const entry of entries) {
      await this.advanceTo(entry.at);
      await entry.run();
    }
    await this.advanceTo(end);
  }

  /** Moves the clock to `at`, firing each timer that falls due on the way at its own due time, as the poller would. */
  private async advanceTo(at: string): Promise<void> {
    const from = this.clock.now().toISOString();
    if (at < from) throw new Error(`the demo timeline goes back in time, from ${from} to ${at}`);
    for (;;) {
      const next = await this.dataSource
        .getRepository(Timer)
        .createQueryBuilder('t')
        .where('t.fired_at IS NULL AND t.due_at <= :at', { at })
        .orderBy('t.due_at', 'ASC')
        .getOne();
      if (!next) break;
      if (next.dueAt > this.clock.now().toISOString()) this.clock.set(next.dueAt);
      await this.timers.fireDue();
    }
    this.clock.set(at);
    // The reminders that have come due by now, as the sweep on the timers' beat would have written them.
    await this.notifications.sweep();
  }

  private async createOrganization(organization: DemoOrganization): Promise<void> {
    const created = await this.organizations.create(organization.fields, this.actor('manager'), DEMO_REQUEST_ID);
    this.organizationIds.set(organization.key, created.id);
  }

  private async createPartnership(story: PartnershipStory): Promise<void> {
    const organizationId = this.organizationIds.get(story.organization);
    if (!organizationId) throw new Error(`organization ${story.organization} is not recorded before its partnership`);
    const origin = PARTNERSHIP_ORIGINS[story.organization];
    const originEngagementId = origin === undefined ? undefined : this.engagementIds.get(origin);
    const created = await this.partnerships.create(
      { ...story.partnership, organizationId, ...(originEngagementId ? { originEngagementId } : {}) },
      this.actor('manager'),
      DEMO_REQUEST_ID,
    );
    this.partnershipIds.set(story, created.id);
  }

  /** An engagement of the visit with its people, each recorded once with their affiliation. */
  private async createEngagement(engagement: DemoEngagement): Promise<void> {
    const manager = this.actor('manager');
    const organizationId = (key: string) => {
      const id = this.organizationIds.get(key);
      if (!id) throw new Error(`organization ${key} is not recorded before its engagement`);
      return id;
    };
    const attendeeIds: string[] = [];
    for (const attendee of engagement.attendees) {
      const key = `${attendee.organization}:${attendee.name}`;
      // The organization's contacts became its people when it was recorded: an attendee among them is that person.
      let id =
        this.personIds.get(key) ??
        (await this.app.get(PeopleService).atOrganization(organizationId(attendee.organization))).find(
          (member) => member.name.toLowerCase() === attendee.name.toLowerCase(),
        )?.id;
      if (!id) {
        const affiliations = [{ organizationId: organizationId(attendee.organization), ...(attendee.title ? { title: attendee.title } : {}) }];
        id = (await this.app.get(PeopleService).create({ name: attendee.name, affiliations }, manager, DEMO_REQUEST_ID)).id;
      }
      this.personIds.set(key, id);
      attendeeIds.push(id);
    }
    const created = await this.app.get(EngagementsService).create(
      {
        kind: engagement.kind,
        title: engagement.title,
        startsOn: engagement.startsOn,
        ...(engagement.endsOn ? { endsOn: engagement.endsOn } : {}),
        place: engagement.place,
        organizationIds: engagement.organizations.map(organizationId),
        attendeeIds,
        staffIds: [manager.id],
        notes: `${engagement.notes}\n\nSource: ${engagement.source}`,
        ...(engagement.parent ? { parentId: this.engagementIds.get(engagement.parent) } : {}),
      },
      manager,
      DEMO_REQUEST_ID,
    );
    this.engagementIds.set(engagement.key, created.id);
  }

  private async createFollowUp(followUp: DemoFollowUp): Promise<void> {
    const organizationId = followUp.organization ? this.organizationIds.get(followUp.organization) : undefined;
    const created = await this.app
      .get(FollowUpsService)
      .create(
        this.engagementIds.get(followUp.engagement) as string,
        { title: followUp.title, ownerId: this.actor(followUp.owner).id, dueOn: followUp.dueOn, ...(organizationId ? { organizationId } : {}) },
        this.actor('manager'),
        DEMO_REQUEST_ID,
      );
    this.followUpIds.set(followUp, created.id);
  }

  private async completeFollowUp(followUp: DemoFollowUp): Promise<void> {
    const followUps = this.app.get(FollowUpsService);
    const id = this.followUpIds.get(followUp) as string;
    const row = await followUps.get(id);
    await followUps.send(id, {
      type: 'COMPLETE',
      actor: this.actor(followUp.owner),
      comment: 'Done, as the report planned.',
      expectedVersion: row.version,
      requestId: DEMO_REQUEST_ID,
    });
  }

  private async send(story: PartnershipStory, step: StoryStep): Promise<void> {
    const partnershipId = this.partnershipIds.get(story) as string;
    const event = { type: step.type, actor: this.actor(step.by), comment: step.comment, data: step.data, requestId: DEMO_REQUEST_ID };
    if (!step.occurrence) {
      const row = await this.partnerships.get(partnershipId);
      await this.partnerships.send(partnershipId, { ...event, expectedVersion: row.version });
      return;
    }
    const { kind, dueOn } = step.occurrence;
    const series = await this.activities.forPartnership(partnershipId);
    const occurrence = series.find((s) => s.kind === kind)?.occurrences.find((o) => o.dueOn === dueOn);
    if (!occurrence) throw new Error(`"${story.partnership.title}" has no ${kind} occurrence due on ${dueOn}`);
    await this.activities.send(occurrence.id, { ...event, expectedVersion: occurrence.version });
  }

  private actor(name: DemoUserName): Actor {
    return this.actors.get(name) as Actor;
  }
}

/** Sets environment variables for the seeding app and returns how to put the previous values back. */
function setEnv(values: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  return () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
