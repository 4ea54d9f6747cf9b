import { DataSource } from 'typeorm';
import { plainExecute } from '../src/database/plain-query.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { drivePartnership, occurrenceIdsOf, sendEvent } from './support/drive.js';
import { postOrganization } from './support/factories.js';
import { signInToPages } from './support/web-agent.js';

/**
 * SPEC, "Workflows are data": an instance whose definition file changed after it started refuses
 * events (409) but can always be read, listed and exported. The file's hash no longer matching the
 * one the instance recorded is that change, as the service sees it.
 */
describe('an instance whose definition changed after it started, over HTTP', () => {
  let api: ApiApp;
  let review: { id: string; version: number };
  let mou: { id: string; version: number };
  let occurrenceId: string;
  const CHANGED = 'changed after this instance started';

  beforeAll(async () => {
    api = await createApiApp();
    const organizationId = await postOrganization(api);
    review = await drivePartnership(api, organizationId, 'senior_management_review');
    mou = await drivePartnership(api, organizationId, 'in_force.active');
    [occurrenceId] = await occurrenceIdsOf(api, mou.id);
    const dataSource = api.get(DataSource);
    for (const table of ['partnerships', 'occurrences']) {
      await plainExecute(dataSource, `UPDATE ${table} SET definition_hash = ?`, ['f'.repeat(64)]);
    }
  });

  afterAll(() => api.close());

  it('reads it with no available events, and says why', async () => {
    for (const id of [review.id, mou.id]) {
      const view = await api.as('approver').get(`/api/partnerships/${id}`).expect(200);
      expect(view.body.availableEvents).toEqual([]);
      expect(view.body.eventsRefused).toContain(`the definition of partnership-mou v2 ${CHANGED}`);
    }
    const activities = await api.as('manager').get(`/api/partnerships/${mou.id}/activities`).expect(200);
    expect(activities.body.items[0].occurrences[0]).toMatchObject({ availableEvents: [], eventsRefused: expect.stringContaining(CHANGED) });
    expect((await api.as('manager').get(`/api/occurrences/${occurrenceId}`).expect(200)).body.availableEvents).toEqual([]);
  });

  it('lists it, shows its history, and exports it', async () => {
    const list = (await api.as('auditor').get('/api/partnerships').expect(200)).body.items.map((p: { id: string }) => p.id);
    expect(list).toEqual(expect.arrayContaining([review.id, mou.id]));
    expect((await api.as('auditor').get(`/api/partnerships/${mou.id}/history`).expect(200)).body.total).toBeGreaterThan(0);
    expect((await api.as('approver').get('/api/approvals/pending').expect(200)).body.items.map((p: { id: string }) => p.id)).not.toContain(review.id);
    const exported = await api.as('auditor').get('/api/audit/export?format=jsonl').expect(200);
    expect(exported.text).toContain(mou.id);
  });

  it('shows its page, with why nothing can be done', async () => {
    const pages = await signInToPages(api.http, 'manager');
    const page = await pages.get(`/ui/partnerships/${mou.id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`Nothing can be done to this partnership now: the definition of partnership-mou v2 ${CHANGED}`);
    expect((await pages.get('/ui/activities?days=3660')).status).toBe(200);
  });

  it('refuses its events and edits with 409', async () => {
    const refused = await sendEvent(api, 'approver', review.id, review.version, { type: 'APPROVE' }).expect(409);
    expect(refused.body).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(CHANGED) });
    await api.as('manager').patch(`/api/partnerships/${review.id}`).set('If-Match', `"${review.version}"`).send({ notes: 'A note' }).expect(409);
    const occurrence = (await api.as('manager').get(`/api/occurrences/${occurrenceId}`).expect(200)).body;
    await api
      .as('manager')
      .post(`/api/occurrences/${occurrenceId}/events`)
      .set('If-Match', `"${occurrence.version}"`)
      .send({ type: 'CANCEL', comment: 'No.' })
      .expect(409);
  });
});
