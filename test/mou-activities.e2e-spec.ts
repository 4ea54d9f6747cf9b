import ICAL from 'ical.js';
import { TimersService } from '../src/timers/timers.service.js';
import { createApiApp, type ApiApp, type UserName } from './support/api.js';
import { driveSteps, mouSteps, sendEvent } from './support/drive.js';
import { postOrganization, postPartnership, postProposal } from './support/factories.js';

interface OccurrenceView {
  id: string;
  dueOn: string;
  state: string;
  version: number;
  termNumber: number;
  date: string | null;
  availableEvents: string[];
}
interface SeriesView {
  id: string;
  kind: string;
  title: string;
  occurrences: OccurrenceView[];
}

describe('signed MOUs and what they commit to, over HTTP', () => {
  let api: ApiApp;
  let mouId: string;

  beforeAll(async () => {
    api = await createApiApp();
    api.clock.set('2026-03-02T09:00:00.000Z');
  });

  afterAll(() => api.close());

  const fireTimers = () => api.get(TimersService).fireDue();

  async function current(id: string) {
    return (await api.as('auditor').get(`/api/partnerships/${id}`).expect(200)).body;
  }

  async function send(user: UserName, id: string, body: Record<string, unknown>, status = 200) {
    return sendEvent(api, user, id, (await current(id)).version as number, body).expect(status);
  }

  async function series(id: string): Promise<SeriesView[]> {
    return (await api.as('manager').get(`/api/partnerships/${id}/activities`).expect(200)).body.items;
  }

  async function occurrenceEvent(id: string, body: Record<string, unknown>, status = 200, user: UserName = 'manager') {
    const { version } = (await api.as('manager').get(`/api/occurrences/${id}`).expect(200)).body;
    return api.as(user).post(`/api/occurrences/${id}/events`).set('If-Match', `"${version}"`).send(body).expect(status);
  }

  /** A proposal approved and agreed, waiting for signatures. */
  async function agreed(effectiveFrom: string, expiresOn: string, overrides = {}) {
    const [submit, approve] = mouSteps();
    const { id } = await driveSteps(api, await postProposal(api, overrides), [
      submit,
      approve,
      { by: 'manager', body: { type: 'SHARE_DRAFT', data: { document: { name: 'MOU draft v1.docx', sha256: 'a'.repeat(64) } } } },
      {
        by: 'manager',
        body: { type: 'SHARE_DRAFT', data: { document: { name: 'MOU draft v2.docx', sha256: 'b'.repeat(64), url: 'https://files.example.org/mou-v2.docx' } } },
      },
      { by: 'manager', body: { type: 'AGREE_TEXT', data: { effectiveFrom, expiresOn } } },
    ]);
    return id;
  }

  it('enters in force signature by signature and creates the series and occurrences of the term', async () => {
    mouId = await agreed('2026-04-01', '2028-03-31');
    const first = await send('manager', mouId, { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Vice-Chancellor', signedOn: '2026-03-02' } });
    expect(first.body.state).toBe('awaiting_signatures');
    const twice = await send('manager', mouId, { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Registrar', signedOn: '2026-03-02' } }, 422);
    expect(twice.body).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'partyNotSigned' } });
    const future = await send(
      'manager',
      mouId,
      { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'Executive Director', signedOn: '2026-03-03' } },
      422,
    );
    expect(future.body).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'notInFuture' } });
    const inForce = await send('manager', mouId, { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'Executive Director', signedOn: '2026-03-02' } });
    expect(inForce.body).toMatchObject({
      state: 'in_force.active',
      signatures: { partner: { signatory: 'Vice-Chancellor', signedOn: '2026-03-02' }, own: { signatory: 'Executive Director', signedOn: '2026-03-02' } },
      currentTerm: { number: 1, effectiveFrom: '2026-04-01', expiresOn: '2028-03-31' },
      pastTerms: [],
      fulfilment: { termNumber: 1, held: 0, missed: 0, cancelled: 0, planned: 5, total: 5 },
    });
    expect(
      inForce.body.drafts.map((d: { version: number; name: string; sha256: string; sharedBy: string }) => [d.version, d.name, d.sha256, d.sharedBy]),
    ).toEqual([
      [1, 'MOU draft v1.docx', 'a'.repeat(64), api.ids.manager],
      [2, 'MOU draft v2.docx', 'b'.repeat(64), api.ids.manager],
    ]);
    expect((await series(mouId)).map((s) => [s.kind, s.occurrences.map((o) => [o.dueOn, o.state, o.termNumber])])).toEqual([
      [
        'annual_lecture',
        [
          ['2026-10-15', 'planned', 1],
          ['2027-10-15', 'planned', 1],
        ],
      ],
      [
        'research_visit',
        [
          ['2027-03-01', 'planned', 1],
          ['2028-03-01', 'planned', 1],
        ],
      ],
      ['course', [['2026-09-01', 'planned', 1]]],
    ]);
  });

  it('schedules, postpones and holds one occurrence, and another is missed by its timer', async () => {
    const [lecture, , course] = await series(mouId);
    const occurrence = lecture.occurrences[0];
    expect(occurrence.availableEvents).toEqual(['CANCEL', 'SCHEDULE']);
    await occurrenceEvent(occurrence.id, { type: 'SCHEDULE', data: { date: '2026-10-15', venue: 'Main auditorium, Lahore' } });
    await occurrenceEvent(occurrence.id, { type: 'POSTPONE', data: { date: '2026-10-14' } }, 422); // earlier is not a postponement
    // Earlier is bringing it forward (recurring-activity v2, which new occurrences run on); later is not.
    // (Not "held" yet: its day has not come.)
    expect((await api.as('manager').get(`/api/occurrences/${occurrence.id}`).expect(200)).body.availableEvents).toEqual([
      'BRING_FORWARD',
      'CANCEL',
      'POSTPONE',
    ]);
    await occurrenceEvent(occurrence.id, { type: 'BRING_FORWARD', data: { date: '2026-10-16' } }, 422);
    const earlier = await occurrenceEvent(occurrence.id, { type: 'BRING_FORWARD', comment: 'The hall is free a day earlier', data: { date: '2026-10-14' } });
    expect(earlier.body).toMatchObject({
      state: 'scheduled',
      date: '2026-10-14',
      broughtForward: [expect.objectContaining({ from: '2026-10-15', to: '2026-10-14', comment: 'The hall is free a day earlier' })],
    });
    const postponed = await occurrenceEvent(occurrence.id, { type: 'POSTPONE', comment: 'Convocation week', data: { date: '2026-10-20' } });
    expect(postponed.body).toMatchObject({
      state: 'scheduled',
      date: '2026-10-20',
      venue: 'Main auditorium, Lahore',
      postponements: [expect.objectContaining({ from: '2026-10-14', to: '2026-10-20' })],
    });
    await occurrenceEvent(occurrence.id, { type: 'MARK_HELD', data: { report: 'Delivered to 120 students.' } }, 422); // not yet held: the date is in the future
    await occurrenceEvent(occurrence.id, { type: 'SCHEDULE', data: { date: '2026-10-20' } }, 409);
    await occurrenceEvent(occurrence.id, { type: 'CANCEL', comment: 'no' }, 403, 'approver');

    api.clock.set('2026-10-02T00:00:00.000Z');
    await fireTimers();
    api.clock.set('2026-10-21T10:00:00.000Z');
    await fireTimers();
    const held = await occurrenceEvent(occurrence.id, { type: 'MARK_HELD', data: { report: 'Delivered to 120 students and faculty.', attendance: 120 } });
    expect(held.body).toMatchObject({ state: 'held', report: 'Delivered to 120 students and faculty.', attendance: 120, availableEvents: [] });
    // The course was never scheduled: its grace period (30 days after 2026-09-01) ran out.
    expect((await series(mouId))[2].occurrences.map((o) => o.state)).toEqual(['missed']);
    expect(
      (await api.as('auditor').get(`/api/audit?entityId=${course.occurrences[0].id}`).expect(200)).body.items.map((r: { action: string; actorId: string }) => [
        r.action,
        r.actorId,
      ]),
    ).toEqual([
      ['CREATE', api.ids.manager],
      ['xstate.after.graceExpired.recurring-activity.planned', 'system'],
    ]);
  });

  it('adds a commitment later and lists upcoming work with partnership and organization', async () => {
    const { version } = await current(mouId);
    const added = await api
      .as('manager')
      .post(`/api/partnerships/${mouId}/activities`)
      .set('If-Match', `"${version}"`)
      .send({ kind: 'seminar', title: 'Policy seminar', recurrence: { frequency: 'yearly', month: 6 }, startsOn: '2026-11-01' })
      .expect(201);
    expect(added.headers.etag).toBe(`"${version + 1}"`);
    expect(added.body.items.at(-1)).toMatchObject({
      kind: 'seminar',
      origin: 'added',
      occurrences: [expect.objectContaining({ dueOn: '2027-06-01', state: 'planned' })],
    });
    const upcoming = await api.as('approver').get('/api/activities/upcoming?days=240').expect(200);
    expect(
      upcoming.body.items.map((i: { date: string; series: { kind: string }; partnership: { id: string }; organization: { name: string } }) => [
        i.date,
        i.series.kind,
        i.partnership.id,
        i.organization.name,
      ]),
    ).toEqual([
      ['2027-03-01', 'research_visit', mouId, 'Beaconhouse National University'],
      ['2027-06-01', 'seminar', mouId, 'Beaconhouse National University'],
    ]);
    await api.as('manager').get('/api/activities/upcoming?days=0').expect(400);
  });

  it('serves the calendar feed that an independent iCalendar parser reads, and refuses a revoked token', async () => {
    const token = await api.as('manager').post('/api/calendar/tokens').send({ label: 'Phone' }).expect(201);
    expect(token.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const feed = await api.as('manager').get(`/api/calendar.ics?token=${token.body.token}`).set('Authorization', '').expect(200);
    expect(feed.headers['content-type']).toMatch(/^text\/calendar/);
    const calendar = new ICAL.Component(ICAL.parse(feed.text));
    const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    const byUid = new Map(events.map((e) => [e.uid, e]));
    const all = (await series(mouId)).flatMap((s) => s.occurrences);
    for (const o of all) {
      const event = byUid.get(`occurrence-${o.id}@partnership-engine`);
      expect(event).toBeDefined();
      expect(event!.startDate.isDate).toBe(true);
      expect(event!.startDate.toString()).toBe(o.date ?? o.dueOn);
    }
    expect(byUid.get(`mou-expiry-${mouId}-term-1@partnership-engine`)!.startDate.toString()).toBe('2028-03-31');
    expect(byUid.get(`mou-renewal-${mouId}-term-1@partnership-engine`)!.startDate.toString()).toBe('2028-01-01');
    for (const v of calendar.getAllSubcomponents('vevent')) expect(v.getFirstPropertyValue('dtstamp')).toBeTruthy();
    // Every entry reminds: an occurrence 7 days ahead, an expiry 30, a renewal window on its day (SPEC: VALARM).
    const alarmOf = (uid: string) => {
      const valarm = byUid.get(uid)!.component.getFirstSubcomponent('valarm')!;
      return {
        action: valarm.getFirstPropertyValue('action'),
        trigger: String(valarm.getFirstPropertyValue('trigger')),
        description: valarm.getFirstPropertyValue('description'),
      };
    };
    for (const o of all)
      expect(alarmOf(`occurrence-${o.id}@partnership-engine`)).toMatchObject({
        action: 'DISPLAY',
        trigger: '-P7D',
        description: expect.stringContaining('is due in 7 days'),
      });
    expect(alarmOf(`mou-expiry-${mouId}-term-1@partnership-engine`)).toMatchObject({ action: 'DISPLAY', trigger: '-P30D' });
    expect(alarmOf(`mou-renewal-${mouId}-term-1@partnership-engine`)).toMatchObject({ action: 'DISPLAY', trigger: expect.stringMatching(/^-?PT?0S$/) });
    const lecture = byUid.get(`occurrence-${all[0].id}@partnership-engine`)!;
    expect(lecture.location).toBe('Main auditorium, Lahore');
    expect(lecture.description).toContain('Partnership: Annual lecture and research collaboration');
    // The same request answers the same UIDs: calendar apps update events rather than duplicate them.
    const again = await api.as('auditor').get('/api/calendar.ics').expect(200);
    expect(new ICAL.Component(ICAL.parse(again.text)).getAllSubcomponents('vevent').map((v) => v.getFirstPropertyValue('uid'))).toEqual(
      events.map((e) => e.uid),
    );

    await api.as('manager').delete(`/api/calendar/tokens/${token.body.id}`).expect(200);
    const refused = await api.as('manager').get(`/api/calendar.ics?token=${token.body.token}`).set('Authorization', '').expect(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');
    await api.as('manager').get('/api/calendar.ics?token=not-a-real-token-but-long-enough').set('Authorization', '').expect(401);
    await api.as('auditor').delete(`/api/calendar/tokens/${token.body.id}`).expect(404);
  });

  it('reaches the renewal window by its timer, and RENEW starts a new term with its occurrences', async () => {
    api.clock.set('2028-01-01T00:00:00.000Z');
    await fireTimers();
    expect((await current(mouId)).state).toBe('in_force.renewal_due');
    await send('manager', mouId, { type: 'RENEW', data: { expiresOn: '2030-03-31' } }, 403);
    await send('approver', mouId, { type: 'RENEW', data: { expiresOn: '2028-03-01' } }, 422);
    const renewed = await send('approver', mouId, { type: 'RENEW', data: { expiresOn: '2030-03-31' } });
    expect(renewed.body).toMatchObject({
      state: 'in_force.active',
      currentTerm: { number: 2, effectiveFrom: '2028-04-01', expiresOn: '2030-03-31', kind: 'renewed', by: api.ids.approver },
      pastTerms: [{ number: 1, effectiveFrom: '2026-04-01', expiresOn: '2028-03-31', kind: 'agreed', by: api.ids.manager }],
    });
    const term2 = (await series(mouId)).map((s) => [s.kind, s.occurrences.filter((o) => o.termNumber === 2).map((o) => o.dueOn)]);
    expect(term2).toEqual([
      ['annual_lecture', ['2028-10-15', '2029-10-15']],
      ['research_visit', ['2029-03-01', '2030-03-01']],
      ['course', []],
      ['seminar', ['2028-06-01', '2029-06-01']],
    ]);
  });

  it('cancels the future occurrences on termination, each with its own audit row', async () => {
    api.clock.set('2028-07-01T00:00:00.000Z');
    await fireTimers();
    await send('approver', mouId, { type: 'TERMINATE' }, 422);
    const terminated = await send('approver', mouId, { type: 'TERMINATE', comment: 'Partner restructured its research office.' });
    expect(terminated.body).toMatchObject({ state: 'terminated', termination: { by: api.ids.approver, comment: 'Partner restructured its research office.' } });
    const occurrences = (await series(mouId)).flatMap((s) => s.occurrences);
    const future = occurrences.filter((o) => o.dueOn > '2028-07-01');
    expect(future.length).toBe(5);
    expect(future.every((o) => o.state === 'cancelled')).toBe(true);
    for (const o of future) {
      const rows = (await api.as('auditor').get(`/api/audit?entityId=${o.id}&action=CANCEL`).expect(200)).body.items;
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actorId: 'system', outcome: 'ok', fromState: 'planned', toState: 'cancelled' });
    }
    // Past-due ones are not cancelled: the seminar of 2028-06-01 is still within its grace period and may yet be reported held.
    expect(occurrences.filter((o) => o.dueOn <= '2028-07-01').map((o) => [o.dueOn, o.state])).toEqual([
      ['2026-10-15', 'held'],
      ['2027-10-15', 'missed'],
      ['2027-03-01', 'missed'],
      ['2028-03-01', 'missed'],
      ['2026-09-01', 'missed'],
      ['2027-06-01', 'missed'],
      ['2028-06-01', 'planned'],
    ]);
  });

  it('expires an MOU by its timer at the end of its last day', async () => {
    api.clock.set('2028-07-01T00:00:00.000Z');
    const id = await agreed('2028-07-01', '2029-06-30', {
      proposedActivities: [{ kind: 'training', title: 'Investigation training', recurrence: { frequency: 'once' } }],
    });
    await send('manager', id, { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'ED', signedOn: '2028-07-01' } });
    await send('manager', id, { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Director General', signedOn: '2028-07-01' } });
    api.clock.set('2029-06-30T23:59:59.000Z');
    await fireTimers();
    expect((await current(id)).state).toBe('in_force.renewal_due');
    api.clock.set('2029-07-01T00:00:00.000Z');
    await fireTimers();
    const expired = await current(id);
    expect(expired).toMatchObject({ state: 'expired', availableEvents: [] });
    const history = (await api.as('auditor').get(`/api/partnerships/${id}/history`).expect(200)).body.items;
    expect(history.at(-1)).toMatchObject({
      action: 'xstate.after.termExpiry.partnership-mou.in_force',
      fromState: 'in_force.renewal_due',
      toState: 'expired',
      actor: { id: 'system' },
    });
  });

  it('reports the pipeline from the data these tests created', async () => {
    const report = (await api.as('auditor').get('/api/reports/pipeline').expect(200)).body;
    const list = (await api.as('auditor').get('/api/partnerships?limit=200').expect(200)).body.items as Array<{ id: string; state: string }>;
    const expectedCounts: Record<string, number> = {};
    for (const p of list) expectedCounts[p.state] = (expectedCounts[p.state] ?? 0) + 1;
    expect(report.countsByState).toEqual(expectedCounts);
    expect(report.countsByState).toEqual({ expired: 1, terminated: 1 });
    expect(report.total).toBe(2);
    expect(report.overdueApprovals.count).toBe(0);
    const occurrences = (await series(mouId)).flatMap((s) => s.occurrences);
    const count = (state: string) => occurrences.filter((o) => o.state === state).length;
    expect(report.fulfilment.find((f: { partnershipId: string }) => f.partnershipId === mouId)).toEqual({
      partnershipId: mouId,
      title: 'Annual lecture and research collaboration',
      held: count('held'),
      missed: count('missed'),
      cancelled: count('cancelled'),
      planned: count('planned') + count('scheduled'),
      total: occurrences.length,
    });
    expect(report.fulfilment.find((f: { partnershipId: string }) => f.partnershipId === mouId)).toMatchObject({ held: 1, missed: 6, cancelled: 5, planned: 0 });
  });

  it('lists MOUs expiring within 90 days and approvals past their SLA', async () => {
    api.clock.set('2028-07-01T00:00:00.000Z');
    const soon = await agreed('2028-07-01', '2028-09-15');
    await send('manager', soon, { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'ED', signedOn: '2028-07-01' } });
    await send('manager', soon, { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Dean', signedOn: '2028-07-01' } });
    const later = await agreed('2028-07-01', '2031-06-30');
    await send('manager', later, { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'ED', signedOn: '2028-07-01' } });
    await send('manager', later, { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Dean', signedOn: '2028-07-01' } });
    const waiting = await postPartnership(api, await postOrganization(api, { name: 'Centre for Human Rights' }), { approvalSlaDays: 7 });
    await send('manager', waiting.id, { type: 'SUBMIT_FOR_APPROVAL' });
    api.clock.set('2028-07-09T00:00:00.000Z');
    await fireTimers();
    const report = (await api.as('manager').get('/api/reports/pipeline').expect(200)).body;
    expect(report.expiring.items.map((i: { id: string; expiresOn: string }) => [i.id, i.expiresOn])).toEqual([[soon, '2028-09-15']]);
    // A state filter matches a dotted prefix: in_force finds both of its sub-states.
    const inForce = (await api.as('auditor').get('/api/partnerships?state=in_force').expect(200)).body;
    expect(inForce.items.map((i: { id: string; state: string }) => [i.id, i.state]).sort()).toEqual(
      [
        [soon, 'in_force.renewal_due'],
        [later, 'in_force.active'],
      ].sort(),
    );
    expect((await api.as('auditor').get('/api/partnerships?state=in_force.renewal_due').expect(200)).body.items.map((i: { id: string }) => i.id)).toEqual([
      soon,
    ]);
    // A prefix ends at a dot: in_forc names no state, and a filter naming nothing is refused, not answered empty.
    expect((await api.as('auditor').get('/api/partnerships?state=in_forc').expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect(report.overdueApprovals.items.map((i: { id: string }) => i.id)).toEqual([waiting.id]);
    const inbox = (await api.as('approver2').get('/api/approvals/pending').expect(200)).body.items;
    expect(inbox.find((i: { id: string }) => i.id === waiting.id)).toMatchObject({ overdue: true, dueAt: '2028-07-08T00:00:00.000Z' });
  });
});
