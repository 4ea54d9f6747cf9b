import { DataSource } from 'typeorm';
import { FollowUpCounts1764330600000 } from '../src/database/migrations/1764330600000-follow-up-counts.js';
import { TimersService } from '../src/timers/timers.service.js';
import { createApiApp, type ApiApp, type UserName } from './support/api.js';
import { postOrganization } from './support/factories.js';
import { runMigrationStep } from './support/migrate.js';
import { signInToPages } from './support/web-agent.js';

/**
 * Follow-ups run the `follow-up` workflow through the same engine, events endpoint, audit chain
 * and durable timers as partnerships: open → done or cancelled → reopened; overdue on the due day.
 */
describe('follow-ups', () => {
  let api: ApiApp;
  let organizationId: string;
  let engagementId: string;

  beforeAll(async () => {
    api = await createApiApp();
    organizationId = await postOrganization(api, { name: 'Centre for Human Rights', kind: 'civil_society', contacts: [] });
    engagementId = (
      await api
        .as('manager')
        .post('/api/engagements')
        .send({ kind: 'meeting', title: 'Meeting with CFHR', startsOn: '2026-02-20', place: 'Lahore', organizationIds: [organizationId] })
        .expect(201)
    ).body.id;
  });

  afterAll(() => api.close());

  /** A follow-up owned by `owner`, due on `dueOn` (the test clock stands at 2026-03-02). */
  const promise = async (owner: UserName, dueOn: string, title = 'CFHR will draft the workplan') =>
    (await api.as('manager').post(`/api/engagements/${engagementId}/follow-ups`).send({ title, ownerId: api.ids[owner], dueOn, organizationId }).expect(201))
      .body as { id: string; version: number; state: string; availableEvents: string[] };

  const send = (user: Parameters<ApiApp['as']>[0], id: string, version: number, body: object) =>
    api.as(user).post(`/api/follow-ups/${id}/events`).set('If-Match', `"${version}"`).send(body);

  it('lets its owner (not a manager) and managers complete it, cancel it with a comment, and reopen it; nobody else', async () => {
    const created = await promise('approver', '2026-04-30');
    expect(created).toMatchObject({ state: 'open', version: 1 });
    // Its owner, an approver, may act on it; another approver may not.
    expect((await api.as('approver').get(`/api/follow-ups/${created.id}`).expect(200)).body.availableEvents).toEqual(['CANCEL', 'COMPLETE']);
    expect((await api.as('approver2').get(`/api/follow-ups/${created.id}`).expect(200)).body.availableEvents).toEqual([]);
    const refused = await send('approver2', created.id, 1, { type: 'COMPLETE' }).expect(403);
    expect(refused.body.code).toBe('FORBIDDEN');

    const done = await send('approver', created.id, 1, { type: 'COMPLETE', comment: 'Workplan received.' }).expect(200);
    expect(done.headers.etag).toBe('"2"');
    expect(done.body).toMatchObject({ state: 'done', completions: [{ by: api.ids.approver, comment: 'Workplan received.' }] });
    const reopened = await send('manager', created.id, 2, { type: 'REOPEN' }).expect(200);
    expect(reopened.body).toMatchObject({ state: 'open', reopenings: [{ by: api.ids.manager }] });
    expect((await send('approver', created.id, 3, { type: 'CANCEL' }).expect(422)).body.details).toMatchObject({ rule: 'requires' });
    await send('approver', created.id, 3, { type: 'REOPEN' }).expect(409);
    await send('approver', created.id, 2, { type: 'COMPLETE' }).expect(412);
    await api.as('approver').post(`/api/follow-ups/${created.id}/events`).send({ type: 'COMPLETE' }).expect(428);
    const cancelled = await send('approver', created.id, 3, { type: 'CANCEL', comment: 'The workplan is no longer needed.' }).expect(200);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', cancellation: { by: api.ids.approver, comment: 'The workplan is no longer needed.' } });

    const audit = (await api.as('auditor').get(`/api/audit?entityId=${created.id}`).expect(200)).body.items as Array<{ action: string; outcome: string }>;
    expect(audit.map((row) => [row.action, row.outcome])).toEqual([
      ['CREATE', 'ok'],
      ['COMPLETE', 'denied'],
      ['COMPLETE', 'ok'],
      ['REOPEN', 'ok'],
      ['CANCEL', 'denied'],
      ['REOPEN', 'denied'],
      ['COMPLETE', 'denied'],
      ['CANCEL', 'ok'],
    ]);
    expect((await api.as('auditor').get('/api/audit/verify').expect(200)).body.ok).toBe(true);
  });

  it('replays the same Idempotency-Key, and answers a dry run without writing', async () => {
    const { id } = await promise('manager2', '2026-05-15');
    const dry = await api.as('manager2').post(`/api/follow-ups/${id}/events?dryRun=true`).set('If-Match', '"1"').send({ type: 'COMPLETE' }).expect(200);
    expect(dry.body).toMatchObject({ dryRun: true, from: 'open', to: 'done' });
    const first = await send('manager2', id, 1, { type: 'COMPLETE' }).set('Idempotency-Key', 'follow-up-once').expect(200);
    const again = await send('manager2', id, 1, { type: 'COMPLETE' }).set('Idempotency-Key', 'follow-up-once').expect(200);
    expect(again.body).toEqual(first.body);
    expect((await api.as('auditor').get(`/api/follow-ups/${id}`).expect(200)).body.version).toBe(2);
  });

  it('marks an open follow-up overdue on its due day and tells its owner, once; one done by then is left alone', async () => {
    const late = await promise('approver', '2026-03-10', 'Khosa will brief Shaw');
    const early = await promise('approver', '2026-03-10', 'Dr Kaleem will propose topics for the NPA');
    await send('approver', early.id, 1, { type: 'COMPLETE' }).expect(200);
    const noticesBefore = (await api.as('approver').get('/api/notifications').expect(200)).body.total as number;

    api.clock.set('2026-03-09T23:59:00.000Z');
    await api.get(TimersService).fireDue();
    expect((await api.as('auditor').get(`/api/follow-ups?overdue=true&ownerId=${api.ids.approver}`).expect(200)).body.total).toBe(0);

    api.clock.set('2026-03-10T00:00:00.000Z');
    await api.get(TimersService).fireDue();
    const overdue = (await api.as('auditor').get(`/api/follow-ups?overdue=true&ownerId=${api.ids.approver}`).expect(200)).body;
    expect(overdue).toMatchObject({ total: 1, items: [{ id: late.id, state: 'open', overdue: true }] });
    const notices = (await api.as('approver').get('/api/notifications').expect(200)).body;
    expect(notices.total).toBe(noticesBefore + 1);
    expect(notices.items[0]).toMatchObject({ kind: 'follow_up_due', subject: 'Due today: Khosa will brief Shaw', entityType: 'follow_up', entityId: late.id });

    // Done, it is no longer overdue; reopened past its due day, it is overdue again at once.
    const done = await send('approver', late.id, 2, { type: 'COMPLETE' }).expect(200);
    expect(done.body.overdue).toBe(false);
    await send('approver', late.id, 3, { type: 'REOPEN' }).expect(200);
    await api.get(TimersService).fireDue();
    expect((await api.as('auditor').get(`/api/follow-ups/${late.id}`).expect(200)).body).toMatchObject({ state: 'open', overdue: true });
    expect((await api.as('auditor').get(`/api/follow-ups?state=done&ownerId=${api.ids.approver}`).expect(200)).body.items).toEqual([
      expect.objectContaining({ id: early.id }),
    ]);
  });

  it("lists its owner's open follow-ups due within the reminder days in My work, overdue ones first, with the count", async () => {
    const owner = await signInToPages(api.http, 'approver2');
    const emptyBefore = await owner.get('/');
    expect(emptyBefore.html).not.toContain('id="work-follow-ups"');
    await promise('approver2', '2026-03-05', 'Brief Mark Shaw');
    await promise('approver2', '2026-03-20', 'Propose topics for the NPA');
    await promise('approver2', '2027-01-31', 'Plan the follow-on mission');
    await api.get(TimersService).fireDue();
    const page = await owner.get('/');
    const section = page.html.slice(page.html.indexOf('id="work-follow-ups"'), page.html.indexOf('</section>', page.html.indexOf('id="work-follow-ups"')));
    expect(section).toContain('Follow-ups due <span class="count">2</span>');
    // Each links to the engagement it was promised at.
    expect([...section.matchAll(/<a href="\/ui\/engagements\/[0-9a-f-]{36}#follow-ups">([^<]+)<\/a>/g)].map((m) => m[1])).toEqual([
      'Brief Mark Shaw',
      'Propose topics for the NPA',
    ]);
    expect(section.match(/Overdue/g)).toHaveLength(1);
    // Two follow-ups and the notice that the first is due.
    expect(/id="work-count">(\d+)</.exec(page.html)?.[1]).toBe('3');
  });

  it('puts engagements and follow-up due dates in the calendar feed, an open one with a reminder the day before', async () => {
    const feed = (await api.as('auditor').get('/api/calendar.ics?from=2026-02-01&to=2026-03-31').expect(200)).text.replace(/\r\n /g, '');
    expect(feed).toContain(`UID:engagement-${engagementId}@partnership-engine`);
    expect(feed).toContain('SUMMARY:Meeting: Meeting with CFHR');
    expect(feed).toContain('LOCATION:Lahore');
    expect(feed).toContain('SUMMARY:Follow-up due: Khosa will brief Shaw (open)');
    expect(feed).toContain('SUMMARY:Follow-up due: Dr Kaleem will propose topics for the NPA (done)');
    const open = feed.slice(
      feed.indexOf('SUMMARY:Follow-up due: Khosa will brief Shaw'),
      feed.indexOf('END:VEVENT', feed.indexOf('SUMMARY:Follow-up due: Khosa')),
    );
    expect(open).toContain('TRIGGER:-P1D');
    // Outside the window, nothing.
    expect((await api.as('auditor').get('/api/calendar.ics?from=2025-01-01&to=2025-12-31').expect(200)).text).not.toContain('Follow-up due');
  });

  it('shows an engagement’s follow-ups on it, and refuses what names nothing', async () => {
    const engagement = (await api.as('auditor').get(`/api/engagements/${engagementId}`).expect(200)).body;
    expect(engagement.followUps.length).toBeGreaterThanOrEqual(4);
    expect(engagement.followUps.map((f: { dueOn: string }) => f.dueOn)).toEqual([...engagement.followUps.map((f: { dueOn: string }) => f.dueOn)].sort());
    const unknown = '00000000-0000-4000-8000-000000000000';
    const post = (path: string, body: object) => api.as('manager').post(path).send(body);
    await post(`/api/engagements/${unknown}/follow-ups`, { title: 'x', ownerId: api.ids.manager, dueOn: '2026-04-01' }).expect(404);
    await post(`/api/engagements/${engagementId}/follow-ups`, { title: 'x', ownerId: unknown, dueOn: '2026-04-01' }).expect(404);
    await post(`/api/engagements/${engagementId}/follow-ups`, { title: 'x', ownerId: api.ids.manager, dueOn: '2026-04-01', partnershipId: unknown }).expect(
      404,
    );
    await post(`/api/engagements/${engagementId}/follow-ups`, { title: 'x', ownerId: api.ids.manager, dueOn: 'soon' }).expect(400);
    await api.as('auditor').post(`/api/engagements/${engagementId}/follow-ups`).send({ title: 'x', ownerId: api.ids.manager, dueOn: '2026-04-01' }).expect(403);
    await api.as('auditor').get('/api/follow-ups?state=bogus').expect(400);
  });

  /** Every list filter answers what a scan of the table answers; the counters equal a count of the table. */
  async function expectListsExact() {
    const dataSource = api.get(DataSource);
    const asBoolean = (value: unknown) => value === true || value === 1 || value === '1';
    const group = (rows: Array<{ owner_id: string; state: string; overdue: unknown; n: number | string }>) =>
      Object.fromEntries(rows.filter((r) => Number(r.n) !== 0).map((r) => [`${r.owner_id} ${r.state} ${asBoolean(r.overdue)}`, Number(r.n)]));
    const counted = await dataSource.query('SELECT owner_id, state, overdue, COUNT(*) AS n FROM follow_ups GROUP BY owner_id, state, overdue');
    // Summed over the shards a group may have (PostgreSQL).
    const kept = await dataSource.query('SELECT owner_id, state, overdue, SUM(n) AS n FROM follow_up_counts GROUP BY owner_id, state, overdue');
    expect(group(kept)).toEqual(group(counted));
    const all = await dataSource.query<Array<Record<string, unknown>>>('SELECT id, owner_id, state, overdue, due_on FROM follow_ups');
    const queries: Array<{ ownerId?: string; state?: string; overdue?: boolean; limit?: number; offset?: number }> = [
      {},
      { ownerId: api.ids.approver },
      { ownerId: api.ids.approver, state: 'open' },
      { ownerId: api.ids.approver, state: 'done', limit: 1 },
      { ownerId: api.ids.approver, overdue: true },
      { ownerId: api.ids.approver2, state: 'open', offset: 1 },
      { state: 'open', overdue: false },
      { state: 'cancelled', offset: 50 },
      { ownerId: api.ids.auditor },
    ];
    for (const query of queries) {
      const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
      const listed = (await api.as('auditor').get(`/api/follow-ups?${params.toString()}`).expect(200)).body;
      const matching = all
        .filter((f) => query.ownerId === undefined || f.owner_id === query.ownerId)
        .filter((f) => query.state === undefined || f.state === query.state)
        .filter((f) => query.overdue === undefined || asBoolean(f.overdue) === query.overdue)
        .sort((a, b) => (a.due_on === b.due_on ? (String(a.id) < String(b.id) ? -1 : 1) : String(a.due_on) < String(b.due_on) ? -1 : 1));
      const offset = query.offset ?? 0;
      const limit = query.limit ?? 50;
      expect({ query, total: listed.total, ids: listed.items.map((f: { id: string }) => f.id) }).toEqual({
        query,
        total: matching.length,
        ids: matching.slice(offset, offset + limit).map((f) => f.id),
      });
    }
  }

  it('answers totals from counters the triggers keep through every change, and the migration rebuilds them from the rows', async () => {
    const cancelled = await promise('approver', '2026-05-01', 'A follow-on mission in late 2025');
    await send('manager', cancelled.id, 1, { type: 'CANCEL', comment: 'Folded into the workplan.' }).expect(200);
    await expectListsExact();
    const migrate = (step: 'up' | 'down') => runMigrationStep(api.get(DataSource), new FollowUpCounts1764330600000(), step);
    await migrate('down');
    await promise('approver2', '2026-03-01', 'Written while no counter was kept');
    await migrate('up');
    await api.get(TimersService).fireDue();
    await expectListsExact();
  });
});
