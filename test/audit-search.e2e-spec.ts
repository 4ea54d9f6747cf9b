import { createApiApp, type ApiApp } from './support/api.js';
import { postProposal } from './support/factories.js';

interface Row {
  seq: number;
  actorId: string;
  action: string;
}

/** GET /api/audit: newest first on request, filtered by person and action; the web's audit log lists newest first. */
describe('audit search: order and filters', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
    for (const by of ['manager', 'manager2', 'manager'] as const) {
      const p = await postProposal(api, {}, by);
      await api.as(by).post(`/api/partnerships/${p.id}/events`).set('If-Match', `"${p.version}"`).send({ type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    }
  });

  afterAll(async () => {
    await api.close();
  });

  const search = async (query: string) => ((await api.as('auditor').get(`/api/audit?${query}`).expect(200)).body as { items: Row[]; total: number }).items;

  it('lists newest first with order=desc, chain order by default, and filters by person and action', async () => {
    const ascending = await search(`actor=${api.ids.manager}&action=SUBMIT_FOR_APPROVAL`);
    const descending = await search(`actor=${api.ids.manager}&action=SUBMIT_FOR_APPROVAL&order=desc`);
    expect(ascending).toHaveLength(2);
    expect(ascending.every((r) => r.actorId === api.ids.manager && r.action === 'SUBMIT_FOR_APPROVAL')).toBe(true);
    expect(ascending[0].seq).toBeLessThan(ascending[1].seq);
    expect(descending.map((r) => r.seq)).toEqual(ascending.map((r) => r.seq).reverse());
    const newest = await search('order=desc&limit=1');
    const all = await search('limit=200');
    expect(newest[0].seq).toBe(Math.max(...all.map((r) => r.seq)));
  });

  it('refuses an order it does not know with 400', async () => {
    const response = await api.as('auditor').get('/api/audit?order=sideways').expect(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
  });
});
