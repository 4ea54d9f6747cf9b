import { TimersService } from '../src/timers/timers.service.js';
import type { ApiApp, UserName } from './support/api.js';
import { drivePartnership, occurrenceIdsOf, sendEvent, type Driven } from './support/drive.js';
import { createApiAppWithOrganization, postPartnership } from './support/factories.js';
import { inboxOf } from './support/notices.js';
import { signInToPages, type WebAgent } from './support/web-agent.js';

/** The number the navigation shows beside "My work". */
function workCount(html: string): number {
  const match = /id="work-count">(\d+)</.exec(html);
  if (!match) throw new Error('the navigation shows no count of what waits');
  return Number(match[1]);
}

const INBOX_IN_NAVIGATION = '<li><a href="/ui/inbox"';

/** The titles a section of My work lists, by its heading's id. */
function listed(html: string, section: string): string[] {
  const start = html.indexOf(`id="${section}"`);
  if (start < 0) return [];
  const end = html.indexOf('</section>', start);
  return [...html.slice(start, end).matchAll(/<a href="\/ui\/partnerships\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
}

/** SPEC "My work": the web interface opens on what waits for the signed-in person now, with its count in the navigation. */
describe('My work and the notifications page, over HTTP', () => {
  let api: ApiApp;
  let organizationId: string;
  const pages = new Map<UserName, WebAgent>();

  beforeAll(async () => {
    ({ api, organizationId } = await createApiAppWithOrganization());
  });

  afterAll(() => api.close());

  async function as(user: UserName): Promise<WebAgent> {
    if (!pages.has(user)) pages.set(user, await signInToPages(api.http, user));
    return pages.get(user)!;
  }

  async function submitted(title: string): Promise<Driven> {
    const p = await postPartnership(api, organizationId, { title });
    const answer = await sendEvent(api, 'manager', p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    return { id: p.id, version: answer.body.version as number };
  }

  it('opens on My work, and keeps the pipeline at /ui/pipeline', async () => {
    const auditor = await as('auditor');
    const home = await auditor.get('/');
    expect(home.status).toBe(200);
    expect(home.headers['cache-control']).toBe('no-store');
    expect(home.html).toContain('<h1>My work</h1>');
    expect(home.html).toContain('Nothing waits for you now.');
    expect(workCount(home.html)).toBe(0);
    const pipeline = await auditor.get('/ui/pipeline');
    expect(pipeline.status).toBe(200);
    expect(pipeline.html).toContain('<h1>Pipeline</h1>');
    expect(pipeline.html).toContain('action="/ui/pipeline"');
  });

  it('lists the proposals an approver decides, and their notice, in the count; the submitter sees neither', async () => {
    const before = workCount((await (await as('approver2')).get('/')).html);
    const p = await submitted('Waiting on approver2');
    const page = await (await as('approver2')).get('/');
    expect(listed(page.html, 'work-approvals')).toContain('Waiting on approver2');
    expect(page.html).toContain('Waiting for your approval: Waiting on approver2');
    // the proposal and its notice
    expect(workCount(page.html)).toBe(before + 2);
    expect(listed((await (await as('manager')).get('/')).html, 'work-approvals')).toEqual([]);

    await sendEvent(api, 'approver2', p.id, p.version, { type: 'APPROVE' }).expect(200);
    const after = await (await as('approver2')).get('/');
    expect(listed(after.html, 'work-approvals')).not.toContain('Waiting on approver2');
    expect(workCount(after.html)).toBe(before + 1);
  });

  it('lists for a delegate what waits for the approver they decide for, and shows them the inbox', async () => {
    const delegation = await api
      .as('approver')
      .post('/api/delegations')
      .send({ delegateId: api.ids.manager2, startsOn: '2026-03-02', endsOn: '2026-03-04' })
      .expect(201);
    await submitted('Waiting on the approver, decided by a delegate');
    const page = await (await as('manager2')).get('/');
    expect(listed(page.html, 'work-approvals')).toContain('Waiting on the approver, decided by a delegate');
    expect(page.html).toContain('for Test approver');
    expect(page.html).toContain(INBOX_IN_NAVIGATION);
    await api.as('approver').delete(`/api/delegations/${delegation.body.id}`).expect(200);
    const after = await (await as('manager2')).get('/');
    expect(listed(after.html, 'work-approvals')).toEqual([]);
    expect(after.html).not.toContain(INBOX_IN_NAVIGATION);
  });

  it('lists MOUs to renew for approvers, and the owner’s occurrences to record, past-dated ones until recorded or missed', async () => {
    const renewal = await drivePartnership(api, organizationId, 'in_force.renewal_due');
    const title = (await api.as('auditor').get(`/api/partnerships/${renewal.id}`).expect(200)).body.title as string;
    expect(listed((await (await as('approver')).get('/')).html, 'work-renewals')).toContain(title);
    expect(listed((await (await as('manager')).get('/')).html, 'work-renewals')).toEqual([]);

    // The short term's research visit was due on 1 March, the day before the test's today.
    const [visit] = await occurrenceIdsOf(api, renewal.id, 'planned');
    const owner = await (await as('manager')).get('/');
    expect(listed(owner.html, 'work-activities')).toEqual([title]);
    expect(owner.html).toContain('to record');
    expect(listed((await (await as('manager2')).get('/')).html, 'work-activities')).toEqual([]);

    // Scheduled for its day, it stays until recorded as held.
    const occurrence = (await api.as('auditor').get(`/api/occurrences/${visit}`).expect(200)).body as { version: number };
    const scheduled = await api
      .as('manager')
      .post(`/api/occurrences/${visit}/events`)
      .set('If-Match', `"${occurrence.version}"`)
      .send({ type: 'SCHEDULE', data: { date: '2026-03-01' } })
      .expect(200);
    expect(listed((await (await as('manager')).get('/')).html, 'work-activities')).toEqual([title]);
    await api
      .as('manager')
      .post(`/api/occurrences/${visit}/events`)
      .set('If-Match', `"${scheduled.body.version}"`)
      .send({ type: 'MARK_HELD', data: { report: 'Held.' } })
      .expect(200);
    expect(listed((await (await as('manager')).get('/')).html, 'work-activities')).toEqual([]);

    // One left unrecorded is listed until the grace timer marks it missed.
    const unrecorded = await drivePartnership(api, organizationId, 'in_force.renewal_due');
    expect(listed((await (await as('manager')).get('/')).html, 'work-activities')).toHaveLength(1);
    api.clock.set(new Date('2026-04-01T00:00:00.000Z'));
    await api.get(TimersService).fireDue();
    expect(await occurrenceIdsOf(api, unrecorded.id, 'missed')).toHaveLength(1);
    expect(listed((await (await as('manager')).get('/')).html, 'work-activities')).toEqual([]);
    api.clock.set(new Date('2026-03-02T09:00:00.000Z'));
  });

  it('lists one’s notifications and marks them read, one or all, counting them down', async () => {
    await submitted('Read about it');
    const approver = await as('approver');
    const list = await approver.get('/ui/notifications');
    expect(list.status).toBe(200);
    expect(list.html).toContain('Waiting for your approval: Read about it');
    const { items, unread } = await inboxOf(api, 'approver', '?unread=true');
    const before = workCount((await approver.get('/')).html);

    const read = await approver.post(`/ui/notifications/${items[0].id}/read`, { returnTo: '/' });
    expect(read).toMatchObject({ status: 303, location: '/' });
    expect((await inboxOf(api, 'approver')).unread).toBe(unread - 1);
    const home = await approver.get('/');
    expect(workCount(home.html)).toBe(before - 1);
    expect(home.html).not.toContain(`id="notice-${items[0].id}"`);

    // Someone else's notice is none of theirs; an address off this site is not followed.
    expect((await (await as('auditor')).post(`/ui/notifications/${items[1].id}/read`, {})).status).toBe(404);
    const all = await approver.post('/ui/notifications/read-all', { returnTo: 'https://elsewhere.example/' });
    expect(all).toMatchObject({ status: 303, location: '/' });
    expect((await inboxOf(api, 'approver')).unread).toBe(0);
    const after = await approver.get('/ui/notifications');
    expect(after.html).toContain('Everything is read.');
    expect(after.html).not.toContain('Mark as read');
  });
});
