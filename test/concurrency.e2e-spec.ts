import type { Server } from 'node:http';
import type request from 'supertest';
import { DataSource } from 'typeorm';
import { Timer } from '../src/timers/timer.entity.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { postOrganization, postPartnership } from './support/factories.js';
import { sendEvent } from './support/drive.js';

/**
 * Many requests at once on one partnership, over real sockets: optimistic concurrency lets
 * exactly one of a set of requests that read the same version through, and an idempotency key
 * turns a burst of retries into one effect.
 */
describe('concurrent requests on one partnership', () => {
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    api = await createApiApp();
    // Listening once up front: supertest would otherwise bind (and close) the server per request.
    const server = api.http as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    organizationId = await postOrganization(api);
  });

  afterAll(() => api.close());

  const newPartnership = async (): Promise<string> => (await postPartnership(api, organizationId)).id;

  async function auditTotal(entityId: string, outcome: 'ok' | 'denied'): Promise<number> {
    return (await api.as('auditor').get(`/api/audit?entityId=${entityId}&outcome=${outcome}&limit=1`).expect(200)).body.total;
  }

  async function deniedCodes(entityId: string): Promise<string[]> {
    const rows = (await api.as('auditor').get(`/api/audit?entityId=${entityId}&outcome=denied&limit=200`).expect(200)).body.items;
    return rows.map((row: { payload: { code: string } }) => row.payload.code);
  }

  function statuses(responses: request.Response[]): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1;
    return counts;
  }

  it('lets exactly one of 50 events with the same If-Match through; the 49 others get 412 and are audited as denied', async () => {
    const id = await newPartnership();
    const okBefore = await auditTotal(id, 'ok');

    const responses = await Promise.all(Array.from({ length: 50 }, () => sendEvent(api, 'manager', id, 1, { type: 'SUBMIT_FOR_APPROVAL' })));

    expect(statuses(responses)).toEqual({ 200: 1, 412: 49 });
    const winner = responses.find((r) => r.status === 200) as request.Response;
    expect(winner.body).toMatchObject({ state: 'senior_management_review', version: 2 });
    expect(winner.headers.etag).toBe('"2"');
    for (const refused of responses.filter((r) => r.status === 412)) {
      expect(refused.body).toMatchObject({ statusCode: 412, code: 'VERSION_MISMATCH', details: { currentVersion: 2 } });
    }
    expect(await auditTotal(id, 'ok')).toBe(okBefore + 1);
    expect(await deniedCodes(id)).toEqual(Array(49).fill('VERSION_MISMATCH'));
    const now = await api.as('manager').get(`/api/partnerships/${id}`).expect(200);
    expect(now.body).toMatchObject({ state: 'senior_management_review', version: 2 });
    const history = (await api.as('auditor').get(`/api/partnerships/${id}/history`).expect(200)).body.items;
    expect(history.filter((h: { outcome: string }) => h.outcome === 'ok').map((h: { action: string }) => h.action)).toEqual(['CREATE', 'SUBMIT_FOR_APPROVAL']);
    // One submission, one approval-SLA timer and one escalation timer (v2): the refused requests scheduled nothing.
    expect(
      (
        await api
          .get(DataSource)
          .getRepository(Timer)
          .find({ where: { instanceId: id } })
      )
        .map((t) => t.event)
        .sort(),
    ).toEqual([
      'xstate.after.approvalEscalation.partnership-mou.senior_management_review',
      'xstate.after.approvalSla.partnership-mou.senior_management_review',
    ]);
  });

  it('lets exactly one of 50 concurrent edits with the same If-Match through', async () => {
    const id = await newPartnership();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api
          .as('manager')
          .patch(`/api/partnerships/${id}`)
          .set('If-Match', '"1"')
          .send({ notes: `edit ${i}` }),
      ),
    );

    expect(statuses(responses)).toEqual({ 200: 1, 412: 49 });
    const winner = responses.find((r) => r.status === 200) as request.Response;
    const now = await api.as('manager').get(`/api/partnerships/${id}`).expect(200);
    expect(now.body).toMatchObject({ version: 2, notes: winner.body.notes });
    expect(await auditTotal(id, 'ok')).toBe(2); // CREATE and the one UPDATE
    expect(await deniedCodes(id)).toEqual(Array(49).fill('VERSION_MISMATCH'));
  });

  it('answers 20 concurrent requests with the same Idempotency-Key identically, with one effect', async () => {
    const id = await newPartnership();
    await sendEvent(api, 'manager', id, 1, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    const okBefore = await auditTotal(id, 'ok');

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => sendEvent(api, 'approver', id, 2, { type: 'APPROVE' }).set('Idempotency-Key', 'approve-once')),
    );

    expect(statuses(responses)).toEqual({ 200: 20 });
    const [first] = responses;
    expect(first.body).toMatchObject({ state: 'mou_drafting', version: 3, approvalCount: 1 });
    for (const r of responses) {
      expect(r.body).toEqual(first.body);
      expect(r.headers.etag).toBe('"3"');
    }
    expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
    expect(await auditTotal(id, 'ok')).toBe(okBefore + 1);
    expect(await auditTotal(id, 'denied')).toBe(0);
    const now = await api.as('manager').get(`/api/partnerships/${id}`).expect(200);
    expect(now.body).toMatchObject({ state: 'mou_drafting', version: 3, approvalCount: 1 });
  });

  it('keeps the chain whole after the bursts', async () => {
    const verify = await api.as('auditor').get('/api/audit/verify').expect(200);
    expect(verify.body).toMatchObject({ ok: true });
  });
});
