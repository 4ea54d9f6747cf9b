import ICAL from 'ical.js';
import type { ProposedActivityDto } from '../src/partnerships/dto/partnership.dto.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { driveSteps, mouSteps } from './support/drive.js';
import { postOrganization, postPartnership } from './support/factories.js';
import { signInToPages } from './support/web-agent.js';

/**
 * SPEC, HTTP API: `GET /api/calendar.ics?from=&to=` answers the events of a window (by default a
 * year back to two years ahead, at most five years), streamed; `GET /api/activities/upcoming` is
 * bounded too. Five MOUs of 20 yearly series over ten years make 1,100 occurrences here.
 */
describe('the calendar feed and the upcoming list answer a bounded window, over HTTP', () => {
  let api: ApiApp;
  const MOUS = 5;

  beforeAll(async () => {
    api = await createApiApp();
    const organizationId = await postOrganization(api);
    const activities: ProposedActivityDto[] = Array.from({ length: 20 }, (_, i) => ({
      kind: 'research_visit',
      title: `Yearly visit ${i + 1}`,
      recurrence: { frequency: 'yearly', month: 4, day: 1 },
    }));
    for (let i = 0; i < MOUS; i += 1) {
      const created = await postPartnership(api, organizationId, { proposedActivities: activities });
      await driveSteps(api, created, mouSteps({ effectiveFrom: '2026-04-01', expiresOn: '2036-04-01' }));
    }
  }, 120_000);

  afterAll(() => api.close());

  /** The feed's events as an independent parser reads them: [uid, start date]. */
  function events(text: string): Array<[string, string]> {
    const calendar = new ICAL.Component(ICAL.parse(text));
    return calendar.getAllSubcomponents('vevent').map((e) => [String(e.getFirstPropertyValue('uid')), e.getFirstPropertyValue('dtstart')!.toString()]);
  }

  it('answers only the events of the window asked for, each once, streamed', async () => {
    // 1 April 2026 … 1 April 2031: six 1 Aprils for each of 100 series, read in more than one batch
    const feed = await api.as('auditor').get('/api/calendar.ics?from=2026-04-01&to=2031-04-01').expect(200);
    expect(feed.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(feed.headers['transfer-encoding']).toBe('chunked');
    expect(feed.headers['content-length']).toBeUndefined();
    const found = events(feed.text);
    expect(found).toHaveLength(MOUS * 20 * 6);
    expect(new Set(found.map(([uid]) => uid)).size).toBe(found.length);
    expect(new Set(found.map(([, start]) => start))).toEqual(new Set(['2026-04-01', '2027-04-01', '2028-04-01', '2029-04-01', '2030-04-01', '2031-04-01']));
  });

  it('covers a year back to two years ahead by default, and holds the MOU expiries and renewal windows that fall in a window', async () => {
    // the tests' clock reads 2026-03-02: 2025-03-02 … 2028-03-02 holds the 1 Aprils of 2026 and 2027
    const starts = events((await api.as('auditor').get('/api/calendar.ics').expect(200)).text).map(([, start]) => start);
    expect(starts).toHaveLength(MOUS * 20 * 2);
    expect(new Set(starts)).toEqual(new Set(['2026-04-01', '2027-04-01']));
    // the terms run through 2036-04-01; their renewal windows open 90 days before
    const late = events((await api.as('auditor').get('/api/calendar.ics?from=2036-01-01&to=2036-12-31').expect(200)).text);
    expect(late.filter(([uid]) => uid.startsWith('mou-expiry-')).map(([, start]) => start)).toEqual(Array(MOUS).fill('2036-04-01'));
    expect(late.filter(([uid]) => uid.startsWith('mou-renewal-')).map(([, start]) => start)).toEqual(Array(MOUS).fill('2036-01-02'));
    expect(late.filter(([uid]) => uid.startsWith('occurrence-'))).toHaveLength(MOUS * 20);
  });

  it('refuses a window longer than five years, reversed or malformed, with 400 in the one error shape', async () => {
    const tooLong = await api.as('auditor').get('/api/calendar.ics?from=2026-04-01&to=2031-04-02').expect(400);
    expect(tooLong.body).toMatchObject({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: 'the window may span at most 5 years: from 2026-04-01 to 2031-04-02 is longer',
    });
    expect((await api.as('auditor').get('/api/calendar.ics?from=2031-04-01').expect(200)).text).toContain('BEGIN:VCALENDAR');
    const reversed = await api.as('auditor').get('/api/calendar.ics?from=2030-01-01&to=2029-12-31').expect(400);
    expect(reversed.body).toMatchObject({ code: 'VALIDATION_FAILED', message: 'to (2029-12-31) must not come before from (2030-01-01)' });
    expect((await api.as('auditor').get('/api/calendar.ics?from=2030-02-30').expect(400)).body.code).toBe('VALIDATION_FAILED');
  });

  it('lists upcoming occurrences a page at a time, with the total of the window', async () => {
    // ten years ahead holds the 1 Aprils of 2026 … 2035
    const first = await api.as('auditor').get('/api/activities/upcoming?days=3660').expect(200);
    expect(first.body.total).toBe(MOUS * 20 * 10);
    expect(first.body.items).toHaveLength(50);
    const page = await api.as('auditor').get('/api/activities/upcoming?days=3660&limit=200&offset=900').expect(200);
    expect(page.body.items).toHaveLength(100);
    expect(page.body.items.map((o: { date: string }) => o.date)).toEqual(Array(100).fill('2035-04-01'));
    await api.as('auditor').get('/api/activities/upcoming?days=3660&limit=201').expect(400);
  });

  it('lists one’s calendar links a page at a time, newest first', async () => {
    for (let i = 1; i <= 55; i += 1) {
      await api
        .as('approver')
        .post('/api/calendar/tokens')
        .send({ label: `Link ${i}` })
        .expect(201);
      api.clock.set(new Date(api.clock.now().getTime() + 1000));
    }
    const first = (await api.as('approver').get('/api/calendar/tokens').expect(200)).body;
    expect(first.total).toBe(55);
    expect(first.items).toHaveLength(50);
    expect(first.items[0].label).toBe('Link 55');
    expect((await api.as('approver').get('/api/calendar/tokens?offset=50').expect(200)).body.items.map((t: { label: string }) => t.label)).toEqual([
      'Link 5',
      'Link 4',
      'Link 3',
      'Link 2',
      'Link 1',
    ]);
    const page = await (await signInToPages(api.http, 'approver')).get('/ui/activities');
    expect(page.html).toContain('The newest 50 of 55.');
  });

  it('shows upcoming activities on the web a page at a time', async () => {
    const pages = await signInToPages(api.http, 'manager');
    const first = await pages.get('/ui/activities?days=3660');
    expect(first.status).toBe(200);
    expect(first.html.match(/class="occurrence panel"/g)).toHaveLength(50);
    expect(first.html).toContain(`Showing 1–50 of ${MOUS * 20 * 10}.`);
    const last = await pages.get('/ui/activities?days=3660&offset=950');
    expect(last.html.match(/class="occurrence panel"/g)).toHaveLength(50);
    expect(last.html).toContain('Sooner activities');
    expect(last.html).not.toContain('Later activities');
  });
});
