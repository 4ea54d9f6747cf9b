import { randomUUID } from 'node:crypto';
import { createApiApp, type ApiApp } from './support/api.js';
import { sendEvent } from './support/drive.js';
import { postOrganization, postPartnership } from './support/factories.js';

/** GET /api/organizations/:id/timeline: engagements, partnerships and their changes, documents and follow-ups, newest first, paged. */
describe("an organization's timeline", () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
  });

  afterAll(() => api.close());

  it('lists what happened with the organization, newest first, and nothing of another', async () => {
    const bu = await postOrganization(api, { name: 'Beaconhouse University', contacts: [] });
    const other = await postOrganization(api, { name: 'National Police Bureau', kind: 'law_enforcement', contacts: [] });
    const meeting = (
      await api
        .as('manager')
        .post('/api/engagements')
        .send({ kind: 'meeting', title: 'Meeting with Beaconhouse University', startsOn: '2024-11-15', organizationIds: [bu, other] })
        .expect(201)
    ).body;
    await api
      .as('manager')
      .post('/api/engagements')
      .send({ kind: 'call', title: 'Call with the NPB', startsOn: '2024-11-20', organizationIds: [other] })
      .expect(201);
    const followUp = (
      await api
        .as('manager')
        .post(`/api/engagements/${meeting.id}/follow-ups`)
        .send({ title: 'Examine a formal collaboration', ownerId: api.ids.manager, dueOn: '2025-01-31' })
        .expect(201)
    ).body;
    api.clock.set('2026-03-03T10:00:00.000Z');
    const partnership = await postPartnership(api, bu, { title: 'MOU with Beaconhouse University' });
    api.clock.set('2026-03-04T10:00:00.000Z');
    await sendEvent(api, 'manager', partnership.id, partnership.version, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    api.clock.set('2026-03-05T10:00:00.000Z');
    const document = (
      await api
        .as('manager')
        .post('/api/documents')
        .field('kind', 'concept_note')
        .field('partnershipId', partnership.id)
        .field('title', 'Concept note')
        .attach('file', Buffer.from('A concept note.\n'), 'concept.txt')
        .expect(201)
    ).body;
    await postPartnership(api, other, { title: 'Training with the NPB' });

    const timeline = (await api.as('auditor').get(`/api/organizations/${bu}/timeline`).expect(200)).body;
    expect(
      timeline.items.map((e: { kind: string; id: string; at: string; detail: string; state: string | null }) => [e.kind, e.id, e.at, e.detail, e.state]),
    ).toEqual([
      ['document', document.id, '2026-03-05T10:00:00.000Z', 'concept_note', null],
      ['partnership_change', partnership.id, '2026-03-04T10:00:00.000Z', 'SUBMIT_FOR_APPROVAL', 'senior_management_review'],
      ['partnership_change', partnership.id, '2026-03-03T10:00:00.000Z', 'CREATE', 'proposal'],
      ['follow_up', followUp.id, '2025-01-31', 'open', null],
      ['engagement', meeting.id, '2024-11-15', 'meeting', null],
    ]);
    expect(timeline.total).toBe(5);
    expect(timeline.items[0].title).toBe('Concept note');

    const page = (await api.as('auditor').get(`/api/organizations/${bu}/timeline?limit=2&offset=2`).expect(200)).body;
    expect(page).toMatchObject({ total: 5, items: [{ kind: 'partnership_change', detail: 'CREATE' }, { kind: 'follow_up' }] });
    const others = (await api.as('auditor').get(`/api/organizations/${other}/timeline`).expect(200)).body;
    expect(others.items.map((e: { kind: string; title: string }) => [e.kind, e.title])).toEqual([
      ['partnership_change', 'Training with the NPB'],
      ['follow_up', 'Examine a formal collaboration'],
      ['engagement', 'Call with the NPB'],
      ['engagement', 'Meeting with Beaconhouse University'],
    ]);
    await api.as('auditor').get(`/api/organizations/${randomUUID()}/timeline`).expect(404);
    await api.as('auditor').get(`/api/organizations/${bu}/timeline?limit=500`).expect(400);
  });
});
