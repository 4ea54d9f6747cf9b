import type { ApiApp } from './support/api.js';
import { drivePartnership, occurrenceIdsOf, sendEvent } from './support/drive.js';
import { createApiAppWithOrganization, postPartnership } from './support/factories.js';
import { signInToPages, type WebAgent } from './support/web-agent.js';

/** The `<li>` of an occurrence on a page, up to the next one. */
function occurrenceOn(html: string, id: string): string {
  const start = html.indexOf(`id="occurrence-${id}"`);
  if (start < 0) return '';
  const end = html.indexOf('</li>\n', start);
  return html.slice(start, end < 0 ? undefined : end);
}

/**
 * Issue 18, "without dead ends": no action is offered that cannot succeed now, an occurrence whose
 * date has passed stays listed to record, and a request for changes is what a manager reads first.
 */
describe('recording occurrences and answering a change request without dead ends, over HTTP', () => {
  let api: ApiApp;
  let organizationId: string;
  let manager: WebAgent;

  beforeAll(async () => {
    ({ api, organizationId } = await createApiAppWithOrganization());
    manager = await signInToPages(api.http, 'manager');
  });

  afterAll(() => api.close());

  const schedule = async (id: string, date: string) => {
    const { version } = (await api.as('auditor').get(`/api/occurrences/${id}`).expect(200)).body as { version: number };
    await api.as('manager').post(`/api/occurrences/${id}/events`).set('If-Match', `"${version}"`).send({ type: 'SCHEDULE', data: { date } }).expect(200);
  };
  const available = async (id: string) =>
    ((await api.as('manager').get(`/api/occurrences/${id}`).expect(200)).body as { availableEvents: string[] }).availableEvents;

  it('offers "Mark held" only once the day it is scheduled for has come, on the page and in the API', async () => {
    const mou = await drivePartnership(api, organizationId, 'in_force.active');
    const [future, today] = await occurrenceIdsOf(api, mou.id, 'planned');
    await schedule(future, '2026-10-15');
    await schedule(today, '2026-03-02');
    expect(await available(future)).toEqual(['BRING_FORWARD', 'CANCEL', 'POSTPONE']);
    expect(await available(today)).toEqual(['BRING_FORWARD', 'CANCEL', 'MARK_HELD', 'POSTPONE']);
    const page = (await manager.get(`/ui/partnerships/${mou.id}`)).html;
    expect(occurrenceOn(page, future)).toContain('data-event="POSTPONE"');
    expect(occurrenceOn(page, future)).not.toContain('data-event="MARK_HELD"');
    expect(occurrenceOn(page, today)).toContain('data-event="MARK_HELD"');
  });

  it('keeps an occurrence whose date has passed listed "to record" until it is recorded', async () => {
    const mou = await drivePartnership(api, organizationId, 'in_force.active');
    const [lecture] = await occurrenceIdsOf(api, mou.id, 'planned');
    await schedule(lecture, '2026-03-03');
    api.clock.advanceDays(5);
    try {
      const activities = (await manager.get('/ui/activities?days=30')).html;
      const toRecord = activities.slice(activities.indexOf('id="to-record-h"'), activities.indexOf('</section>', activities.indexOf('id="to-record-h"')));
      expect(toRecord).toContain(`id="occurrence-${lecture}"`);
      expect(occurrenceOn(toRecord, lecture)).toContain('2026-03-03');
      expect(occurrenceOn(toRecord, lecture)).toContain('data-event="MARK_HELD"');
      const { version } = (await api.as('auditor').get(`/api/occurrences/${lecture}`).expect(200)).body as { version: number };
      const held = await manager.post(`/ui/occurrences/${lecture}/events`, {
        type: 'MARK_HELD',
        version: String(version),
        'data.report': 'Held in the main hall.',
        returnTo: '/ui/activities',
      });
      expect(held.status).toBe(303);
      expect((await manager.get('/ui/activities?days=30')).html).not.toContain(`id="occurrence-${lecture}"`);
    } finally {
      api.clock.advanceDays(-5);
    }
  });

  it('says beside "Days ahead" what is wrong with a window the list cannot show, keeps what was typed, and lists the default window', async () => {
    const mou = await drivePartnership(api, organizationId, 'in_force.active');
    const [lecture] = await occurrenceIdsOf(api, mou.id, 'planned');
    await schedule(lecture, '2026-04-20');
    for (const typed of ['abc', '0', '99999', '1.5']) {
      const page = await manager.get(`/ui/activities?days=${typed}`);
      expect(page.status).toBe(400);
      const alert = /<div class="alert alert-error" role="alert" id="days-refused"><p>([^<]*)<\/p>/.exec(page.html)?.[1];
      expect(alert).toBe(`Days ahead takes a whole number from 1 to 3660, not “${typed}”. Below: the next 90 days.`);
      expect(page.html).toMatch(
        new RegExp(
          `id="days" name="days" type="number" min="1" max="3660" value="${typed.replace('.', '\\.')}" aria-invalid="true" aria-describedby="days-refused"`,
        ),
      );
      // Not a page of its own: the list is there, with what is due in the default window.
      expect(page.html).toContain('<h1>Upcoming activities</h1>');
      expect(page.html).toContain(`id="occurrence-${lecture}"`);
    }
    const offPage = await manager.get('/ui/activities?days=30&offset=-5');
    expect(offPage.status).toBe(400);
    expect(offPage.html).toContain('That page of the list does not exist. Below: the first page of the next 90 days.');
    expect(offPage.html).toContain('id="days" name="days" type="number" min="1" max="3660" value="90">');
  });

  it('lists every problem on a refusal that has a page of its own, not only the line that introduces them', async () => {
    const auditor = await signInToPages(api.http, 'auditor');
    const page = await auditor.get('/ui/audit?from=yesterday&to=2026-02-30');
    expect(page.status).toBe(400);
    const alert = /<div class="alert alert-error" role="alert">([^]*?)<\/div>/.exec(page.html)?.[1] ?? '';
    expect([...alert.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1])).toEqual([
      'from must be a date or an instant such as 2026-01-01T00:00:00Z.',
      'from must be a valid ISO 8601 date string.',
      'to must be a valid ISO 8601 date string.',
    ]);
  });

  it('lets a person jump from the top of a long partnership page to each of its sections', async () => {
    const mou = await drivePartnership(api, organizationId, 'in_force.active');
    const html = (await manager.get(`/ui/partnerships/${mou.id}`)).html;
    const nav = /<nav class="page-sections" aria-label="Sections of this page">([^]*?)<\/nav>/.exec(html)?.[1] ?? '';
    const links = [...nav.matchAll(/<a href="#([a-z-]+)">([^<]+)<\/a>/g)].map(([, id, words]) => ({ id, words }));
    expect(links.map((l) => l.words)).toEqual(['Workflow', 'Proposal', 'Approvals', 'MOU', 'Activities', 'History']);
    // Each leads to its section's heading, and the list comes before them all, just after what can be done now.
    for (const { id, words } of links) expect(html).toMatch(new RegExp(`<h2 id="${id}">${words}\\b`));
    const at = (id: string) => html.indexOf(`id="${id}"`);
    expect(at('actions-h')).toBeLessThan(html.indexOf('class="page-sections"'));
    expect(Math.min(...links.map((l) => at(l.id)))).toBeGreaterThan(html.indexOf('class="page-sections"'));
  });

  it('adds activity rows one after another on the new proposal form, without script, keeping what was typed', async () => {
    const form = (html: string) => [...html.matchAll(/name="activity\.(\d+)\.title"/g)].length;
    const typed: Record<string, string> = {
      title: 'Three commitments',
      organizationId,
      summary: 'Lecture, visits and a course.',
      requiredApprovals: '1',
      approvalSlaDays: '14',
    };
    const first = await manager.get(`/ui/partnerships/new?organizationId=${organizationId}`);
    expect(form(first.html)).toBe(2);
    const activity = (i: number, title: string) => ({
      [`activity.${i}.title`]: title,
      [`activity.${i}.kind`]: 'other',
      [`activity.${i}.frequency`]: 'yearly',
      [`activity.${i}.month`]: '11',
      [`activity.${i}.day`]: String(10 + i),
    });
    Object.assign(typed, activity(0, 'Annual lecture'), activity(1, 'Research visit'));
    // Both rows filled: one more row, and what was typed is kept.
    const more = await manager.post('/ui/partnerships', { ...typed, addRow: 'activity' });
    expect(more.status).toBe(200);
    const rows = form(more.html);
    expect(rows).toBeGreaterThan(2);
    expect(more.html).toContain('value="Research visit"');
    expect(more.html).toContain('value="Three commitments"');
    Object.assign(typed, activity(2, 'Co-created course'), activity(rows - 1, ''));
    // Again: every press adds a row, past the two or three rows forms used to stop at.
    const again = await manager.post('/ui/partnerships', { ...typed, addRow: 'activity' });
    expect(form(again.html)).toBe(rows + 1);
    expect(again.html).toContain('value="Co-created course"');
    // Each activity needs its first date: every one without is named at once, and what was typed is kept.
    const undated = await manager.post('/ui/partnerships', { ...typed, 'activity.1.month': '', 'activity.2.day': '' });
    expect(undated.status).toBe(400);
    const alert = /<div class="alert alert-error" role="alert">([^]*?)<\/div>/.exec(undated.html)?.[1] ?? '';
    expect([...alert.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1])).toEqual([
      'Give “Research visit” its first date: the month and day it falls on each year.',
      'Give “Co-created course” its first date: the month and day it falls on each year.',
    ]);
    expect(undated.html).toContain('value="Co-created course"');
    expect((await api.as('auditor').get('/api/partnerships?q=Three%20commitments').expect(200)).body.total).toBe(0);
    const created = await manager.post('/ui/partnerships', typed);
    expect(created.status).toBe(303);
    const id = /\/ui\/partnerships\/([0-9a-f-]{36})/.exec(created.location!)![1];
    const stored = (await api.as('auditor').get(`/api/partnerships/${id}`).expect(200)).body as { proposedActivities: Array<{ title: string }> };
    expect(stored.proposedActivities.map((a) => a.title)).toEqual(['Annual lecture', 'Research visit', 'Co-created course']);
  });

  it('puts the approver’s request for changes and the next step at the top of the page, and on the board', async () => {
    const p = await postPartnership(api, organizationId, { title: 'Police academy exchange' });
    await sendEvent(api, 'manager', p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    await sendEvent(api, 'approver', p.id, p.version + 1, { type: 'REQUEST_CHANGES', comment: 'Say who funds the visits.' }).expect(200);
    const page = (await manager.get(`/ui/partnerships/${p.id}`)).html;
    const banner = page.indexOf('data-testid="changes-requested"');
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(page.indexOf('id="actions-h"'));
    expect(page.slice(banner, page.indexOf('</section>', banner))).toMatch(
      /Test approver<\/strong> asked for changes on 2026-03-02:[^]*Say who funds the visits\.[^]*Next: change the proposal/,
    );
    const board = (await manager.get('/ui/pipeline')).html;
    const card = board.slice(board.indexOf('Police academy exchange'), board.indexOf('</li>', board.indexOf('Police academy exchange')));
    expect(card).toContain('Changes requested');

    // Submitted again, it is no longer waiting for changes.
    await sendEvent(api, 'manager', p.id, p.version + 2, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    expect((await manager.get(`/ui/partnerships/${p.id}`)).html).not.toContain('data-testid="changes-requested"');
  });
});
