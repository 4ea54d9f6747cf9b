import { randomUUID } from 'node:crypto';
import { createApiApp, type ApiApp } from './support/api.js';
import { postOrganization, postPartnership } from './support/factories.js';

/** Meetings, visits, events, calls and trips: who was met, who went, what was discussed. */
describe('engagements', () => {
  let api: ApiApp;
  let bu: string;
  let cfhr: string;
  let khan: string;

  beforeAll(async () => {
    api = await createApiApp();
    bu = await postOrganization(api, { name: 'Beaconhouse University', contacts: [] });
    cfhr = await postOrganization(api, { name: 'Centre for Human Rights', kind: 'civil_society', contacts: [] });
    khan = (
      await api
        .as('manager')
        .post('/api/people')
        .send({ name: 'Ambassador Mansoor Ahmad Khan', affiliations: [{ organizationId: bu, title: 'Director, BCPR' }] })
        .expect(201)
    ).body.id;
  });

  afterAll(() => api.close());

  const post = (body: object) => api.as('manager').post('/api/engagements').send(body);

  it('records a trip and its meetings, and shows the meetings in the order they were held', async () => {
    const trip = await post({
      kind: 'trip',
      title: 'Field visit to Pakistan',
      startsOn: '2024-11-10',
      endsOn: '2024-11-17',
      organizationIds: [bu, cfhr],
    }).expect(201);
    expect(trip.headers.etag).toBe('"1"');
    expect(trip.body).toMatchObject({
      kind: 'trip',
      version: 1,
      parent: null,
      meetings: [],
      organizations: [{ id: bu, name: 'Beaconhouse University' }, { id: cfhr }],
    });
    const partnership = await postPartnership(api, bu, { title: 'MOU with Beaconhouse University' });
    const later = await post({
      kind: 'meeting',
      title: 'Meeting with the Centre for Human Rights',
      startsOn: '2024-11-16',
      place: 'Lahore',
      organizationIds: [cfhr],
      parentId: trip.body.id,
    }).expect(201);
    const earlier = await post({
      kind: 'meeting',
      title: 'Meeting with Beaconhouse University',
      startsOn: '2024-11-15',
      place: 'Lahore',
      organizationIds: [bu],
      attendeeIds: [khan],
      staffIds: [api.ids.manager],
      partnershipIds: [partnership.id],
      notes: 'It was agreed that GI-TOC and BU would examine a formal collaboration, underpinned by an MOU.',
      parentId: trip.body.id,
    }).expect(201);
    expect(earlier.body).toMatchObject({
      parent: { id: trip.body.id, title: 'Field visit to Pakistan' },
      attendees: [{ id: khan, name: 'Ambassador Mansoor Ahmad Khan' }],
      staff: [{ id: api.ids.manager, name: 'Test manager' }],
      partnerships: [{ id: partnership.id, name: 'MOU with Beaconhouse University' }],
    });
    const shown = (await api.as('auditor').get(`/api/engagements/${trip.body.id}`).expect(200)).body;
    expect(shown.meetings.map((m: { id: string }) => m.id)).toEqual([earlier.body.id, later.body.id]);

    // Only a trip holds meetings, and a trip is part of nothing.
    const notTrip = await post({ kind: 'call', title: 'Follow-up call', startsOn: '2024-11-20', organizationIds: [bu], parentId: earlier.body.id }).expect(422);
    expect(notTrip.body.details).toMatchObject({ rule: 'parentIsTrip' });
    await post({ kind: 'trip', title: 'Inner trip', startsOn: '2024-11-20', organizationIds: [bu], parentId: trip.body.id }).expect(422);
    await api.as('manager').patch(`/api/engagements/${trip.body.id}`).set('If-Match', '"1"').send({ kind: 'visit' }).expect(422);
  });

  it('lists engagements newest first, by organization, window and title, a bounded page at a time', async () => {
    const other = await postOrganization(api, { name: 'National Police Bureau', kind: 'law_enforcement', contacts: [] });
    const ids: string[] = [];
    for (const day of ['2024-11-11', '2024-11-12', '2024-12-05']) {
      ids.push((await post({ kind: 'meeting', title: `Meeting of ${day}`, startsOn: day, organizationIds: [other] }).expect(201)).body.id);
    }
    const all = (await api.as('auditor').get(`/api/engagements?organizationId=${other}`).expect(200)).body;
    expect(all.total).toBe(3);
    expect(all.items.map((e: { id: string }) => e.id)).toEqual([...ids].reverse());
    const november = (await api.as('auditor').get(`/api/engagements?organizationId=${other}&from=2024-11-12&to=2024-11-30`).expect(200)).body;
    expect(november.items.map((e: { startsOn: string }) => e.startsOn)).toEqual(['2024-11-12']);
    const page = (await api.as('auditor').get(`/api/engagements?organizationId=${other}&limit=1&offset=1`).expect(200)).body;
    expect(page).toMatchObject({ total: 3, items: [{ id: ids[1] }] });
    expect((await api.as('auditor').get('/api/engagements?q=MEETING OF 2024-12').expect(200)).body.items.map((e: { id: string }) => e.id)).toEqual([ids[2]]);
    await api.as('auditor').get('/api/engagements?limit=201').expect(400);
    await api.as('auditor').get(`/api/engagements?organizationId=${randomUUID()}`).expect(400);
  });

  it('shows where a partnership came from, and what an engagement led to', async () => {
    const meeting = (await post({ kind: 'meeting', title: 'Meeting with CFHR', startsOn: '2024-11-16', organizationIds: [cfhr] }).expect(201)).body;
    const followUp = (
      await api
        .as('manager')
        .post(`/api/engagements/${meeting.id}/follow-ups`)
        .send({ title: 'Examine a potential MOU with CFHR', ownerId: api.ids.manager, dueOn: '2025-01-31', organizationId: cfhr })
        .expect(201)
    ).body;
    const fromFollowUp = await postPartnership(api, cfhr, { title: 'Workplan and MOU with CFHR', originFollowUpId: followUp.id });
    // Listed oldest first.
    api.clock.set('2026-03-02T10:00:00.000Z');
    const fromMeeting = await postPartnership(api, cfhr, { title: 'Host a country office', originEngagementId: meeting.id });
    const plain = await postPartnership(api, cfhr, { title: 'Unrelated' });
    expect((await api.as('auditor').get(`/api/partnerships/${fromFollowUp.id}`).expect(200)).body.origin).toEqual({
      engagement: { id: meeting.id, title: 'Meeting with CFHR', startsOn: '2024-11-16' },
      followUp: { id: followUp.id, title: 'Examine a potential MOU with CFHR' },
    });
    expect((await api.as('auditor').get(`/api/partnerships/${fromMeeting.id}`).expect(200)).body.origin).toEqual({
      engagement: { id: meeting.id, title: 'Meeting with CFHR', startsOn: '2024-11-16' },
      followUp: null,
    });
    expect((await api.as('auditor').get(`/api/partnerships/${plain.id}`).expect(200)).body.origin).toBeNull();
    expect((await api.as('auditor').get(`/api/engagements/${meeting.id}`).expect(200)).body.ledTo).toEqual([
      { id: fromFollowUp.id, title: 'Workplan and MOU with CFHR', state: 'proposal' },
      { id: fromMeeting.id, title: 'Host a country office', state: 'proposal' },
    ]);
    // An origin that is not there is refused; the origin is not edited afterwards.
    await api.as('manager').post('/api/partnerships').send({ title: 'x', organizationId: cfhr, originEngagementId: randomUUID() }).expect(404);
    await api.as('manager').post('/api/partnerships').send({ title: 'x', organizationId: cfhr, originFollowUpId: randomUUID() }).expect(404);
    await api.as('manager').patch(`/api/partnerships/${plain.id}`).set('If-Match', '"1"').send({ originEngagementId: meeting.id }).expect(400);
  });

  it('edits an engagement with If-Match, audited, and refuses what names nothing', async () => {
    const { id } = (await post({ kind: 'call', title: 'Call with CFHR', startsOn: '2024-12-01', organizationIds: [cfhr] }).expect(201)).body;
    await api.as('manager').patch(`/api/engagements/${id}`).send({ notes: 'x' }).expect(428);
    await api.as('manager').patch(`/api/engagements/${id}`).set('If-Match', '"2"').send({ notes: 'x' }).expect(412);
    const edited = await api
      .as('manager')
      .patch(`/api/engagements/${id}`)
      .set('If-Match', '"1"')
      .send({ notes: 'CFHR will draft the workplan.', attendeeIds: [khan], endsOn: '2024-12-01' })
      .expect(200);
    expect(edited.headers.etag).toBe('"2"');
    expect(edited.body).toMatchObject({ version: 2, notes: 'CFHR will draft the workplan.', attendees: [{ id: khan }], organizations: [{ id: cfhr }] });
    await api.as('manager').patch(`/api/engagements/${id}`).set('If-Match', '"2"').send({ endsOn: '2024-11-30' }).expect(422);
    await api.as('manager').patch(`/api/engagements/${id}`).set('If-Match', '"2"').send({ organizationIds: [] }).expect(400);
    await api
      .as('manager')
      .patch(`/api/engagements/${id}`)
      .set('If-Match', '"2"')
      .send({ attendeeIds: [randomUUID()] })
      .expect(404);
    await api.as('auditor').patch(`/api/engagements/${id}`).set('If-Match', '"2"').send({ notes: 'x' }).expect(403);
    await post({ kind: 'meeting', title: 'Nowhere', startsOn: '2024-12-01', organizationIds: [] }).expect(400);
    await post({ kind: 'meeting', title: 'Nowhere', startsOn: '2024-12-01', organizationIds: [randomUUID()] }).expect(404);
    await post({ kind: 'meeting', title: 'Nobody', startsOn: '2024-12-01', organizationIds: [bu], staffIds: [randomUUID()] }).expect(404);
    await post({ kind: 'party', title: 'Party', startsOn: '2024-12-01', organizationIds: [bu] }).expect(400);
    await post({ kind: 'meeting', title: 'Backwards', startsOn: '2024-12-02', endsOn: '2024-12-01', organizationIds: [bu] }).expect(422);

    const audit = (await api.as('auditor').get(`/api/audit?entityId=${id}`).expect(200)).body.items as Array<{ action: string; outcome: string }>;
    expect(audit.filter((row) => row.outcome === 'ok').map((row) => row.action)).toEqual(['CREATE', 'UPDATE']);
    expect((await api.as('auditor').get(`/api/engagements/${id}`).expect(200)).body.version).toBe(2);
  });
  it("keeps the documents brought back from an engagement, lists them on it and on the organization's timeline", async () => {
    const meeting = (await post({ kind: 'meeting', title: 'Round table at CFHR', startsOn: '2024-11-14', organizationIds: [cfhr] }).expect(201)).body;
    const upload = (fields: Record<string, string>, text: string, name: string) =>
      Object.entries(fields)
        .reduce((request, [field, value]) => request.field(field, value), api.as('manager').post('/api/documents'))
        .attach('file', Buffer.from(text), name);
    const minutes = (await upload({ kind: 'report', engagementId: meeting.id, title: 'Minutes of the round table' }, 'Minutes.\n', 'minutes.txt').expect(201))
      .body;
    expect(minutes).toMatchObject({ engagementId: meeting.id, partnershipId: null, title: 'Minutes of the round table' });
    const notes = (await upload({ kind: 'other', engagementId: meeting.id }, 'Notes.\n', 'notes.md').expect(201)).body;
    await upload({ kind: 'other' }, 'Elsewhere.\n', 'other.txt').expect(201);
    expect((await upload({ kind: 'other', engagementId: randomUUID() }, 'Lost.\n', 'lost.txt').expect(404)).body.code).toBe('NOT_FOUND');
    expect((await upload({ kind: 'other', engagementId: 'meeting' }, 'Lost.\n', 'lost.txt').expect(400)).body.code).toBe('VALIDATION_FAILED');

    const shown = (await api.as('auditor').get(`/api/engagements/${meeting.id}`).expect(200)).body;
    expect(shown.documents.map((d: { id: string }) => d.id).sort()).toEqual([minutes.id, notes.id].sort());
    expect(shown.documents.find((d: { id: string }) => d.id === minutes.id)).toMatchObject({
      name: 'minutes.txt',
      title: 'Minutes of the round table',
      kind: 'report',
    });
    const listed = (await api.as('auditor').get(`/api/documents?engagementId=${meeting.id}`).expect(200)).body;
    expect(listed.total).toBe(2);
    // A follow-up reached both ways (it names the organization, and its engagement does too) is listed once.
    const promise = (
      await api
        .as('manager')
        .post(`/api/engagements/${meeting.id}/follow-ups`)
        .send({ title: 'Draft the workplan', ownerId: api.ids.manager, dueOn: '2024-12-15', organizationId: cfhr })
        .expect(201)
    ).body;
    const timeline = (await api.as('auditor').get(`/api/organizations/${cfhr}/timeline?limit=100`).expect(200)).body.items as Array<{
      kind: string;
      id: string;
    }>;
    expect(timeline.filter((e) => e.id === promise.id)).toHaveLength(1);
    expect(
      timeline
        .filter((e) => e.kind === 'document')
        .map((e) => e.id)
        .sort(),
    ).toEqual([minutes.id, notes.id].sort());
    const buTimeline = (await api.as('auditor').get(`/api/organizations/${bu}/timeline?limit=100`).expect(200)).body.items as Array<{ id: string }>;
    expect(buTimeline.map((e) => e.id)).not.toContain(minutes.id);
  });
});
