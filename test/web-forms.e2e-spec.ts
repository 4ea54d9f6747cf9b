import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DocumentsService } from '../src/documents/documents.service.js';
import request from 'supertest';
import { ActivitiesService } from '../src/activities/activities.service.js';
import { AuditService } from '../src/audit/audit.service.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import type { CreatePartnershipDto } from '../src/partnerships/dto/partnership.dto.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { partnershipFormValues } from '../src/web/partnership-form.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { organizationInput, createProposal } from './support/factories.js';
import { inputValue, signInToPages, type WebAgent } from './support/web-agent.js';

/**
 * The page forms' refusals, over HTTP as a browser sends them (session cookie, CSRF token, form
 * encoding): wrong role, stale version and invalid input each get a page that says why, keep what
 * was typed and change nothing.
 */
describe('page forms refuse in plain words and keep what was typed', () => {
  let api: ApiApp;
  let manager: WebAgent;
  let approver: WebAgent;

  beforeAll(async () => {
    api = await createApiApp();
    manager = await signInToPages(api.http, 'manager');
    approver = await signInToPages(api.http, 'approver');
  });

  afterAll(async () => {
    await api.close();
  });

  const partnerships = () => api.get(PartnershipsService);
  /** The signed-in manager as the services know them: the pages check who may change what. */
  const managerActor = () => ({ id: api.ids.manager, roles: ['manager'] });
  /** A proposal of the signed-in manager's, of an organization named after it. */
  const seedProposal = (title: string, overrides: Partial<CreatePartnershipDto> = {}) =>
    createProposal(api, { title, ...overrides }, { by: managerActor(), organization: { name: `Org of ${title}` } });

  describe('editing an organization', () => {
    const organizations = () => api.get(OrganizationsService);
    const createOrganization = (name: string) =>
      organizations().create(organizationInput({ name, contacts: [{ name: 'Dr. Sana Iqbal', title: 'Dean' }] }), managerActor());
    const form = (version: number, overrides: Record<string, string> = {}) => ({
      version: String(version),
      name: 'Riphah International University',
      kind: 'university',
      country: 'PK',
      city: 'Islamabad',
      website: '',
      'contact.0.name': 'Dr. Sana Iqbal',
      'contact.0.title': 'Dean',
      'contact.0.email': '',
      ...overrides,
    });

    it('saves the changes a manager made, with the audit row the API writes', async () => {
      const org = await createOrganization('Riphah University');
      const page = await manager.get(`/ui/organizations/${org.id}`);
      expect(page.html).toContain('Edit organization');
      expect(inputValue(page.html, 'org-name')).toBe('Riphah University');
      expect(page.html).toContain(`name="version" value="${org.version}"`);

      const saved = await manager.post(
        `/ui/organizations/${org.id}/details`,
        form(org.version, { 'contact.1.name': 'Prof. Imran Shah', 'contact.1.email': 'imran@example.org' }),
      );
      expect(saved.status).toBe(303);
      expect(saved.location).toBe(`/ui/organizations/${org.id}?done=EDITED`);
      const after = await organizations().get(org.id);
      expect(after).toMatchObject({
        name: 'Riphah International University',
        city: 'Islamabad',
        version: org.version + 1,
        contacts: [
          { name: 'Dr. Sana Iqbal', title: 'Dean' },
          { name: 'Prof. Imran Shah', email: 'imran@example.org' },
        ],
      });
      const rows = (await api.get(AuditService).search({ entityId: org.id, action: 'UPDATE' })).items;
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actorId: api.ids.manager, outcome: 'ok', entityType: 'organization' });
      // Only what changed is recorded: the kind and country were sent as they were.
      expect(Object.keys(JSON.parse(rows[0].payload).changes).sort()).toEqual(['city', 'contacts', 'name']);
    });

    it('refuses an approver: no form on the page, and a forged post is refused and recorded', async () => {
      const org = await createOrganization('Approver may not edit');
      const page = await approver.get(`/ui/organizations/${org.id}`);
      expect(page.status).toBe(200);
      expect(page.html).not.toContain('Edit organization');
      const refused = await approver.post(`/ui/organizations/${org.id}/details`, form(org.version, { name: 'Renamed by an approver' }));
      expect(refused.status).toBe(403);
      expect(refused.html).toContain('Your roles do not allow this.');
      expect((await organizations().get(org.id)).name).toBe('Approver may not edit');
      const denied = (await api.get(AuditService).search({ entityId: org.id, outcome: 'denied' })).items;
      expect(denied.map((r) => [r.actorId, r.action])).toEqual([[api.ids.approver, 'POST /ui/organizations/:id/details']]);
    });

    it('refuses a form read at an older version with the clear message of a 412, keeps the input, and records the attempt', async () => {
      const org = await createOrganization('Stale form university');
      await manager.get(`/ui/organizations/${org.id}`);
      await organizations().update(org.id, { city: 'Rawalpindi' }, { id: api.ids.manager2, roles: ['manager'] }, org.version);

      const refused = await manager.post(`/ui/organizations/${org.id}/details`, form(org.version, { name: 'What I typed meanwhile' }));
      expect(refused.status).toBe(412);
      expect(refused.html).toContain('Someone changed this after you opened the page (it is now at version 2)');
      expect(inputValue(refused.html, 'org-name')).toBe('What I typed meanwhile');
      expect(refused.html).toMatch(/<details class="action" open>\s*<summary>Edit organization<\/summary>/);
      // The page shows the current organization, and the form now carries its current version.
      expect(refused.html).toContain('Rawalpindi, Pakistan');
      // Countries are chosen by name from the list, and stored as their ISO 3166-1 alpha-2 code.
      expect(refused.html).toContain('<option value="PK" selected>Pakistan</option>');
      expect(refused.html).toContain('<option value="PA">Panama</option>');
      expect(refused.html).toContain('name="version" value="2"');
      expect(await organizations().get(org.id)).toMatchObject({ name: 'Stale form university', city: 'Rawalpindi', version: 2 });
      const denied = (await api.get(AuditService).search({ entityId: org.id, outcome: 'denied' })).items;
      expect(denied).toHaveLength(1);
      expect(JSON.parse(denied[0].payload)).toMatchObject({ code: 'VERSION_MISMATCH' });
    });

    it('refuses invalid input with a 400 that says what is wrong, next to the form, with the input kept', async () => {
      const org = await createOrganization('Validated university');
      await manager.get(`/ui/organizations/${org.id}`);
      const refused = await manager.post(
        `/ui/organizations/${org.id}/details`,
        form(org.version, { country: 'XX', website: 'not a url', 'contact.0.email': 'not-an-email' }),
      );
      expect(refused.status).toBe(400);
      // Every problem at once, each on a line of its own.
      expect(refused.html).toContain('Nothing was saved. Put these right, then send it again:');
      expect(refused.html).toContain('<li>country must be a valid ISO31661 Alpha2 code.</li>');
      expect(refused.html).toContain('<li>website must be a URL address.</li>');
      expect(refused.html).toContain('<li>contacts.0.email: email must be an email.</li>');
      expect(refused.html).toContain('<option value="" selected>Choose a country</option>');
      expect(inputValue(refused.html, 'org-website')).toBe('not a url');
      expect(inputValue(refused.html, 'c-0-email')).toBe('not-an-email');
      expect(await organizations().get(org.id)).toMatchObject({ name: 'Validated university', country: 'PK', version: org.version });
    });

    it('clears a field the person emptied, with the audit row the API writes, and says it was saved', async () => {
      const org = await organizations().create(organizationInput({ name: 'Has a city', website: 'https://example.org' }), managerActor());
      await manager.get(`/ui/organizations/${org.id}`);
      const saved = await manager.post(
        `/ui/organizations/${org.id}/details`,
        form(org.version, { name: 'Has a city', city: '', website: 'https://example.org', 'contact.0.name': 'Dean of Social Sciences' }),
      );
      expect(saved.location).toBe(`/ui/organizations/${org.id}?done=EDITED`);
      expect((await manager.get(saved.location!)).html).toContain('Details saved.');
      expect(await organizations().get(org.id)).toMatchObject({ city: null, website: 'https://example.org', version: org.version + 1 });
      const rows = (await api.get(AuditService).search({ entityId: org.id, action: 'UPDATE' })).items;
      expect(rows.map((r) => JSON.parse(r.payload).changes)).toEqual([{ city: null }]);
      // Empty and already empty is no change.
      const unchanged = await manager.post(
        `/ui/organizations/${org.id}/details`,
        form(org.version + 1, { name: 'Has a city', city: '', website: 'https://example.org', 'contact.0.name': 'Dean of Social Sciences' }),
      );
      expect(unchanged.location).toBe(`/ui/organizations/${org.id}?done=UNCHANGED`);
    });

    it('gives the form one more contact row each time “Add another contact” is pressed, keeping what was typed and saving nothing', async () => {
      const org = await createOrganization('Many contacts');
      const contactRows = (html: string) => html.match(/id="c-\d+-name"/g)?.length ?? 0;
      const typed = form(org.version, { name: 'Many contacts', city: '' });
      const names = ['Prof. Imran Shah', 'Dr. Ayesha Siddiqa', 'Mr. Tariq Khan', 'Ms. Hina Jilani'];
      const read = await manager.get(`/ui/organizations/${org.id}`);
      expect(contactRows(read.html)).toBe(2);
      expect(read.html).not.toContain(' autofocus');
      let rows = 2;
      for (const [i, name] of names.entries()) {
        Object.assign(typed, { [`contact.${i + 1}.name`]: name, [`contact.${i + 1}.title`]: '', [`contact.${i + 1}.email`]: '' });
        const more = await manager.post(`/ui/organizations/${org.id}/details`, { ...typed, addRow: 'contact' });
        expect(more.status).toBe(200);
        expect(contactRows(more.html)).toBe(rows + 1);
        rows += 1;
        // The edit form is open, with everything typed, the version it was read at, and the new row where the person types next.
        expect(more.html).toMatch(/<details class="action" open>\s*<summary>Edit organization<\/summary>/);
        for (const typedName of names.slice(0, i + 1)) expect(more.html).toContain(`value="${typedName}"`);
        expect(more.html).toContain(`name="version" value="${org.version}"`);
        expect(more.html).toMatch(new RegExp(`id="c-${rows - 1}-name" name="contact\\.${rows - 1}\\.name" value=""\\s*autofocus>`));
      }
      expect(await organizations().get(org.id)).toMatchObject({ version: org.version, contacts: [{ name: 'Dr. Sana Iqbal', title: 'Dean' }] });
      expect((await api.get(AuditService).search({ entityId: org.id, action: 'UPDATE' })).items).toHaveLength(0);

      const saved = await manager.post(`/ui/organizations/${org.id}/details`, typed);
      expect(saved.status).toBe(303);
      expect((await organizations().get(org.id)).contacts.map((c) => c.name)).toEqual(['Dr. Sana Iqbal', ...names]);
      const people = (await api.as('auditor').get(`/api/people?organizationId=${org.id}`).expect(200)).body as { items: Array<{ name: string }> };
      expect(people.items.map((p) => p.name).sort()).toEqual(['Dr. Sana Iqbal', ...names].sort());
      // A forged press by someone who may not edit is refused like a save.
      expect((await approver.post(`/ui/organizations/${org.id}/details`, { ...typed, addRow: 'contact' })).status).toBe(403);
    });

    it('lets the new-organization form grow its contact rows too, and creates the organization with all of them', async () => {
      const contactRows = (html: string) => html.match(/id="c-\d+-name"/g)?.length ?? 0;
      expect(contactRows((await manager.get('/ui/organizations')).html)).toBe(1);
      const typed: Record<string, string> = { name: 'Grown contacts', kind: 'university', country: 'PK', city: '', website: '' };
      for (let i = 0; i < 5; i += 1) {
        typed[`contact.${i}.name`] = `Contact person ${i + 1}`;
        const more = await manager.post('/ui/organizations', { ...typed, addRow: 'contact' });
        expect(more.status).toBe(200);
        expect(contactRows(more.html)).toBe(i + 2);
        expect(inputValue(more.html, 'org-name')).toBe('Grown contacts');
      }
      expect((await organizations().list({ q: 'Grown contacts', limit: 10 })).total).toBe(0);
      const created = await manager.post('/ui/organizations', typed);
      expect(created.status).toBe(303);
      const id = /\/ui\/organizations\/([0-9a-f-]{36})$/.exec(created.location!)![1];
      expect((await organizations().get(id)).contacts.map((c) => c.name)).toEqual([1, 2, 3, 4, 5].map((n) => `Contact person ${n}`));
    });

    it('saves nothing and says so when nothing was changed', async () => {
      const org = await createOrganization('Unchanged university');
      await manager.get(`/ui/organizations/${org.id}`);
      const unchanged = await manager.post(`/ui/organizations/${org.id}/details`, form(org.version, { name: 'Unchanged university', city: 'Lahore' }));
      expect(unchanged.location).toBe(`/ui/organizations/${org.id}?done=UNCHANGED`);
      expect((await manager.get(unchanged.location!)).html).toContain('Nothing was changed.');
      expect((await organizations().get(org.id)).version).toBe(org.version);
    });
  });

  describe('adding an activity series to a partnership', () => {
    const seriesOf = async (id: string) => (await api.get(ActivitiesService).forPartnership(id)).map((s) => ({ title: s.title, origin: s.origin }));
    const form = (version: number, overrides: Record<string, string> = {}) => ({
      version: String(version),
      'series.title': 'Joint seminar on illicit economies',
      'series.kind': 'seminar',
      'series.frequency': 'yearly',
      'series.month': '6',
      'series.day': '20',
      'series.startsOn': '',
      ...overrides,
    });

    it('adds a series a manager describes, with the audit row the API writes', async () => {
      const p = await seedProposal('Adds a seminar');
      const page = await manager.get(`/ui/partnerships/${p.id}`);
      expect(page.html).toContain('Add an activity');
      const added = await manager.post(`/ui/partnerships/${p.id}/activities`, form(p.version, { 'series.startsOn': '2027-01-01' }));
      expect(added.status).toBe(303);
      expect(added.location).toMatch(new RegExp(`^/ui/partnerships/${p.id}\\?done=ADD_ACTIVITY#series-[0-9a-f-]{36}$`));
      const series = await api.get(ActivitiesService).forPartnership(p.id);
      expect(series.map((s) => ({ title: s.title, kind: s.kind, recurrence: s.recurrence, startsOn: s.startsOn, origin: s.origin }))).toEqual([
        {
          title: 'Joint seminar on illicit economies',
          kind: 'seminar',
          recurrence: { frequency: 'yearly', month: 6, day: 20 },
          startsOn: '2027-01-01',
          origin: 'added',
        },
      ]);
      expect((await partnerships().get(p.id)).version).toBe(p.version + 1);
      const rows = (await api.get(AuditService).search({ entityId: p.id, action: 'ADD_ACTIVITY' })).items;
      expect(rows.map((r) => [r.actorId, r.outcome])).toEqual([[api.ids.manager, 'ok']]);
      expect((await manager.get(added.location!)).html).toContain('Activity added.');
    });

    it('refuses an approver: no form on the page, and a forged post is refused and recorded', async () => {
      const p = await seedProposal('Approver may not add');
      const page = await approver.get(`/ui/partnerships/${p.id}`);
      expect(page.status).toBe(200);
      expect(page.html).not.toContain('Add an activity');
      const refused = await approver.post(`/ui/partnerships/${p.id}/activities`, form(p.version));
      expect(refused.status).toBe(403);
      expect(refused.html).toContain('Your roles do not allow this.');
      expect(await seriesOf(p.id)).toEqual([]);
      const denied = (await api.get(AuditService).search({ entityId: p.id, outcome: 'denied' })).items;
      expect(denied.map((r) => [r.actorId, r.action])).toEqual([[api.ids.approver, 'POST /ui/partnerships/:id/activities']]);
    });

    it('refuses a form read at an older version with the clear message of a 412, keeps the input, and records the attempt', async () => {
      const p = await seedProposal('Stale activity form');
      await manager.get(`/ui/partnerships/${p.id}`);
      await partnerships().updateDetails(p.id, { notes: 'Changed meanwhile' }, { id: api.ids.manager2, roles: ['manager'] }, p.version);
      const refused = await manager.post(`/ui/partnerships/${p.id}/activities`, form(p.version, { 'series.title': 'What I typed meanwhile' }));
      expect(refused.status).toBe(412);
      expect(refused.html).toContain(`Someone changed this after you opened the page (it is now at version ${p.version + 1})`);
      expect(refused.html).toMatch(/<details class="action" open>\s*<summary>Add an activity<\/summary>/);
      expect(inputValue(refused.html, 'na-title')).toBe('What I typed meanwhile');
      expect(inputValue(refused.html, 'na-month')).toBe('6');
      expect(await seriesOf(p.id)).toEqual([]);
      const denied = (await api.get(AuditService).search({ entityId: p.id, outcome: 'denied' })).items;
      expect(denied.map((r) => [r.action, JSON.parse(r.payload).code])).toEqual([['ADD_ACTIVITY', 'VERSION_MISMATCH']]);
    });

    it('refuses invalid input with a 400 that says what is wrong, next to the form, with the input kept', async () => {
      const p = await seedProposal('Invalid activity');
      await manager.get(`/ui/partnerships/${p.id}`);
      const refused = await manager.post(`/ui/partnerships/${p.id}/activities`, form(p.version, { 'series.month': '13', 'series.startsOn': '2027-02-30' }));
      expect(refused.status).toBe(400);
      // Both problems at once, each on its own line.
      expect(refused.html).toContain('Nothing was saved. Put these right, then send it again:');
      expect(refused.html).toContain('<li>recurrence.month: month must not be greater than 12.</li>');
      expect(refused.html).toContain('startsOn');
      expect(inputValue(refused.html, 'na-title')).toBe('Joint seminar on illicit economies');
      expect(inputValue(refused.html, 'na-month')).toBe('13');
      expect(refused.html).toMatch(/<option value="seminar" selected>/);
      expect(await seriesOf(p.id)).toEqual([]);
    });

    it('offers no form once the partnership is closed, and refuses a post that says it is', async () => {
      const p = await seedProposal('Withdrawn before any activity');
      const withdrawn = await partnerships().send(p.id, { type: 'WITHDRAW', actor: managerActor(), expectedVersion: p.version, comment: 'Paused' });
      const page = await manager.get(`/ui/partnerships/${p.id}`);
      expect(page.html).not.toContain('Add an activity');
      const refused = await manager.post(`/ui/partnerships/${p.id}/activities`, form(withdrawn.row.version));
      expect(refused.status).toBe(409);
      expect(refused.html).toContain('That is not possible while it is “Withdrawn”.');
      expect(await seriesOf(p.id)).toEqual([]);
    });
  });

  describe("editing a partnership's details", () => {
    const details = { focalPoint: 'Dr. Sana Iqbal', notes: 'Met in Islamabad.' };
    /** The edit form as the page renders it from what is stored, with the person's changes. */
    const form = async (id: string, overrides: Record<string, string>) => {
      const p = await partnerships().get(id);
      return { version: String(p.version), ...(partnershipFormValues(p) as Record<string, string>), ...overrides };
    };

    it('clears the optional fields the person emptied, with the audit row the API writes, and says it was saved', async () => {
      const p = await seedProposal('Clears its details', details);
      const page = await manager.get(`/ui/partnerships/${p.id}`);
      expect(page.html).toContain('Edit details');
      const saved = await manager.post(`/ui/partnerships/${p.id}/details`, await form(p.id, { summary: '', programme: ' ', focalPoint: '', notes: '' }));
      expect(saved.status).toBe(303);
      expect(saved.location).toBe(`/ui/partnerships/${p.id}?done=EDITED`);
      expect((await manager.get(saved.location!)).html).toContain('Details saved.');
      expect(await partnerships().get(p.id)).toMatchObject({
        summary: null,
        programme: null,
        focalPoint: null,
        notes: null,
        title: 'Clears its details',
        proposedActivities: p.proposedActivities,
        version: p.version + 1,
      });
      const rows = (await api.get(AuditService).search({ entityId: p.id, action: 'UPDATE' })).items;
      expect(rows.map((r) => [r.actorId, r.outcome, JSON.parse(r.payload).changes])).toEqual([
        [api.ids.manager, 'ok', { summary: null, programme: null, focalPoint: null, notes: null }],
      ]);
      // Empty and already empty is no change.
      const unchanged = await manager.post(`/ui/partnerships/${p.id}/details`, await form(p.id, {}));
      expect(unchanged.location).toBe(`/ui/partnerships/${p.id}?done=UNCHANGED`);
    });

    it('refuses an emptied title with a 400 beside the form, keeping what was typed, instead of dropping it', async () => {
      const p = await seedProposal('Keeps its title', details);
      const refused = await manager.post(`/ui/partnerships/${p.id}/details`, await form(p.id, { title: ' ', focalPoint: 'Typed with the title emptied' }));
      expect(refused.status).toBe(400);
      expect(refused.html).toMatch(/<details class="action" open>\s*<summary>Edit details<\/summary>/);
      expect(refused.html).toMatch(/role="alert"><p>Some of what you entered is not valid: [^<]*title/);
      expect(inputValue(refused.html, 'pf-focal')).toBe('Typed with the title emptied');
      expect(await partnerships().get(p.id)).toMatchObject({ title: 'Keeps its title', focalPoint: 'Dr. Sana Iqbal', version: p.version });
    });

    it('leaves alone the fields the state does not offer, and clears the one it does', async () => {
      const p = await seedProposal('Clears its notes in review', details);
      const submitted = await partnerships().send(p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: managerActor(), expectedVersion: p.version });
      const page = await manager.get(`/ui/partnerships/${p.id}`);
      expect(page.html).not.toContain('id="pf-summary"');
      // The page sends only the fields it renders: programme, focal point and notes here.
      const saved = await manager.post(`/ui/partnerships/${p.id}/details`, {
        version: String(submitted.row.version),
        programme: 'Research',
        focalPoint: 'Dr. Sana Iqbal',
        notes: '',
      });
      expect(saved.location).toBe(`/ui/partnerships/${p.id}?done=EDITED`);
      expect(await partnerships().get(p.id)).toMatchObject({
        summary: p.summary,
        focalPoint: 'Dr. Sana Iqbal',
        notes: null,
        version: submitted.row.version + 1,
      });
      // A forged post that empties what approvers are judging is refused as the API refuses it.
      const forged = await manager.post(`/ui/partnerships/${p.id}/details`, { version: String(submitted.row.version + 1), summary: '' });
      expect(forged.status).toBe(409);
      expect(forged.html).toContain('That is not possible while it is “Senior-management review”.');
      expect((await partnerships().get(p.id)).summary).toBe(p.summary);
    });
  });

  describe('an event form posted from a stale page', () => {
    /** The "What you can do now" section of a page. */
    const actionsOf = (html: string) => /<section aria-labelledby="actions-h"[^]*?<\/section>/.exec(html)?.[0] ?? '';

    it('shows the refusal at the top of the actions when the form it came from is no longer offered', async () => {
      const p = await seedProposal('Withdrawn while the page was open');
      expect((await manager.get(`/ui/partnerships/${p.id}`)).html).toContain('data-event="SUBMIT_FOR_APPROVAL"');
      const withdrawn = await partnerships().send(p.id, { type: 'WITHDRAW', actor: managerActor(), expectedVersion: p.version, comment: 'Paused' });
      // The version is the current one, so the refusal is about the state, not a stale version.
      const refused = await manager.post(`/ui/partnerships/${p.id}/events`, { type: 'SUBMIT_FOR_APPROVAL', version: String(withdrawn.row.version) });
      expect(refused.status).toBe(409);
      expect(refused.html).not.toContain('data-event="SUBMIT_FOR_APPROVAL"');
      expect(actionsOf(refused.html)).toMatch(/<div class="alert alert-error" role="alert"><p>That is not possible while it is “Withdrawn”\.<\/p><\/div>/);
      expect((await partnerships().get(p.id)).state).toBe('withdrawn');
    });

    it('shows the refusal of the details form at the top of the actions when nothing is editable any more', async () => {
      const p = await seedProposal('Edited after it was withdrawn');
      expect((await manager.get(`/ui/partnerships/${p.id}`)).html).toContain('Edit details');
      const withdrawn = await partnerships().send(p.id, { type: 'WITHDRAW', actor: managerActor(), expectedVersion: p.version, comment: 'Paused' });
      const refused = await manager.post(`/ui/partnerships/${p.id}/details`, {
        version: String(withdrawn.row.version),
        title: p.title,
        notes: 'Typed after the withdrawal',
      });
      expect(refused.status).toBe(409);
      expect(refused.html).not.toContain('Edit details');
      expect(actionsOf(refused.html)).toMatch(/<div class="alert alert-error" role="alert"><p>[^<]+<\/p><\/div>/);
      expect((await partnerships().get(p.id)).notes).toBe(p.notes);
    });

    it('shows the refusal of the new activity form at the top of the actions once the partnership is closed', async () => {
      const p = await seedProposal('Activity added after it was withdrawn');
      expect((await manager.get(`/ui/partnerships/${p.id}`)).html).toContain('Add an activity');
      const withdrawn = await partnerships().send(p.id, { type: 'WITHDRAW', actor: managerActor(), expectedVersion: p.version, comment: 'Paused' });
      const refused = await manager.post(`/ui/partnerships/${p.id}/activities`, {
        version: String(withdrawn.row.version),
        'series.title': 'Joint seminar',
        'series.kind': 'seminar',
        'series.frequency': 'once',
        'series.startsOn': '2026-09-01',
      });
      expect(refused.status).toBe(409);
      expect(refused.html).not.toContain('Add an activity');
      expect(actionsOf(refused.html)).toMatch(/<div class="alert alert-error" role="alert"><p>[^<]+<\/p><\/div>/);
      expect(await api.get(ActivitiesService).forPartnership(p.id)).toEqual([]);
    });

    it('keeps the refusal beside the form, once, when the form is still offered', async () => {
      const p = await seedProposal('Request changes without a comment');
      const submitted = await partnerships().send(p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: managerActor(), expectedVersion: p.version });
      await approver.get(`/ui/partnerships/${p.id}`);
      const refused = await approver.post(`/ui/partnerships/${p.id}/events`, { type: 'REQUEST_CHANGES', version: String(submitted.row.version), comment: '' });
      expect(refused.status).toBe(422);
      const actions = actionsOf(refused.html);
      expect(actions.match(/role="alert"/g)).toHaveLength(1);
      expect(actions).toMatch(/<form [^>]*data-event="REQUEST_CHANGES">(?:(?!<\/form>)[^])*role="alert"/);
    });
  });

  describe('the drafts of an MOU', () => {
    const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

    it('shows each uploaded draft against the one before, words added and taken out marked', async () => {
      const p = await seedProposal('Drafts compared on the page');
      const submitted = await partnerships().send(p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: managerActor(), expectedVersion: p.version });
      const approverActor = { id: api.ids.approver, roles: ['approver'] };
      let { row } = await partnerships().send(p.id, { type: 'APPROVE', actor: approverActor, expectedVersion: submitted.row.version });
      for (const [name, filename] of [
        ['mou-draft-1.docx', 'MOU v1.docx'],
        ['mou-draft-2.odt', 'MOU v2.odt'],
      ]) {
        const uploaded = await api
          .as('manager')
          .post('/api/documents')
          .field('kind', 'mou_draft')
          .field('partnershipId', p.id)
          .attach('file', fixture(name), filename);
        expect(uploaded.status).toBe(201);
        const data = { documentId: (uploaded.body as { id: string }).id };
        ({ row } = await partnerships().send(p.id, { type: 'SHARE_DRAFT', actor: managerActor(), expectedVersion: row.version, data }));
      }
      const page = await manager.get(`/ui/partnerships/${p.id}`);
      const diff = /<h4 id="draft-diff-2">Draft 2 against draft 1<\/h4>[^]*?<div class="diff"[^>]*>([^]*?)<\/div>/.exec(page.html)?.[1] ?? '';
      expect(diff).toContain('<del>one</del><ins>two</ins>');
      expect(diff).toContain('<del>lecture</del><ins>lectures</ins>');
      expect(page.html).not.toContain('draft-diff-1"');
      expect(page.html).not.toContain('are not.</p>');
    });

    it('compares only the three newest drafts, each with the one before: a comparison costs up to half a second', async () => {
      const p = await seedProposal('Many drafts compared on the page');
      const submitted = await partnerships().send(p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: managerActor(), expectedVersion: p.version });
      let { row } = await partnerships().send(p.id, {
        type: 'APPROVE',
        actor: { id: api.ids.approver, roles: ['approver'] },
        expectedVersion: submitted.row.version,
      });
      for (let version = 1; version <= 6; version += 1) {
        const uploaded = await api
          .as('manager')
          .post('/api/documents')
          .field('kind', 'mou_draft')
          .field('partnershipId', p.id)
          .attach('file', Buffer.from(`Each party shall host ${version} lectures a year.\n`), `MOU v${version}.txt`);
        expect(uploaded.status).toBe(201);
        const data = { documentId: (uploaded.body as { id: string }).id };
        ({ row } = await partnerships().send(p.id, { type: 'SHARE_DRAFT', actor: managerActor(), expectedVersion: row.version, data }));
      }
      const page = await manager.get(`/ui/partnerships/${p.id}`);
      expect([...page.html.matchAll(/<h4 id="draft-diff-(\d+)">/g)].map((m) => Number(m[1]))).toEqual([4, 5, 6]);
      expect(page.html).toContain('The last 3 drafts are compared with the one before each; the 2 before them are not.');
    });
  });

  describe('forms that upload a document', () => {
    const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const approverActor = () => ({ id: api.ids.approver, roles: ['approver'] });
    /** A proposal of the manager's, approved: its MOU is being drafted. */
    const drafting = async (title: string) => {
      const p = await seedProposal(title);
      const submitted = await partnerships().send(p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: managerActor(), expectedVersion: p.version });
      const { row } = await partnerships().send(p.id, { type: 'APPROVE', actor: approverActor(), expectedVersion: submitted.row.version });
      return row;
    };
    const documentsOf = async (partnershipId: string) => (await api.get(DocumentsService).list({ partnershipId })).items;

    it('asks for the draft itself, uploads it, and shares it; no form asks for a hash', async () => {
      const p = await drafting('Draft uploaded from the page');
      const page = await manager.get(`/ui/partnerships/${p.id}`);
      const form = /<form [^>]*data-event="SHARE_DRAFT"[^>]*>/.exec(page.html)?.[0] ?? '';
      expect(form).toContain('enctype="multipart/form-data"');
      expect(page.html).toMatch(/<input id="ev-SHARE_DRAFT-data-documentId" name="data.documentId" type="file"[^>]* required>/);
      expect(page.html).not.toMatch(/SHA-256 of the document|data\.document\.sha256|pattern="\[0-9a-f\]\{64\}"/);

      const shared = await manager.postFiles(
        `/ui/partnerships/${p.id}/events`,
        { type: 'SHARE_DRAFT', version: String(p.version), comment: 'First draft' },
        { 'data.documentId': { bytes: fixture('mou-draft-1.docx'), name: 'MOU v1.docx' } },
      );
      expect(shared).toMatchObject({ status: 303, location: `/ui/partnerships/${p.id}?done=SHARE_DRAFT` });
      const [document] = await documentsOf(p.id);
      expect(document).toMatchObject({ kind: 'mou_draft', name: 'MOU v1.docx', sha256: sha256(fixture('mou-draft-1.docx')), uploadedBy: api.ids.manager });
      const view = (await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body as { drafts: Array<Record<string, unknown>> };
      expect(view.drafts).toEqual([expect.objectContaining({ version: 1, name: 'MOU v1.docx', documentId: document.id, sha256: document.sha256 })]);
      const after = await manager.get(`/ui/partnerships/${p.id}`);
      expect(after.html).toContain(`<a href="/ui/documents/${document.id}/content" download>MOU v1.docx</a>`);
      const downloaded = await manager.downloadBytes(`/ui/documents/${document.id}/content`);
      expect(downloaded.status).toBe(200);
      expect(sha256(downloaded.bytes)).toBe(document.sha256);
      expect(downloaded.headers).toMatchObject({ etag: `"${document.sha256}"`, 'x-content-type-options': 'nosniff' });
    });

    it('refuses a file of a type not taken with a 415 in plain words beside the form, keeping what was typed and storing nothing', async () => {
      const p = await drafting('Draft that is not a PDF');
      await manager.get(`/ui/partnerships/${p.id}`);
      const refused = await manager.postFiles(
        `/ui/partnerships/${p.id}/events`,
        { type: 'SHARE_DRAFT', version: String(p.version), comment: 'Kept comment' },
        { 'data.documentId': { bytes: Buffer.from('This is not a PDF, whatever its name says.\n'), name: 'MOU.pdf' } },
      );
      expect(refused.status).toBe(415);
      const form = /<form [^>]*data-event="SHARE_DRAFT"[^]*?<\/form>/.exec(refused.html)?.[0] ?? '';
      expect(form).toContain('role="alert"');
      expect(form).toContain('“MOU.pdf” is not a kind of file taken here. Choose a PDF, Word (DOCX), OpenDocument (ODT), text (.txt) or Markdown (.md) file');
      expect(form).toContain('>Kept comment</textarea>');
      expect(await documentsOf(p.id)).toEqual([]);
      expect((await partnerships().get(p.id)).version).toBe(p.version);
    });

    it('keeps an uploaded file when the step is refused, and uses it when the form is sent again without one', async () => {
      const p = await drafting('Agreed text uploaded at agreement');
      await manager.get(`/ui/partnerships/${p.id}`);
      const shared = await manager.postFiles(
        `/ui/partnerships/${p.id}/events`,
        { type: 'SHARE_DRAFT', version: String(p.version) },
        { 'data.documentId': { bytes: fixture('mou-draft-1.docx'), name: 'MOU v1.docx' } },
      );
      expect(shared.status).toBe(303);
      const version = String((await partnerships().get(p.id)).version);
      await manager.get(`/ui/partnerships/${p.id}`);
      // The term ends before it starts: refused, but the text chosen was uploaded, and the form comes back with it kept.
      const agree = { type: 'AGREE_TEXT', version, 'data.effectiveFrom': '2026-04-01', 'data.expiresOn': '2026-03-31' };
      const refused = await manager.postFiles(`/ui/partnerships/${p.id}/events`, agree, {
        'data.documentId': { bytes: fixture('mou-draft-2.odt'), name: 'MOU final.odt' },
      });
      expect(refused.status).toBe(422);
      const kept = (await documentsOf(p.id)).find((d) => d.name === 'MOU final.odt')!;
      expect(refused.html).toContain('Uploaded on your last try and kept: <strong>MOU final.odt</strong>');
      expect(refused.html).toContain(`<input type="hidden" name="data.documentId" value="${kept.id}">`);
      expect(inputValue(refused.html, 'ev-AGREE_TEXT-data-effectiveFrom')).toBe('2026-04-01');

      const agreed = await manager.postFiles(
        `/ui/partnerships/${p.id}/events`,
        { ...agree, 'data.expiresOn': '2029-03-31', 'data.documentId': kept.id, 'kept.data.documentId': kept.name },
        {},
      );
      expect(agreed).toMatchObject({ status: 303, location: `/ui/partnerships/${p.id}?done=AGREE_TEXT` });
      expect((await partnerships().get(p.id)).context.agreedText).toEqual({ documentId: kept.id, sha256: sha256(fixture('mou-draft-2.odt')) });
    });

    it('refuses a document of the wrong kind in plain words', async () => {
      const p = await drafting('Concept note passed off as a draft');
      const note = await api
        .as('manager')
        .post('/api/documents')
        .field('kind', 'concept_note')
        .field('partnershipId', p.id)
        .attach('file', Buffer.from('A concept note.\n'), 'concept.txt')
        .expect(201);
      await manager.get(`/ui/partnerships/${p.id}`);
      const version = String((await partnerships().get(p.id)).version);
      const refused = await manager.postFiles(
        `/ui/partnerships/${p.id}/events`,
        { type: 'SHARE_DRAFT', version, 'data.documentId': (note.body as { id: string }).id },
        {},
      );
      expect(refused.status).toBe(422);
      expect(refused.html).toContain('That document cannot be used here: this step takes a draft of the MOU uploaded for this partnership.');
    });

    it('refuses a form that uploads without the CSRF token of this session, keeping no file', async () => {
      const p = await drafting('Forged upload');
      await manager.get(`/ui/partnerships/${p.id}`);
      const forged = await manager.postFiles(
        `/ui/partnerships/${p.id}/events`,
        { type: 'SHARE_DRAFT', version: String(p.version) },
        { 'data.documentId': { bytes: fixture('mou-draft-1.docx'), name: 'MOU v1.docx' } },
        { csrf: 'not-the-token' },
      );
      expect(forged.status).toBe(403);
      expect(forged.html).toContain('This form was not accepted: it expired or did not come from this site.');
      expect(await documentsOf(p.id)).toEqual([]);
    });

    it('creates a proposal with its concept note and workplan uploaded, shown with the proposal and judged with it', async () => {
      const organization = await api.get(OrganizationsService).create(organizationInput({ name: 'Org of a proposal with documents' }), managerActor());
      await manager.get('/ui/partnerships/new');
      const note = Buffer.from('Concept note: a named lecture each October.\n');
      const created = await manager.postFiles(
        '/ui/partnerships',
        { title: 'Proposal with documents', organizationId: organization.id, summary: 'A lecture.', requiredApprovals: '1', approvalSlaDays: '14' },
        {
          'attachment.concept_note': { bytes: note, name: 'concept.txt' },
          'attachment.workplan': { bytes: fixture('mou-draft-1.docx'), name: 'workplan.docx' },
        },
      );
      expect(created.status).toBe(303);
      const id = /\/ui\/partnerships\/([0-9a-f-]{36})\?done=CREATED/.exec(created.location ?? '')?.[1] as string;
      const documents = await documentsOf(id);
      expect(documents.map((d) => [d.kind, d.name, d.sha256]).sort()).toEqual([
        ['concept_note', 'concept.txt', sha256(note)],
        ['workplan', 'workplan.docx', sha256(fixture('mou-draft-1.docx'))],
      ]);
      const page = await manager.get(`/ui/partnerships/${id}`);
      const concept = documents.find((d) => d.kind === 'concept_note')!;
      expect(page.html).toContain(`Concept note: <a href="/ui/documents/${concept.id}/content" download>concept.txt</a>`);
      // The uploads count as the manager's edits of what approvers judge, as the API's do.
      expect((await partnerships().get(id)).judgedEdits).toEqual([expect.objectContaining({ by: api.ids.manager })]);
    });

    it('creates no proposal when an attachment is of a type not taken, and says so keeping what was typed', async () => {
      const organization = await api.get(OrganizationsService).create(organizationInput({ name: 'Org of a refused attachment' }), managerActor());
      await manager.get('/ui/partnerships/new');
      const before = (await partnerships().list({ q: 'Refused attachment' })).total;
      const refused = await manager.postFiles(
        '/ui/partnerships',
        { title: 'Refused attachment', organizationId: organization.id, summary: 'Kept summary', requiredApprovals: '1', approvalSlaDays: '14' },
        { 'attachment.concept_note': { bytes: Buffer.from([0x00, 0x01, 0x02, 0x03]), name: 'note.exe' } },
      );
      expect(refused.status).toBe(415);
      expect(refused.html).toContain('“note.exe” is not a kind of file taken here.');
      expect(refused.html).toContain('>Kept summary</textarea>');
      expect(refused.html).toContain('choose them again');
      expect((await partnerships().list({ q: 'Refused attachment' })).total).toBe(before);
    });

    describe('past MAX_UPLOAD_MB', () => {
      let small: ApiApp;
      let smallManager: WebAgent;

      beforeAll(async () => {
        small = await createApiApp({ MAX_UPLOAD_MB: '1' });
        smallManager = await signInToPages(small.http, 'manager');
      });

      afterAll(() => small.close());

      it('refuses a file larger than MAX_UPLOAD_MB with a 413 in plain words beside the form, keeping what was typed', async () => {
        const p = await createProposal(small, { title: 'Too large a draft' }, { by: { id: small.ids.manager, roles: ['manager'] } });
        const service = small.get(PartnershipsService);
        const submitted = await service.send(p.id, {
          type: 'SUBMIT_FOR_APPROVAL',
          actor: { id: small.ids.manager, roles: ['manager'] },
          expectedVersion: p.version,
        });
        const { row } = await service.send(p.id, {
          type: 'APPROVE',
          actor: { id: small.ids.approver, roles: ['approver'] },
          expectedVersion: submitted.row.version,
        });
        await smallManager.get(`/ui/partnerships/${p.id}`);
        const refused = await smallManager.postFiles(
          `/ui/partnerships/${p.id}/events`,
          { type: 'SHARE_DRAFT', version: String(row.version), comment: 'Scanned at 600 dpi' },
          { 'data.documentId': { bytes: Buffer.alloc(1024 * 1024 + 1, 'a'), name: 'MOU scan.txt' } },
        );
        expect(refused.status).toBe(413);
        expect(refused.html).toContain('“MOU scan.txt” is too large: a document may be at most 1 MB. Nothing was saved.');
        expect(refused.html).toContain('>Scanned at 600 dpi</textarea>');
        expect((await small.get(DocumentsService).list({ partnershipId: p.id })).total).toBe(0);
      });
    });
  });

  describe('an address under /ui that is no page', () => {
    const NO_SUCH_PAGE = 'There is no such page. It may have been a mistyped or outdated link.';

    it("answers 404 with the web interface's page, with the navigation of whoever is signed in, for any method", async () => {
      for (const path of ['/ui/no-such-page', '/ui', '/ui/', '/ui/partnerships/new/extra']) {
        const page = await manager.get(path);
        expect({ path, status: page.status }).toEqual({ path, status: 404 });
        expect(page.html).toContain('<title>Not found');
        expect(page.html).toContain(NO_SUCH_PAGE);
        expect(page.html).toContain('Sign out');
      }
      const posted = await manager.post('/ui/no-such-form', { anything: 'x' });
      expect(posted.status).toBe(404);
      expect(posted.html).toContain(NO_SUCH_PAGE);
    });

    it('answers a visitor who is not signed in with the same page, and leaves the API its JSON 404', async () => {
      const visitor = await request(api.http).get('/ui/no-such-page');
      expect(visitor.status).toBe(404);
      expect(visitor.type).toBe('text/html');
      expect(visitor.text).toContain(NO_SUCH_PAGE);
      expect(visitor.text).not.toContain('Sign out');
      const apiAnswer = await request(api.http).get('/api/no-such-resource');
      expect(apiAnswer.status).toBe(404);
      expect(apiAnswer.body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'Cannot GET /api/no-such-resource' });
    });
  });
});
