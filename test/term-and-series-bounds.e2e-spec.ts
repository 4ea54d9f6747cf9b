import type { ProposedActivityDto } from '../src/partnerships/dto/partnership.dto.js';
import { ReplayService } from '../src/workflow-engine/replay.service.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { createTestApp } from './support/test-app.js';
import { driveSteps, drivePartnership, mouSteps, sendEvent, type Driven } from './support/drive.js';
import { partnershipInput, postOrganization, postPartnership, createApiAppWithOrganization } from './support/factories.js';

/**
 * SPEC, partnership-mou v1: a term (agreed or renewed) ends after it starts, has not already
 * ended, and lasts at most MAX_TERM_YEARS (default 10); a partnership has at most 20 activity
 * series; a yearly date exists every year. So no one request makes the service create or answer
 * an unbounded number of occurrences.
 */
describe('bounded terms and activity series, over HTTP', () => {
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    ({ api, organizationId } = await createApiAppWithOrganization());
  });

  afterAll(() => api.close());

  const yearly = (n: number): ProposedActivityDto => ({
    kind: 'research_visit',
    title: `Yearly visit ${n}`,
    recurrence: { frequency: 'yearly', month: 4, day: 1 },
  });

  /** A proposal with `activities`, approved, with a draft shared: ready for AGREE_TEXT. */
  async function negotiating(activities = [yearly(1)]): Promise<Driven> {
    return driveSteps(api, await postPartnership(api, organizationId, { proposedActivities: activities }), mouSteps().slice(0, 3));
  }

  it('refuses a term to 9999-12-31 with 422 naming the rule in plain words, and creates nothing', async () => {
    const p = await negotiating();
    const refused = await sendEvent(api, 'manager', p.id, p.version, {
      type: 'AGREE_TEXT',
      data: { effectiveFrom: '2026-04-01', expiresOn: '9999-12-31' },
    }).expect(422);
    expect(refused.body).toMatchObject({
      statusCode: 422,
      code: 'GUARD_FAILED',
      details: {
        rule: 'datesOrdered',
        reason: 'a term lasts at most 10 years: the expiry date (9999-12-31) is more than 10 years after the date the MOU takes effect (2026-04-01)',
      },
    });
    expect(refused.body.message).toContain('a term lasts at most 10 years');
    const after = (await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body;
    expect(after).toMatchObject({ state: 'mou_negotiation', version: p.version, currentTerm: null });
  });

  it('refuses a term that has already ended (the tests’ clock reads 2026-03-02), which would expire at once', async () => {
    const p = await negotiating();
    const refused = await sendEvent(api, 'manager', p.id, p.version, {
      type: 'AGREE_TEXT',
      data: { effectiveFrom: '2020-01-01', expiresOn: '2020-12-31' },
    }).expect(422);
    expect(refused.body).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'datesOrdered', reason: 'the term would already have ended: the expiry date (2020-12-31) is before today (2026-03-02)' },
    });
    // a term that started long ago and ends today has not ended
    await sendEvent(api, 'manager', p.id, p.version, { type: 'AGREE_TEXT', data: { effectiveFrom: '2016-03-03', expiresOn: '2026-03-02' } }).expect(200);
  });

  it('accepts a term of exactly ten years, and a renewal of at most ten years more', async () => {
    const p = await negotiating();
    await sendEvent(api, 'manager', p.id, p.version, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2036-04-02' } }).expect(422);
    await sendEvent(api, 'manager', p.id, p.version, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2036-04-01' } }).expect(200);
    const due = await drivePartnership(api, organizationId, 'in_force.renewal_due');
    // SHORT_TERM ends 2026-05-15
    const tooLong = await sendEvent(api, 'approver', due.id, due.version, { type: 'RENEW', data: { expiresOn: '2036-05-16' } }).expect(422);
    expect(tooLong.body.details).toEqual({
      rule: 'datesOrdered',
      reason: 'a term lasts at most 10 years: the expiry date (2036-05-16) is more than 10 years after the current expiry date (2026-05-15)',
    });
    const renewed = await sendEvent(api, 'approver', due.id, due.version, { type: 'RENEW', data: { expiresOn: '2036-05-15' } }).expect(200);
    expect(renewed.body.currentTerm).toMatchObject({ number: 2, effectiveFrom: '2026-05-16', expiresOn: '2036-05-15' });
    // the bounds travel with each event into the audit chain, so the partnership replays to its stored state
    expect(await api.get(ReplayService).replay('partnership', due.id)).toMatchObject({ matches: true });
  });

  it('with 20 yearly series and the longest term, the MOU has 220 occurrences and its GET stays small; a 21st series is refused', async () => {
    const p = await negotiating(Array.from({ length: 20 }, (_, i) => yearly(i + 1)));
    const signed = await driveSteps(api, p, [
      { by: 'manager', body: { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2036-04-01' } } },
      ...mouSteps().slice(4),
    ]);
    const view = await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200);
    expect(view.body.state).toBe('in_force.active');
    const occurrences = (view.body.activities as Array<{ occurrences: unknown[] }>).flatMap((s) => s.occurrences);
    // a yearly series dated 1 April has one occurrence in each of 2026 … 2036
    expect(occurrences).toHaveLength(20 * 11);
    expect(view.text.length).toBeLessThan(150_000);
    const more = await api.as('manager').post(`/api/partnerships/${p.id}/activities`).set('If-Match', `"${signed.version}"`).send(yearly(21)).expect(422);
    expect(more.body).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'maxActivitySeries', reason: 'a partnership has at most 20 activity series, proposed and added together: this would make 21' },
    });
    expect((await api.as('auditor').get(`/api/partnerships/${p.id}/activities`).expect(200)).body.total).toBe(20);
  });

  it('cancels the future occurrences of a terminated MOU without copying its comment into each of them', async () => {
    const p = await negotiating(Array.from({ length: 20 }, (_, i) => yearly(i + 1)));
    const signed = await driveSteps(api, p, [
      { by: 'manager', body: { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2036-04-01' } } },
      ...mouSteps().slice(4),
    ]);
    const reason = 'The programme closed. '.repeat(220);
    await sendEvent(api, 'approver', p.id, signed.version, { type: 'TERMINATE', comment: reason }).expect(200);
    const activities = await api.as('auditor').get(`/api/partnerships/${p.id}/activities`).expect(200);
    const cancelled = (activities.body.items as Array<{ occurrences: Array<{ state: string; cancellation: { comment: string } | null }> }>)
      .flatMap((s) => s.occurrences)
      .filter((o) => o.state === 'cancelled');
    expect(cancelled).toHaveLength(20 * 11);
    expect(new Set(cancelled.map((o) => o.cancellation?.comment))).toEqual(new Set(['The MOU was terminated.']));
    // 220 copies of a 4,840-character reason would be over a megabyte; the reason stays on the partnership.
    expect(activities.text.length).toBeLessThan(300_000);
    expect((await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body.termination).toMatchObject({ comment: reason });
  });

  it('counts series added to a proposal with its proposed activities', async () => {
    const created = await postPartnership(api, organizationId, { proposedActivities: [yearly(1)] });
    const added = await api
      .as('manager')
      .post(`/api/partnerships/${created.id}/activities`)
      .set('If-Match', `"${created.version}"`)
      .send(yearly(2))
      .expect(201);
    const version = Number(JSON.parse(added.headers.etag));
    const twenty = Array.from({ length: 20 }, (_, i) => yearly(i + 1));
    const refused = await api
      .as('manager')
      .patch(`/api/partnerships/${created.id}`)
      .set('If-Match', `"${version}"`)
      .send({ proposedActivities: twenty })
      .expect(422);
    expect(refused.body.details).toMatchObject({ rule: 'maxActivitySeries', reason: expect.stringContaining('this would make 21') });
    await api
      .as('manager')
      .patch(`/api/partnerships/${created.id}`)
      .set('If-Match', `"${version}"`)
      .send({ proposedActivities: twenty.slice(0, 19) })
      .expect(200);
  });

  it('refuses an event after which the partnership would hold more than 256 KB, so that drafts cannot make every later event dearer', async () => {
    let p = await negotiating();
    const draft = (n: number) => ({
      type: 'SHARE_DRAFT',
      data: { document: { name: `Draft ${n} ${'n'.repeat(280)}`, sha256: 'd'.repeat(64), url: `https://files.example.org/${'u'.repeat(2000)}` } },
    });
    let refused: { status: number; body: { code: string; details: { rule: string; reason: string } } } | undefined;
    for (let n = 1; n <= 200 && !refused; n += 1) {
      const answer = await sendEvent(api, 'manager', p.id, p.version, draft(n));
      if (answer.status === 200) p = { ...p, version: answer.body.version };
      else refused = answer;
    }
    expect(refused?.status).toBe(422);
    expect(refused?.body).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'maxContextSize', reason: expect.stringContaining('past the 256 KB an instance may hold') },
    });
    const view = await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200);
    expect(view.text.length).toBeLessThan(300_000);
    // what does not add to it still goes through: the partnership keeps a way out
    await sendEvent(api, 'manager', p.id, p.version, { type: 'WITHDRAW', comment: 'Too many drafts.' }).expect(200);
  });

  it('refuses a yearly date that does not exist every year, instead of moving it silently', async () => {
    const cases: Array<[Record<string, number>, string]> = [
      [{ month: 2, day: 31 }, 'does not exist every year in February: pick a day from 1 to 28'],
      [{ month: 2, day: 29 }, 'does not exist every year in February: pick a day from 1 to 28'],
      [{ month: 4, day: 31 }, 'does not exist every year in April: pick a day from 1 to 30'],
      [{ day: 30 }, 'does not exist in every month'],
    ];
    for (const [date, words] of cases) {
      const activity: ProposedActivityDto = { kind: 'annual_lecture', title: 'Lecture', recurrence: { frequency: 'yearly', ...date } };
      const refused = await api
        .as('manager')
        .post('/api/partnerships')
        .send(partnershipInput(organizationId, { proposedActivities: [activity] }))
        .expect(400);
      expect(refused.body.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(refused.body)).toContain(words);
    }
    const ok: ProposedActivityDto = { kind: 'annual_lecture', title: 'Lecture', recurrence: { frequency: 'yearly', month: 2, day: 28 } };
    await api
      .as('manager')
      .post('/api/partnerships')
      .send(partnershipInput(organizationId, { proposedActivities: [ok] }))
      .expect(201);
  });
});

