import { AuditService } from '../../src/audit/audit.service.js';
import { EngagementsService } from '../../src/engagements/engagements.service.js';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { PeopleService } from '../../src/people/people.service.js';
import { organizationInput } from '../support/factories.js';
import { axeViolations } from './axe.js';
import { startWebApp, type WebApp } from './browser.js';

/**
 * People and engagements are corrected where they are read: each page's edit form takes what the
 * API's PATCH takes, from the version the page was read at, lists every problem at once, and leaves
 * an audit row; an engagement's page adds the documents brought back, streamed as the API takes them.
 */
describe.each([390, 1280])('editing people and engagements in the browser at %i px', (width) => {
  let web: WebApp;
  let university: string;
  let academy: string;

  beforeAll(async () => {
    web = await startWebApp();
    const organizations = web.get(OrganizationsService);
    university = (await organizations.create(organizationInput({ name: 'Beaconhouse National University' }), web.actors.manager)).id;
    academy = (await organizations.create(organizationInput({ name: 'National Police Academy', kind: 'law_enforcement' }), web.actors.manager)).id;
  });

  afterAll(async () => {
    await web.closeAll();
  });

  const signIn = async (person: 'manager' | 'auditor') => {
    // axe is injected as a script, which the pages' own policy (script-src 'self') would block.
    const page = await web.signIn(person, { bypassCSP: true });
    await page.setViewportSize({ width, height: 900 });
    return page;
  };

  it('corrects a person, a second workplace added; what was wrong is listed all at once, and a stale form saves nothing', async () => {
    const people = web.get(PeopleService);
    const person = await people.create({ name: 'Dr Kaleam', affiliations: [{ organizationId: university, title: 'Lecturer' }] }, web.actors.manager);
    const page = await signIn('manager');
    await page.goto(`/ui/people/${person.id}`);
    await page.locator('summary', { hasText: 'Edit person' }).click();
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Save person' }) });
    expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe('Dr Kaleam');
    await form.getByLabel('Name', { exact: true }).fill('Dr Kaleem');
    await form.getByLabel('Email (optional)').fill('kaleem@example.org');
    await form.getByLabel('Title there 1').fill('Professor');
    await form.getByLabel('Organization 2').selectOption({ label: 'National Police Academy' });
    await form.getByLabel('Title there 2').fill('Visiting faculty');
    await form.getByLabel('Notes (optional)').fill('Will propose topics for the NPA.');
    await form.getByRole('button', { name: 'Save person' }).click();

    expect(await page.getByRole('status').textContent()).toContain('Details saved.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Dr Kaleem');
    const works = page.locator('section', { has: page.getByRole('heading', { name: 'Where they work' }) }).locator('ul.plain li');
    expect(await works.allTextContents()).toEqual(['Professor, Beaconhouse National University', 'Visiting faculty, National Police Academy']);
    expect(await page.getByRole('link', { name: 'kaleem@example.org' }).count()).toBe(1);
    const edits = (await web.get(AuditService).search({ entityId: person.id, action: 'UPDATE' })).items;
    expect(edits.map((r) => r.actorId)).toEqual([web.actors.manager.id]);

    // Saving the form unchanged changes nothing.
    await page.locator('summary', { hasText: 'Edit person' }).click();
    await form.getByRole('button', { name: 'Save person' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Nothing was changed.');
    expect((await people.get(person.id)).version).toBe(2);

    // Everything wrong at once, beside the form, with what was typed; the browser's own checks are off so the server's are seen.
    await page.locator('summary', { hasText: 'Edit person' }).click();
    await page.evaluate("document.querySelectorAll('form').forEach((f) => { f.noValidate = true; })");
    await form.getByLabel('Name', { exact: true }).fill('');
    await form.getByLabel('Email (optional)').fill('kaleem at example');
    await form.getByLabel('Phone (optional)').fill('call the office');
    await form.getByRole('button', { name: 'Save person' }).click();
    const alert = page.locator('details.action[open]').getByRole('alert');
    expect(await alert.locator('li').allTextContents()).toEqual([
      'name must be longer than or equal to 1 characters.',
      'email must be an email.',
      'phone may hold digits, spaces, +, -, ., / and brackets.',
    ]);
    expect(await page.getByLabel('Email (optional)').inputValue()).toBe('kaleem at example');
    expect(await page.getByLabel('Title there 2').inputValue()).toBe('Visiting faculty');
    expect(await axeViolations(page)).toEqual([]);

    // Changed by someone else after the page was read: refused, not merged.
    await page.goto(`/ui/people/${person.id}`);
    await people.update(person.id, { phone: '+92 42 111 000 000' }, web.actors.manager, 2);
    await page.locator('summary', { hasText: 'Edit person' }).click();
    await form.getByLabel('Name', { exact: true }).fill('Dr M. Kaleem');
    await form.getByRole('button', { name: 'Save person' }).click();
    expect(await page.locator('details.action[open]').getByRole('alert').textContent()).toContain('Someone changed this after you opened the page');
    expect((await people.get(person.id)).name).toBe('Dr Kaleem');
    // The attempt is recorded, as the API records a 412.
    const denied = (await web.get(AuditService).search({ entityId: person.id, outcome: 'denied' })).items;
    expect(denied.map((r) => [r.action, (JSON.parse(r.payload) as { code: string }).code])).toEqual([['POST /ui/people/:id/details', 'VERSION_MISMATCH']]);
  });

  it('corrects an engagement: dates, place, who was there; a refused edit lists every problem and keeps what was typed', async () => {
    const people = web.get(PeopleService);
    await people.create({ name: 'Mr Khosa', affiliations: [{ organizationId: academy }] }, web.actors.manager);
    const engagements = web.get(EngagementsService);
    const meeting = await engagements.create(
      {
        kind: 'meeting',
        title: 'Meeting at the academy',
        startsOn: '2024-11-12',
        notes: 'Draft notes',
        organizationIds: [university],
        staffIds: [web.actors.manager.id],
      },
      web.actors.manager,
    );
    const discussed = await web.seedProposal({ title: 'Training of police investigators' });
    const page = await signIn('manager');
    await page.goto(`/ui/engagements/${meeting.id}`);
    await page.locator('summary', { hasText: 'Edit engagement' }).click();
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Save engagement' }) });
    expect(await form.getByLabel('Title').inputValue()).toBe('Meeting at the academy');
    await form.getByLabel('Title').fill('Meeting at the National Police Academy');
    await form.getByLabel('Until (optional)').fill('2024-11-13');
    await form.getByLabel('Place (optional)').fill('Islamabad');
    await form.getByLabel('Organizations met').selectOption({ label: 'National Police Academy' });
    await form.getByLabel('People met (optional)').selectOption({ label: 'Mr Khosa (National Police Academy)' });
    await form.getByLabel('Partnerships discussed (optional)').selectOption({ label: 'Training of police investigators' });
    await form.getByLabel('What was said and agreed (optional)').fill('');
    await form.getByRole('button', { name: 'Save engagement' }).click();

    expect(await page.getByRole('status').textContent()).toContain('Details saved.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Meeting at the National Police Academy');
    expect(await page.locator('.subtitle').textContent()).toContain('2024-11-12 to 2024-11-13 · Islamabad');
    const who = page.locator('section', { has: page.getByRole('heading', { name: 'Who was there' }) });
    expect(await who.getByRole('link', { name: 'National Police Academy' }).count()).toBe(1);
    expect(await who.getByRole('link', { name: 'Beaconhouse National University' }).count()).toBe(0);
    expect(await who.getByRole('link', { name: 'Mr Khosa' }).count()).toBe(1);
    const ledTo = page.locator('section', { has: page.getByRole('heading', { name: 'What it led to' }) });
    expect(await ledTo.getByRole('link', { name: 'Training of police investigators' }).getAttribute('href')).toBe(`/ui/partnerships/${discussed}`);
    const saved = await engagements.get(meeting.id);
    expect(saved).toMatchObject({ notes: null, endsOn: '2024-11-13', staff: [{ id: web.actors.manager.id }], version: 2 });
    const edits = (await web.get(AuditService).search({ entityId: meeting.id, action: 'UPDATE' })).items;
    expect(edits.map((r) => r.actorId)).toEqual([web.actors.manager.id]);

    // The same people chosen again, in the page's order, are no change.
    await page.locator('summary', { hasText: 'Edit engagement' }).click();
    await form.getByRole('button', { name: 'Save engagement' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Nothing was changed.');

    await page.locator('summary', { hasText: 'Edit engagement' }).click();
    await page.evaluate("document.querySelectorAll('form').forEach((f) => { f.noValidate = true; })");
    await form.getByLabel('Title').fill('');
    await form.getByLabel('Organizations met').selectOption([]);
    await form.getByLabel('Place (optional)').fill('Islamabad, E-8');
    await form.getByRole('button', { name: 'Save engagement' }).click();
    const alert = page.locator('details.action[open]').getByRole('alert');
    expect(await alert.locator('li').allTextContents()).toEqual([
      'title must be longer than or equal to 1 characters.',
      'organizationIds must contain at least 1 elements.',
    ]);
    expect(await page.getByLabel('Place (optional)').inputValue()).toBe('Islamabad, E-8');
    expect(await axeViolations(page)).toEqual([]);

    // A rule of the service, refused beside the form too.
    await page.goto(`/ui/engagements/${meeting.id}`);
    await page.locator('summary', { hasText: 'Edit engagement' }).click();
    await form.getByLabel('Until (optional)').fill('2024-11-01');
    await form.getByRole('button', { name: 'Save engagement' }).click();
    expect(await page.locator('details.action[open]').getByRole('alert').textContent()).toContain('endsOn (2024-11-01) must not come before startsOn');
    expect((await engagements.get(meeting.id)).version).toBe(2);
  });

  it('adds minutes to an engagement from its page; they are listed there and open; a form without a file saves nothing', async () => {
    const engagements = web.get(EngagementsService);
    const meeting = await engagements.create(
      { kind: 'meeting', title: 'Round table on migrant smuggling', startsOn: '2024-11-14', organizationIds: [university] },
      web.actors.manager,
    );
    const page = await signIn('manager');
    await page.goto(`/ui/engagements/${meeting.id}`);
    await page.locator('summary', { hasText: 'Add a document' }).click();
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Add document' }) });
    await page.evaluate("document.querySelectorAll('form').forEach((f) => { f.noValidate = true; })");
    await form.getByRole('button', { name: 'Add document' }).click();
    expect(await page.locator('details.action[open]').getByRole('alert').textContent()).toContain('choose the file to add');
    expect(await axeViolations(page)).toEqual([]);

    // Still open, as the refusal left it.
    await form.getByLabel('It is').selectOption({ label: 'Minutes or a report' });
    await form.getByLabel('Title (optional)').fill('Minutes of the round table');
    const minutes = 'Minutes. CFHR will draft the workplan on migrant smuggling.\n';
    await form.getByLabel('The file').setInputFiles({ name: 'minutes.txt', mimeType: 'text/plain', buffer: Buffer.from(minutes) });
    await form.getByRole('button', { name: 'Add document' }).click();

    expect(await page.getByRole('status').textContent()).toContain('Document added.');
    const documents = page.locator('section', { has: page.getByRole('heading', { name: 'Documents' }) });
    const link = documents.getByRole('link', { name: 'Minutes of the round table' });
    expect(await documents.locator('li').allTextContents()).toEqual([expect.stringContaining('Minutes or a report')]);
    const download = await page.request.get((await link.getAttribute('href'))!);
    expect(await download.text()).toBe(minutes);
    const [document] = (await engagements.get(meeting.id)).documents;
    expect(document).toMatchObject({ name: 'minutes.txt', kind: 'report', title: 'Minutes of the round table' });
    const uploads = (await web.get(AuditService).search({ entityId: document.id, action: 'DOCUMENT_UPLOADED' })).items;
    expect(uploads.map((r) => r.actorId)).toEqual([web.actors.manager.id]);

    // A form this site did not issue (no CSRF token) adds nothing.
    const forged = await page.request.post(`/ui/engagements/${meeting.id}/documents`, {
      multipart: { kind: 'other', file: { name: 'forged.txt', mimeType: 'text/plain', buffer: Buffer.from('forged') } },
    });
    expect(forged.status()).toBe(403);
    expect((await engagements.get(meeting.id)).documents).toHaveLength(1);
  });

  it('offers neither edit forms nor an upload to someone who may not change them', async () => {
    const person = await web.get(PeopleService).create({ name: 'Read-only person', affiliations: [] }, web.actors.manager);
    const meeting = await web
      .get(EngagementsService)
      .create({ kind: 'call', title: 'Read-only call', startsOn: '2024-11-20', organizationIds: [university] }, web.actors.manager);
    const page = await signIn('auditor');
    await page.goto(`/ui/people/${person.id}`);
    expect(await page.locator('summary', { hasText: 'Edit person' }).count()).toBe(0);
    await page.goto(`/ui/engagements/${meeting.id}`);
    expect(await page.locator('summary').allTextContents()).toEqual([]);
    // With the page's own token, so that it is the role that refuses it.
    const token = (await page.locator('input[name="_csrf"]').first().getAttribute('value'))!;
    const refused = await page.request.post(`/ui/people/${person.id}/details`, { form: { _csrf: token, name: 'Changed by an auditor', version: '1' } });
    expect(refused.status()).toBe(403);
    expect((await web.get(PeopleService).get(person.id)).name).toBe('Read-only person');
    const denied = (await web.get(AuditService).search({ entityId: person.id, outcome: 'denied' })).items;
    expect(denied.map((r) => [r.actorId, r.action])).toEqual([[web.actors.auditor.id, 'POST /ui/people/:id/details']]);
  });
});
