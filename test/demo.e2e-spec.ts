import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { ManualClock } from '../src/common/clock.js';
import { dateOf } from '../src/common/dates.js';
import { seedDemoDatabase, type DemoSeedResult } from '../src/demo/demo-seed.js';
import { DEMO_USERS } from '../src/demo/demo-story.js';
import { FIELD_VISIT_ORGANIZATIONS, FIELD_VISIT_STORIES } from '../src/demo/field-visit.data.js';
import { TimersService } from '../src/timers/timers.service.js';
import { ReplayService } from '../src/workflow-engine/replay.service.js';
import { SmtpCatcher } from './support/smtp-catcher.js';
import { createDatabase, createTestApp, databaseEnv, dropDatabase, type TestApp } from './support/test-app.js';

const ADMIN_PASSWORD = 'demo-admin-password';

interface Summary {
  id: string;
  title: string;
  state: string;
  overdue: boolean;
}

interface HistoryItem {
  at: string;
  action: string;
  outcome: string;
  actor: { id: string; username: string };
  fromState: string | null;
  toState: string | null;
}

interface OccurrenceItem {
  id: string;
  dueOn: string;
  state: string;
  report: string | null;
}

describe('npm run demo: the seeded field visit, as a new user finds it', () => {
  const now = new Date();
  let dataDir: string;
  let seeded: DemoSeedResult;
  let t: TestApp;
  let http: App;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let partnerships: Summary[];

  const as = (username: string) => ({
    get: (path: string) => request(http).get(path).set('Authorization', `Bearer ${tokens[username]}`),
  });
  const byTitle = (fragment: string) => {
    const found = partnerships.find((p) => p.title.includes(fragment));
    if (!found) throw new Error(`no partnership titled like "${fragment}"`);
    return found;
  };
  const historyOf = async (id: string) => (await as('manager').get(`/api/partnerships/${id}/history`).expect(200)).body.items as HistoryItem[];
  const activitiesOf = async (id: string) =>
    (await as('manager').get(`/api/partnerships/${id}/activities`).expect(200)).body.items as Array<{ kind: string; occurrences: OccurrenceItem[] }>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'partnership-demo-'));
    await seedInIsolation(dataDir);
    seeded = await seedDemoDatabase({ dataDir, adminPassword: ADMIN_PASSWORD, now });
    // The service as `npm run demo` then serves it: the seeded file, time going on from where the seed stopped.
    t = await createTestApp({ dataDir, clock: new ManualClock(now) });
    http = t.app.getHttpServer() as App;
    for (const { username, password } of [{ username: 'admin', password: ADMIN_PASSWORD }, ...seeded.accounts]) {
      tokens[username] = (await request(http).post('/api/auth/login').send({ username, password }).expect(200)).body.accessToken;
      ids[username] = (await as(username).get('/api/auth/me').expect(200)).body.id;
    }
    partnerships = (await as('manager').get('/api/partnerships?limit=100').expect(200)).body.items;
  });

  afterAll(async () => {
    await t?.close();
    await dropDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in with each printed account, holding its one role', async () => {
    expect(seeded.accounts.map((a) => a.username)).toEqual(['manager', 'approver', 'approver2', 'auditor']);
    for (const user of DEMO_USERS) {
      const me = await as(user.username).get('/api/auth/me').expect(200);
      expect(me.body).toMatchObject({ username: user.username, roles: [...user.roles] });
    }
  });

  it('lists the organizations met on the visit, in Pakistan, with the people the report names', async () => {
    const { body } = await as('manager').get('/api/organizations?limit=100').expect(200);
    const organizations = body.items as Array<{
      name: string;
      country: string;
      kind: string;
      createdAt: string;
      contacts: Array<{ name: string; title?: string }>;
    }>;
    expect(body.total).toBe(seeded.organizations);
    expect(organizations.every((o) => o.country === 'PK')).toBe(true);
    const names = organizations.map((o) => o.name);
    expect(names).toEqual(expect.arrayContaining(FIELD_VISIT_ORGANIZATIONS.map((o) => o.fields.name)));
    const cfhr = organizations.find((o) => o.name.startsWith('Centre for Human Rights'));
    expect(cfhr?.contacts.map((c) => c.name)).toEqual(['Sevim Saadat', 'Umar Khan']);
    const bu = organizations.find((o) => o.name === 'Beaconhouse University (BU)');
    expect(bu).toMatchObject({ kind: 'university', contacts: [{ name: 'Mansoor Ahmad Khan' }] });
    expect(bu?.createdAt.startsWith('2024-11-18')).toBe(true);
  });

  it('tells the trip as it happened: its meetings in order, the people met, what was promised, and where the proposals came from', async () => {
    const trips = (await as('auditor').get('/api/engagements?q=field visit').expect(200)).body;
    expect(trips.items.map((e: { kind: string; startsOn: string; endsOn: string }) => [e.kind, e.startsOn, e.endsOn])).toEqual([
      ['trip', '2024-11-10', '2024-11-17'],
    ]);
    const trip = (await as('auditor').get(`/api/engagements/${trips.items[0].id}`).expect(200)).body;
    const meetings = trip.meetings as Array<{ id: string; title: string; startsOn: string }>;
    expect(meetings.map((m) => m.startsOn)).toEqual([...meetings.map((m) => m.startsOn)].sort());
    expect(meetings.map((m) => m.title)).toEqual(
      expect.arrayContaining(['Meeting with Beaconhouse University', 'Round table: Serious and Organized Crimes in Pakistan', 'Trip debrief – GI-TOC and CGR']),
    );
    expect(meetings.find((m) => m.title.startsWith('International Day'))?.startsOn).toBe('2024-11-15');
    const board = (await as('auditor').get('/api/engagements?q=board meeting').expect(200)).body.items;
    expect(board.map((e: { startsOn: string }) => e.startsOn)).toEqual(['2024-12-05']);

    const debrief = (
      await as('auditor')
        .get(`/api/engagements/${meetings.find((m) => m.title.startsWith('Trip debrief'))?.id}`)
        .expect(200)
    ).body;
    expect(debrief.attendees.map((p: { name: string }) => p.name)).toEqual(['Tariq Khosa', 'Sarmad Saaed']);
    expect(debrief.notes).toContain('Source: Trip Debrief');
    expect(debrief.followUps.map((f: { title: string; state: string; dueOn: string }) => [f.title.slice(0, 12), f.state, f.dueOn])).toEqual([
      ['Tariq Khosa ', 'done', '2024-12-05'],
      ['Discuss a fo', 'open', '2025-06-30'],
    ]);
    // Tariq Khosa attended two engagements and is one person.
    expect((await as('auditor').get('/api/people?q=tariq khosa').expect(200)).body.total).toBe(1);

    const beaconhouse = (
      await as('auditor')
        .get(`/api/partnerships/${byTitle('Beaconhouse University').id}`)
        .expect(200)
    ).body;
    expect(beaconhouse.origin.engagement).toMatchObject({ title: 'Meeting with Beaconhouse University' });
    const meeting = (
      await as('auditor')
        .get(`/api/engagements/${beaconhouse.origin.engagement.id as string}`)
        .expect(200)
    ).body;
    expect(meeting.ledTo.map((p: { id: string }) => p.id)).toEqual([beaconhouse.id]);
  });

  it('leaves each field-visit partnership at the stage the report leaves it', () => {
    expect(byTitle('Beaconhouse University').state).toBe('senior_management_review');
    expect(byTitle('Centre for Human Rights').state).toBe('proposal');
    expect(byTitle('National Police Bureau').state).toBe('proposal');
    for (const story of FIELD_VISIT_STORIES) expect(byTitle(story.partnership.title).state).toBe(story.expectedState);
  });

  it('runs the police bureau and academy training collaborations on training-programme, the others on partnership-mou', async () => {
    const workflowOf = async (fragment: string) =>
      (
        (
          await as('manager')
            .get(`/api/partnerships/${byTitle(fragment).id}`)
            .expect(200)
        ).body as { workflow: { id: string } }
      ).workflow.id;
    expect(await workflowOf('National Police Bureau')).toBe('training-programme');
    expect(await workflowOf('National Police Academy')).toBe('training-programme');
    expect(await workflowOf('Beaconhouse University')).toBe('partnership-mou');
  });

  it('gives each partnership a history of real events from the visit onwards, with no refusals', async () => {
    for (const story of FIELD_VISIT_STORIES) {
      const history = await historyOf(byTitle(story.partnership.title).id);
      expect(history[0]).toMatchObject({ action: 'CREATE', toState: 'proposal', outcome: 'ok', actor: { username: 'manager' } });
      expect(history[0].at.startsWith('2024-11-19')).toBe(true);
      expect(history.filter((h) => h.actor.username !== 'system').map((h) => h.action)).toEqual(['CREATE', ...story.steps.map((s) => s.type)]);
    }
    const denied = await as('auditor').get('/api/audit?outcome=denied').expect(200);
    expect(denied.body.total).toBe(0);
  });

  it("puts the Beaconhouse proposal in the approvers' inbox, overdue since its approval deadline passed", async () => {
    const beaconhouse = byTitle('Beaconhouse University');
    const history = await historyOf(beaconhouse.id);
    expect(history.map((h) => h.action)).toEqual([
      'CREATE',
      'SUBMIT_FOR_APPROVAL',
      'xstate.after.approvalSla.partnership-mou.senior_management_review',
      // waiting twice its deadline, it was escalated to the admins (partnership-mou v2)
      'xstate.after.approvalEscalation.partnership-mou.senior_management_review',
    ]);
    expect(history[2]).toMatchObject({ at: '2024-12-06T10:00:00.000Z', actor: { id: 'system' } });
    expect(history[3]).toMatchObject({ at: '2024-12-20T10:00:00.000Z', actor: { id: 'system' } });
    for (const approver of ['approver', 'approver2']) {
      const inbox = await as(approver).get('/api/approvals/pending').expect(200);
      expect(inbox.body.items).toEqual([expect.objectContaining({ id: beaconhouse.id, overdue: true })]);
    }
    const detail = await as('approver').get(`/api/partnerships/${beaconhouse.id}`).expect(200);
    expect(detail.body.availableEvents).toEqual(expect.arrayContaining(['APPROVE', 'REQUEST_CHANGES', 'REJECT']));
  });

  it('has a signed MOU in force whose first lecture was held and whose first research visit was missed', async () => {
    const mou = byTitle('Illustrative MOU in force');
    expect(mou.state).toBe('in_force.active');
    const detail = await as('manager').get(`/api/partnerships/${mou.id}`).expect(200);
    expect(Object.values(detail.body.signatures as Record<string, unknown>).every((s) => s !== null)).toBe(true);
    const series = await activitiesOf(mou.id);
    expect(series.map((s) => s.kind)).toEqual(['annual_lecture', 'research_visit']);
    const [lectures, visits] = series;
    expect(lectures.occurrences[0]).toMatchObject({ state: 'held', report: expect.stringContaining('lecture was held') });
    expect(visits.occurrences[0].state).toBe('missed');
    expect([...lectures.occurrences.slice(1), ...visits.occurrences.slice(1)].every((o) => o.state === 'planned' && o.dueOn > dateOf(now))).toBe(true);

    const audit = async (entityId: string) =>
      (await as('auditor').get(`/api/audit?entityId=${entityId}`).expect(200)).body.items as Array<{ action: string; actorId: string }>;
    expect((await audit(lectures.occurrences[0].id)).map((r) => [r.action, r.actorId])).toEqual([
      ['CREATE', ids.manager],
      ['SCHEDULE', ids.manager],
      ['MARK_HELD', ids.manager],
    ]);
    expect((await audit(visits.occurrences[0].id)).map((r) => [r.action, r.actorId])).toEqual([
      ['CREATE', ids.manager],
      ['xstate.after.graceExpired.recurring-activity.planned', 'system'],
    ]);
  });

  it('has an MOU in its renewal window, moved there by its timer', async () => {
    const mou = byTitle('Illustrative MOU in its renewal window');
    expect(mou.state).toBe('in_force.renewal_due');
    const history = await historyOf(mou.id);
    expect(history.at(-1)).toMatchObject({
      action: 'xstate.after.renewalWindow.partnership-mou.in_force.active',
      actor: { id: 'system' },
      fromState: 'in_force.active',
      toState: 'in_force.renewal_due',
    });
    const detail = await as('approver').get(`/api/partnerships/${mou.id}`).expect(200);
    expect(detail.body.availableEvents).toEqual(expect.arrayContaining(['RENEW', 'TERMINATE']));
  });

  it('verifies the audit chain and replays every partnership and occurrence to its stored state', async () => {
    const verified = await as('auditor').get('/api/audit/verify').expect(200);
    expect(verified.body).toMatchObject({ ok: true });
    const replay = t.get(ReplayService);
    expect(partnerships).toHaveLength(seeded.partnerships.length);
    for (const p of partnerships) {
      const result = await replay.replay('partnership', p.id);
      expect({ title: p.title, matches: result.matches }).toEqual({ title: p.title, matches: true });
      for (const series of p.state.startsWith('in_force') ? await activitiesOf(p.id) : []) {
        for (const o of series.occurrences) expect((await replay.replay('occurrence', o.id)).matches).toBe(true);
      }
    }
  });

  it('leaves no timer overdue for the poller: the seed fired each one when its time came', async () => {
    expect(await t.get(TimersService).fireDue()).toBe(0);
  });
});

