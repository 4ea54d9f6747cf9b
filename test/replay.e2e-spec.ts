import { DataSource } from 'typeorm';
import { plainExecute, plainQuery } from '../src/database/plain-query.js';
import { ADMIN_PASSWORD, createApiApp, type ApiApp } from './support/api.js';
import { drivePartnership } from './support/drive.js';
import { postOrganization } from './support/factories.js';
import { signInToPages } from './support/web-agent.js';

interface ReplayBody {
  ok: boolean;
  storedState: { value: string; context: Record<string, unknown> };
  replayedState: { value: string; context: Record<string, unknown> };
  events: number;
  divergesAt?: { seq: number; action: string; occurredAt: string; reason: string };
}

interface HistoryBody {
  items: Array<{ seq: number; action: string }>;
}

/** SPEC, "Workflows evolve": replay for auditors re-runs the chain's events and compares with the stored row. */
describe('GET /api/partnerships/:id/replay', () => {
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    api = await createApiApp();
    organizationId = await postOrganization(api);
  });

  afterAll(() => api.close());

  const replay = async (id: string, user: 'auditor' | 'admin' = 'auditor') =>
    (await api.as(user).get(`/api/partnerships/${id}/replay`).expect(200)).body as ReplayBody;

  it('replays a partnership signed into force to its stored state, for the auditor and the admin', async () => {
    const p = await drivePartnership(api, organizationId, 'in_force.active');
    const answer = await replay(p.id);
    expect(answer).toMatchObject({ ok: true, storedState: { value: 'in_force.active' }, replayedState: { value: 'in_force.active' } });
    expect(answer.replayedState).toEqual(answer.storedState);
    expect(answer.divergesAt).toBeUndefined();
    const history = (await api.as('auditor').get(`/api/partnerships/${p.id}/history?limit=200`).expect(200)).body as HistoryBody;
    expect(answer.events).toBeGreaterThan(5);
    expect(answer.events).toBeLessThanOrEqual(history.items.length);
    expect(await replay(p.id, 'admin')).toEqual(answer);
  });

  it('names where it diverges when the stored state was changed in the database, not through the engine', async () => {
    const p = await drivePartnership(api, organizationId, 'senior_management_review');
    await plainExecute(api.get(DataSource), 'UPDATE partnerships SET state = ? WHERE id = ?', ['in_force.active', p.id]);
    const answer = await replay(p.id);
    expect(answer).toMatchObject({ ok: false, storedState: { value: 'in_force.active' }, replayedState: { value: 'senior_management_review' } });
    const history = (await api.as('auditor').get(`/api/partnerships/${p.id}/history?limit=200`).expect(200)).body as HistoryBody;
    const submitted = history.items.find((row) => row.action === 'SUBMIT_FOR_APPROVAL');
    expect(answer.divergesAt).toMatchObject({ kind: 'stored', seq: submitted?.seq, action: 'SUBMIT_FOR_APPROVAL' });
    expect(answer.divergesAt?.reason).toContain('in_force.active');
  });

  it('names the context too, when only the context was changed', async () => {
    const p = await drivePartnership(api, organizationId, 'proposal');
    const dataSource = api.get(DataSource);
    const [row] = await plainQuery<{ context: string }>(dataSource, 'SELECT context FROM partnerships WHERE id = ?', [p.id]);
    const context = JSON.parse(row.context) as { requiredApprovals: number };
    await plainExecute(dataSource, 'UPDATE partnerships SET context = ? WHERE id = ?', [
      JSON.stringify({ ...context, requiredApprovals: context.requiredApprovals + 1 }),
      p.id,
    ]);
    const answer = await replay(p.id);
    expect(answer).toMatchObject({
      ok: false,
      divergesAt: { kind: 'stored', action: 'CREATE', reason: 'the stored context is not what the chain leaves after this event' },
    });
  });

  it('refuses those who do not audit, and answers 404 for a partnership that does not exist', async () => {
    const p = await drivePartnership(api, organizationId, 'proposal');
    await api.as('manager').get(`/api/partnerships/${p.id}/replay`).expect(403);
    await api.as('approver').get(`/api/partnerships/${p.id}/replay`).expect(403);
    expect((await api.as('auditor').get('/api/partnerships/00000000-0000-4000-8000-000000000000/replay').expect(404)).body).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  /** The words of the page's replay verdict, tags and runs of spaces removed. */
  const verdictOf = (html: string) =>
    (/<div id="replay-result"[^>]*>([\s\S]*?)<\/div>\s*<\/section>/.exec(html)?.[1] ?? '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();

  it('puts a Replay button on the partnership page for the auditor and the admin, whose verdict is in words', async () => {
    const intact = await drivePartnership(api, organizationId, 'mou_drafting');
    const changed = await drivePartnership(api, organizationId, 'senior_management_review');
    await plainExecute(api.get(DataSource), 'UPDATE partnerships SET state = ? WHERE id = ?', ['in_force.active', changed.id]);
    const auditor = await signInToPages(api.http, 'auditor');
    const admin = await signInToPages(api.http, 'admin', ADMIN_PASSWORD);
    const manager = await signInToPages(api.http, 'manager');

    expect((await auditor.get(`/ui/partnerships/${intact.id}`)).html).toContain('>Replay</button>');
    expect((await manager.get(`/ui/partnerships/${intact.id}`)).html).not.toContain('>Replay</button>');

    const ok = await auditor.get(`/ui/partnerships/${intact.id}/replay`);
    expect(ok.status).toBe(200);
    expect(verdictOf(ok.html)).toMatch(/^The replay matches\. Its \d+ recorded events, run again through the workflow, lead to MOU drafting, the state stored/);

    const parted = await admin.get(`/ui/partnerships/${changed.id}/replay`);
    expect(parted.status).toBe(200);
    const words = verdictOf(parted.html);
    expect(words).toContain(
      'The replay does not match what is stored. The stored state is In force · Active; the recorded events lead to Senior-management review.',
    );
    expect(words).toMatch(
      /They part at event \d+, Submit for approval \(.+\): the stored partnership no longer holds what the chain leaves after it; it was changed outside the workflow\.$/,
    );
    expect(words).not.toContain('in_force.active');

    expect((await manager.get(`/ui/partnerships/${intact.id}/replay`)).status).toBe(403);
  });
});
