import { TimersService } from '../src/timers/timers.service.js';
import { WorkflowRegistry } from '../src/workflow-engine/workflow-registry.js';
import type { StateConfig } from '../src/workflow-engine/workflow.types.js';
import { ADMIN_PASSWORD, type ApiApp, type UserName } from './support/api.js';
import { drivePartnership, occurrenceIdsOf, sendEvent } from './support/drive.js';
import { createApiAppWithOrganization, postPartnership } from './support/factories.js';
import { signInToPages } from './support/web-agent.js';

/** What a person reads of a page: its text, without markup, scripts or styles, entities decoded. */
function textOf(html: string): string {
  return html
    .replace(/<(script|style)\b[^]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** Every event id and every state id with an underscore or a dot of the loaded definitions: what no everyday page may show. */
function engineIds(registry: WorkflowRegistry): string[] {
  const ids = new Set<string>();
  const walk = (node: StateConfig, prefix: string) => {
    for (const event of Object.keys(node.on ?? {})) ids.add(event);
    for (const [key, child] of Object.entries(node.states ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (path.includes('_') || path.includes('.')) ids.add(path);
      if (key.includes('_')) ids.add(key);
      walk(child, path);
    }
  };
  for (const { definition } of registry.all()) walk(definition.machine, '');
  return [...ids];
}

/** Pages that show the engine's own record (hashes, codes, raw ids) on purpose: the audit log and the integrity check. */
const AUDIT_VIEWS = /^\/ui\/audit(\/|\?|$)/;

/** The integrity views inside a page (marked `data-integrity`, none nesting its own kind of element): where a page shows hashes on purpose. */
const INTEGRITY_VIEW = /<(\w+)\b[^>]*\sdata-integrity\b[^>]*>[^]*?<\/\1>/g;

/** A SHA-256 in hex, as the engine writes one. */
const SHA256_HEX = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/gi;

/**
 * SPEC, "Plain language": everything a person reads is in words. Every page each role can reach
 * from My work, on data like the demo's (proposals refused, sent back, overdue, rejected and
 * withdrawn; MOUs in force and due for renewal; occurrences scheduled, moved, held and cancelled),
 * is read for the engine's event names and state ids, and for SCREAMING_CASE codes.
 */
describe('the pages speak the users’ words', () => {
  let api: ApiApp;
  let organizationId: string;
  const partnershipIds: string[] = [];
  let engagementId: string;

  beforeAll(async () => {
    ({ api, organizationId } = await createApiAppWithOrganization());
    const send = async (id: string, by: UserName, body: object, status = 200) => {
      const { version } = (await api.as('auditor').get(`/api/partnerships/${id}`).expect(200)).body as { version: number };
      await sendEvent(api, by, id, version, body).expect(status);
    };
    const occurrence = async (id: string, body: object) => {
      const { version } = (await api.as('auditor').get(`/api/occurrences/${id}`).expect(200)).body as { version: number };
      await api.as('manager').post(`/api/occurrences/${id}/events`).set('If-Match', `"${version}"`).send(body).expect(200);
    };

    const refused = await postPartnership(api, organizationId, { title: 'Proposal refused once', proposedActivities: [] });
    await send(refused.id, 'manager', { type: 'SUBMIT_FOR_APPROVAL' }, 422);
    const sentBack = await postPartnership(api, organizationId, { title: 'Proposal sent back' });
    await send(sentBack.id, 'manager', { type: 'SUBMIT_FOR_APPROVAL' });
    await send(sentBack.id, 'approver', { type: 'REQUEST_CHANGES', comment: 'Name the lecture series.' });
    const rejected = await postPartnership(api, organizationId, { title: 'Proposal rejected' });
    await send(rejected.id, 'manager', { type: 'SUBMIT_FOR_APPROVAL' });
    await send(rejected.id, 'approver', { type: 'REJECT', comment: 'Out of scope.' });
    const withdrawn = await postPartnership(api, organizationId, { title: 'Proposal withdrawn' });
    await send(withdrawn.id, 'manager', { type: 'WITHDRAW', comment: 'Superseded.' });
    const inReview = await postPartnership(api, organizationId, { title: 'Proposal overdue for approval' });
    await send(inReview.id, 'manager', { type: 'SUBMIT_FOR_APPROVAL' });

    const inForce = await drivePartnership(api, organizationId, 'in_force.active');
    const [held, moved, cancelled] = await occurrenceIdsOf(api, inForce.id, 'planned');
    await occurrence(held, { type: 'SCHEDULE', data: { date: '2026-03-02', venue: 'Main hall' } });
    await occurrence(held, { type: 'MARK_HELD', data: { report: 'Held with 80 guests.', attendance: 80 } });
    await occurrence(moved, { type: 'SCHEDULE', data: { date: '2026-10-15' } });
    await occurrence(moved, { type: 'POSTPONE', data: { date: '2026-11-02' } });
    await occurrence(cancelled, { type: 'CANCEL', comment: 'The partner cancelled.' });
    const renewalDue = await drivePartnership(api, organizationId, 'in_force.renewal_due');

    // Past the approval deadline: the proposal in review is overdue, and its notices are sent.
    api.clock.advanceDays(15);
    await api.get(TimersService).fireDue();
    partnershipIds.push(refused.id, sentBack.id, rejected.id, withdrawn.id, inReview.id, inForce.id, renewalDue.id);

    // A meeting with a person met, a follow-up done, one cancelled and one overdue for the manager: engagement pages, My work and the timeline.
    const person = (
      await api
        .as('manager')
        .post('/api/people')
        .send({ name: 'Dr Kaleem', affiliations: [{ organizationId, title: 'Professor' }] })
        .expect(201)
    ).body;
    engagementId = (
      await api
        .as('manager')
        .post('/api/engagements')
        .send({
          kind: 'meeting',
          title: 'Round table',
          startsOn: '2026-03-03',
          organizationIds: [organizationId],
          attendeeIds: [person.id],
          partnershipIds: [inForce.id],
        })
        .expect(201)
    ).body.id;
    const followUp = async (title: string, dueInDays: number) =>
      (
        await api
          .as('manager')
          .post(`/api/engagements/${engagementId}/follow-ups`)
          .send({ title, ownerId: api.ids.manager, dueOn: new Date(api.clock.now().getTime() + dueInDays * 86_400_000).toISOString().slice(0, 10) })
          .expect(201)
      ).body as { id: string; version: number };
    const done = await followUp('Send the topics', 5);
    await api.as('manager').post(`/api/follow-ups/${done.id}/events`).set('If-Match', `"${done.version}"`).send({ type: 'COMPLETE' }).expect(200);
    const dropped = await followUp('Call the academy', 5);
    await api
      .as('manager')
      .post(`/api/follow-ups/${dropped.id}/events`)
      .set('If-Match', `"${dropped.version}"`)
      .send({ type: 'CANCEL', comment: 'Not needed.' })
      .expect(200);
    await followUp('Draft the workplan', 1);
    api.clock.advanceDays(3);
    await api.get(TimersService).fireDue();
  });

  afterAll(() => api.close());

  it.each<UserName>(['manager', 'approver', 'auditor', 'admin'])(
    'as %s: no event names, state ids, codes or hashes on any page outside the audit and integrity views',
    async (user) => {
      const pages = await signInToPages(api.http, user, user === 'admin' ? ADMIN_PASSWORD : undefined);
      const forbidden = engineIds(api.get(WorkflowRegistry));
      expect(forbidden).toEqual(expect.arrayContaining(['SUBMIT_FOR_APPROVAL', 'MARK_HELD', 'senior_management_review', 'in_force.renewal_due']));
      // A workflow as the engine names a version of it ("partnership-mou v2"), not by its title.
      const workflowVersions = new RegExp(
        `\\b(?:${[
          ...new Set(
            api
              .get(WorkflowRegistry)
              .all()
              .map((w) => w.definition.id),
          ),
        ].join('|')}) v\\d+\\b`,
        'g',
      );
      const patterns = forbidden.map((id) => ({ id, re: new RegExp(`(?<![A-Za-z0-9_.])${id.replace(/\./g, '\\.')}(?![A-Za-z0-9_])`) }));
      const queue = ['/', ...partnershipIds.map((id) => `/ui/partnerships/${id}`), '/ui/activities?days=3660'];
      const seen = new Set<string>();
      const found: string[] = [];
      let integrityHashes = 0;
      while (queue.length > 0 && seen.size < 150) {
        const path = queue.shift()!;
        if (seen.has(path)) continue;
        seen.add(path);
        const page = await pages.get(path);
        expect([200, 403]).toContain(page.status);
        const text = textOf(page.html.replace(INTEGRITY_VIEW, ' '));
        for (const [view] of page.html.matchAll(INTEGRITY_VIEW)) integrityHashes += (textOf(view).match(SHA256_HEX) ?? []).length;
        for (const hash of text.match(SHA256_HEX) ?? []) found.push(`${path}: ${hash}`);
        for (const { id, re } of patterns) if (re.test(text)) found.push(`${path}: ${id}`);
        for (const code of text.match(/\b[A-Z]{2,}(?:_[A-Z]+)+\b/g) ?? []) found.push(`${path}: ${code}`);
        for (const named of text.match(workflowVersions) ?? []) found.push(`${path}: ${named}`);
        for (const [, href] of page.html.matchAll(/href="(\/[^"#]*)/g)) {
          const next = href.replace(/&amp;/g, '&');
          if (next.startsWith('/ui/') || next === '/') {
            if (!AUDIT_VIEWS.test(next) && !next.startsWith('/ui/assets') && !next.startsWith('/ui/sign-out') && !seen.has(next)) queue.push(next);
          }
        }
      }
      expect(found).toEqual([]);
      // The same check finds the engine's words where they are meant to be: the audit log.
      const audit = textOf((await pages.get('/ui/audit')).html);
      if (user === 'auditor' || user === 'admin') expect(patterns.some(({ re }) => re.test(audit))).toBe(true);
      // The hashes are still there for those who check integrity: in the integrity details of each partnership they may replay.
      if (user === 'auditor' || user === 'admin') expect(integrityHashes).toBeGreaterThan(partnershipIds.length);
      else expect(integrityHashes).toBe(0);
      // The walk reached the pages that matter: each partnership, and the lists.
      for (const id of partnershipIds) expect(seen).toContain(`/ui/partnerships/${id}`);
      expect([...seen]).toEqual(
        expect.arrayContaining([
          '/',
          '/ui/pipeline',
          '/ui/organizations',
          '/ui/notifications',
          '/ui/engagements',
          `/ui/engagements/${engagementId}`,
          '/ui/people',
        ]),
      );
      expect([...seen].some((path) => path.startsWith('/ui/people/'))).toBe(true);
      if (user === 'manager') expect(seen).toContain('/ui/import');
      if (user === 'admin') expect(seen).toContain('/ui/import/agreements');
      if (user === 'approver') expect(seen).toContain('/ui/inbox');
    },
  );

  it('writes history lines as a person would say them, over the API too', async () => {
    const [refused, sentBack] = partnershipIds;
    const history = async (id: string) =>
      (
        (await api.as('auditor').get(`/api/partnerships/${id}/history`).expect(200)).body as {
          items: Array<{ actor: { displayName: string }; description: string }>;
        }
      ).items;
    expect((await history(refused)).map((h) => h.description)).toEqual([
      'created it (Proposal)',
      'was refused “Submit for approval”: Needs at least 1 of proposed activities.',
    ]);
    expect((await history(sentBack)).map((h) => h.description)).toEqual([
      'created it (Proposal)',
      'submitted it for approval → Senior-management review',
      'asked for changes → Proposal',
    ]);
    const page = await (await signInToPages(api.http, 'manager')).get(`/ui/partnerships/${refused}`);
    expect(textOf(page.html)).toContain('was refused “Submit for approval”: Add at least one proposed activity before submitting the proposal.');
    expect(textOf(page.html)).toContain('Partnership and MOU, version 2');
  });
});