describe('the demo seed with SMTP_URL set', () => {
  it('mails what its story would have: the approval request and its overdue notice, a renewal, each to its person', async () => {
    const smtp = await SmtpCatcher.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'partnership-demo-'));
    await seedInIsolation(dataDir);
    process.env.SMTP_URL = smtp.url;
    try {
      await seedDemoDatabase({ dataDir, adminPassword: ADMIN_PASSWORD, now: new Date() });
      const subjects = (address: string) => smtp.to(address).map((mail) => mail.subject);
      for (const approver of ['approver@example.org', 'approver2@example.org']) {
        expect(subjects(approver)).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^Waiting for your approval: .*Beaconhouse/),
            expect.stringMatching(/^Overdue for approval: .*Beaconhouse/),
          ]),
        );
      }
      expect(subjects('manager@example.org')).toEqual(
        expect.arrayContaining([expect.stringMatching(/^Renewal due: /), expect.stringMatching(/^Overdue for approval: /)]),
      );
      expect(subjects('auditor@example.org')).toEqual([]);
      expect(DEMO_USERS.every((user) => user.email.endsWith('@example.org'))).toBe(true);
    } finally {
      delete process.env.SMTP_URL;
      await smtp.close();
      await dropDatabase(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the demo seed on other days', () => {
  it.each(['2028-02-29T23:30:00.000Z', '2027-01-31T00:05:00.000Z', '2026-12-01T12:00:00.000Z'])('reaches every stage when today is %s', async (today) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'partnership-demo-'));
    await seedInIsolation(dataDir);
    try {
      const seeded = await seedDemoDatabase({ dataDir, adminPassword: ADMIN_PASSWORD, now: new Date(today) });
      expect(seeded.partnerships.map((p) => p.state)).toEqual([...FIELD_VISIT_STORIES.map((s) => s.expectedState), 'in_force.active', 'in_force.renewal_due']);
    } finally {
      await dropDatabase(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** The seed reads its database from the environment, as `npm run demo` does: point it at this test's own. */
async function seedInIsolation(dataDir: string): Promise<void> {
  Object.assign(process.env, databaseEnv(dataDir));
  await createDatabase(dataDir);
}