describe('MAX_TERM_YEARS', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp({ MAX_TERM_YEARS: '3' });
  });

  afterAll(async () => {
    await api.close();
    delete process.env.MAX_TERM_YEARS;
  });

  it('sets the longest term', async () => {
    const organizationId = await postOrganization(api);
    const p = await driveSteps(api, await postPartnership(api, organizationId), mouSteps().slice(0, 3));
    const refused = await sendEvent(api, 'manager', p.id, p.version, {
      type: 'AGREE_TEXT',
      data: { effectiveFrom: '2026-04-01', expiresOn: '2029-04-02' },
    }).expect(422);
    expect(refused.body.details.reason).toBe(
      'a term lasts at most 3 years: the expiry date (2029-04-02) is more than 3 years after the date the MOU takes effect (2026-04-01)',
    );
    await sendEvent(api, 'manager', p.id, p.version, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2029-04-01' } }).expect(200);
  });

  it('is validated at start-up', async () => {
    await expect(createTestApp({ env: { MAX_TERM_YEARS: '0' } })).rejects.toThrow('invalid configuration: MAX_TERM_YEARS must be at least 1');
    await expect(createTestApp({ env: { MAX_TERM_YEARS: 'ten' } })).rejects.toThrow('MAX_TERM_YEARS must be a whole number of years');
  });
});
