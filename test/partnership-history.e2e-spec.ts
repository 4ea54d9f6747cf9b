import { createApiApp, type ApiApp } from './support/api.js';
import { drivePartnership, occurrenceIdsOf, sendEvent } from './support/drive.js';
import { postOrganization } from './support/factories.js';
import { signInToPages } from './support/web-agent.js';

interface HistoryItem {
  seq: number;
  entityType: string;
  entityId: string;
  action: string;
  outcome: string;
  actor: { username: string };
}

/**
 * SPEC, HTTP API: `GET /api/partnerships/:id/history?limit=&offset=` answers the partnership's
 * audit rows and its occurrences', oldest first, paged: however many refused attempts someone
 * sends, one request reads one page.
 */
describe('a partnership’s history, over HTTP and on its page', () => {
  let api: ApiApp;
  let mou: { id: string; version: number };
  const FLOOD = 211;

  beforeAll(async () => {
    api = await createApiApp();
    const organizationId = await postOrganization(api);
    mou = await drivePartnership(api, organizationId, 'in_force.active');
  });

  afterAll(() => api.close());

  const history = async (query = '') =>
    (await api.as('auditor').get(`/api/partnerships/${mou.id}/history${query}`).expect(200)).body as { items: HistoryItem[]; total: number };

  it('includes its occurrences’ events: who recorded the lecture as held', async () => {
    const [lecture] = await occurrenceIdsOf(api, mou.id);
    let version = (await api.as('manager').get(`/api/occurrences/${lecture}`).expect(200)).body.version as number;
    for (const body of [
      { type: 'SCHEDULE', data: { date: '2026-03-02' } },
      { type: 'MARK_HELD', data: { report: 'Held in the main hall.' } },
    ]) {
      version = (await api.as('manager').post(`/api/occurrences/${lecture}/events`).set('If-Match', `"${version}"`).send(body).expect(200)).body.version;
    }
    const { items } = await history('?limit=200');
    expect(items.find((h) => h.action === 'MARK_HELD')).toMatchObject({
      entityType: 'occurrence',
      entityId: lecture,
      outcome: 'ok',
      actor: { username: 'manager' },
    });
    expect(items.filter((h) => h.entityType === 'partnership').map((h) => h.action)).toEqual(expect.arrayContaining(['CREATE', 'RECORD_SIGNATURE']));
    expect(items.map((h) => h.seq)).toEqual([...items.map((h) => h.seq)].sort((a, b) => a - b));
  });

  it('answers a page at a time, 50 by default and at most 200, however many refusals flood it', async () => {
    for (let i = 0; i < FLOOD; i += 1) {
      await sendEvent(api, 'auditor', mou.id, mou.version, { type: 'TERMINATE', comment: 'x'.repeat(5000) }).expect(403);
    }
    const first = await history();
    expect(first.total).toBeGreaterThan(FLOOD);
    expect(first.items).toHaveLength(50);
    const all: HistoryItem[] = [];
    while (all.length < first.total) all.push(...(await history(`?limit=200&offset=${all.length}`)).items);
    expect(all.map((h) => h.seq)).toEqual([...new Set(all.map((h) => h.seq))].sort((a, b) => a - b));
    expect(all.filter((h) => h.outcome === 'denied')).toHaveLength(FLOOD);
    const largest = await api
      .as('auditor')
      .get(`/api/partnerships/${mou.id}/history?limit=200&offset=${first.total - 200}`)
      .expect(200);
    expect(largest.text.length).toBeLessThan(1_200_000);
    await api.as('auditor').get(`/api/partnerships/${mou.id}/history?limit=201`).expect(400);
  });

  it('shows its history on the web a page at a time', async () => {
    const pages = await signInToPages(api.http, 'auditor');
    const { total } = await history();
    const first = await pages.get(`/ui/partnerships/${mou.id}`);
    expect(first.status).toBe(200);
    const timeline = (html: string) => html.slice(html.indexOf('id="history-h"'), html.indexOf('</ol>', html.indexOf('id="history-h"')));
    expect(timeline(first.html).match(/<li/g)).toHaveLength(50);
    expect(first.html).toContain(`Events 1–50 of ${total}, oldest first.`);
    expect(first.html).toContain('Later events');
    const next = await pages.get(`/ui/partnerships/${mou.id}?historyOffset=50`);
    expect(timeline(next.html).match(/<li/g)).toHaveLength(50);
    expect(next.html).toContain('Earlier events');
  });
});
