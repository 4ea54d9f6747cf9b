import { prefersMinimal } from '../src/common/http/event-request.js';
import type { ApiApp } from './support/api.js';
import { drivePartnership, occurrenceIdsOf, sendEvent } from './support/drive.js';
import { postPartnership, createApiAppWithOrganization } from './support/factories.js';

/** `Prefer: return=minimal` (RFC 7240) on event requests: the same change, a small answer. */
describe('events answered with Prefer: return=minimal', () => {
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    ({ api, organizationId } = await createApiAppWithOrganization());
  });

  afterAll(() => api.close());

  const proposal = () => postPartnership(api, organizationId);

  it('answers a partnership event with its id, state and version only, and makes and audits the same change', async () => {
    const p = await proposal();
    const answer = await sendEvent(api, 'manager', p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' }).set('Prefer', 'return=minimal').expect(200);
    expect(answer.body).toEqual({ id: p.id, state: 'senior_management_review', version: p.version + 1 });
    expect(answer.headers.etag).toBe(`"${p.version + 1}"`);
    expect(answer.headers['preference-applied']).toBe('return=minimal');
    const read = (await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body as { state: string; version: number; submittedBy: string };
    expect(read).toMatchObject({ state: 'senior_management_review', version: p.version + 1, submittedBy: api.ids.manager });
    const history = (await api.as('auditor').get(`/api/partnerships/${p.id}/history`).expect(200)).body.items as Array<{ action: string; toState: string }>;
    expect(history.map((row) => [row.action, row.toState])).toContainEqual(['SUBMIT_FOR_APPROVAL', 'senior_management_review']);
    // The next event carries the ETag of the minimal answer.
    await sendEvent(api, 'approver', p.id, p.version + 1, { type: 'REQUEST_CHANGES', comment: 'More detail on the lecture series.' }).expect(200);
  });

  it('answers the whole view without the preference, with return=representation, and to a dry run', async () => {
    for (const prefer of [undefined, 'return=representation']) {
      const p = await proposal();
      const request = sendEvent(api, 'manager', p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' });
      const answer = await (prefer ? request.set('Prefer', prefer) : request).expect(200);
      expect(answer.body).toMatchObject({ id: p.id, state: 'senior_management_review', availableEvents: expect.any(Array), contentHash: expect.any(String) });
      expect(answer.headers['preference-applied']).toBeUndefined();
    }
    const p = await proposal();
    const dryRun = await api
      .as('manager')
      .post(`/api/partnerships/${p.id}/events?dryRun=true`)
      .set('If-Match', `"${p.version}"`)
      .set('Prefer', 'return=minimal')
      .send({ type: 'SUBMIT_FOR_APPROVAL' })
      .expect(200);
    expect(dryRun.body).toMatchObject({ dryRun: true, from: 'proposal', to: 'senior_management_review' });
    expect((await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body.version).toBe(p.version);
  });

  it('answers an occurrence event minimally too', async () => {
    const partnership = await drivePartnership(api, organizationId, 'in_force.active');
    const [id] = await occurrenceIdsOf(api, partnership.id, 'planned');
    const version = (await api.as('auditor').get(`/api/occurrences/${id}`).expect(200)).body.version as number;
    const answer = await api
      .as('manager')
      .post(`/api/occurrences/${id}/events`)
      .set('If-Match', `"${version}"`)
      .set('Prefer', 'respond-async, return=minimal')
      .send({ type: 'SCHEDULE', data: { date: '2026-10-15' } })
      .expect(200);
    expect(answer.body).toEqual({ id, state: 'scheduled', version: version + 1 });
    expect(answer.headers['preference-applied']).toBe('return=minimal');
    expect((await api.as('auditor').get(`/api/occurrences/${id}`).expect(200)).body).toMatchObject({ state: 'scheduled', date: '2026-10-15' });
  });

  it('still refuses what it refuses, whatever the preference', async () => {
    const p = await proposal();
    const stale = await sendEvent(api, 'manager', p.id, p.version + 5, { type: 'SUBMIT_FOR_APPROVAL' })
      .set('Prefer', 'return=minimal')
      .expect(412);
    expect(stale.body.code).toBe('VERSION_MISMATCH');
    expect(stale.headers['preference-applied']).toBeUndefined();
    const forbidden = await sendEvent(api, 'approver', p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' }).set('Prefer', 'return=minimal');
    expect(forbidden.status).toBe(403);
  });

  it.each([
    ['return=minimal', true],
    ['RETURN="Minimal"', true],
    ['respond-async, return=minimal; extra=1', true],
    [['wait=10', 'return=minimal'], true],
    ['return=representation, return=minimal', false],
    ['return=minimalist', false],
    ['minimal', false],
    ['', false],
    [undefined, false],
  ])('reads Prefer %j as return=minimal: %s', (header, expected) => {
    expect(prefersMinimal(header)).toBe(expected);
  });
});
