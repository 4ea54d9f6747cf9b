import { Clock } from '../../src/common/clock.js';
import { addDaysToDate, dateOf } from '../../src/common/dates.js';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { organizationInput } from '../support/factories.js';
import { startWebApp, type WebApp } from './browser.js';

/** SPEC, "Engagements, people and follow-ups", in the browser: a meeting, its people and promises, who keeps them, and importing a register. */
describe('a field visit in the browser', () => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
  });

  afterAll(async () => {
    await web.closeAll();
  });

  it('records a meeting with two people met and a follow-up a colleague completes from My work; the timeline shows both', async () => {
    const academy = await web.get(OrganizationsService).create(
      organizationInput({
        name: 'National Police Academy',
        kind: 'law_enforcement',
        contacts: [
          { name: 'Dr Kaleem', title: 'Professor' },
          { name: 'Muhammad Idrees Ahmed', title: 'Commandant' },
        ],
      }),
      web.actors.manager,
    );
    const today = dateOf(web.get(Clock).now());
    const manager = await web.signIn('manager');
    await manager.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Engagements' }).click();
    const form = manager.locator('form', { has: manager.getByRole('button', { name: 'Record engagement' }) });
    await form.getByLabel('Title').fill('Meeting at the National Police Academy');
    await form.getByLabel('Date', { exact: true }).fill(addDaysToDate(today, -1));
    await form.getByLabel('Place (optional)').fill('Islamabad');
    await form.getByLabel('Organizations met').selectOption({ label: 'National Police Academy' });
    await form
      .getByLabel('People met (optional)')
      .selectOption([{ label: 'Dr Kaleem (National Police Academy)' }, { label: 'Muhammad Idrees Ahmed (National Police Academy)' }]);
    await form.getByLabel('What was said and agreed (optional)').fill('Dr Kaleem will propose topics for the NPA.');
    await form.getByRole('button', { name: 'Record engagement' }).click();

    expect(await manager.getByRole('status').textContent()).toContain('Recorded.');
    expect(await manager.getByRole('heading', { level: 1 }).textContent()).toBe('Meeting at the National Police Academy');
    const who = manager.locator('section', { has: manager.getByRole('heading', { name: 'Who was there' }) });
    expect(await who.getByRole('link', { name: 'Dr Kaleem' }).count()).toBe(1);
    expect(await who.getByRole('link', { name: 'Muhammad Idrees Ahmed' }).count()).toBe(1);

    await manager.locator('summary', { hasText: 'Add a follow-up' }).click();
    const add = manager.locator('form', { has: manager.getByRole('button', { name: 'Add follow-up' }) });
    await add.getByLabel('What was promised').fill('Send the NPA a list of topics');
    await add.getByLabel('Who does it').selectOption({ label: 'Amir Approver' });
    await add.getByLabel('Due by').fill(addDaysToDate(today, 7));
    await add.getByRole('button', { name: 'Add follow-up' }).click();
    expect(await manager.getByRole('status').textContent()).toContain('Follow-up added.');
    const followUps = manager.locator('section', { has: manager.getByRole('heading', { name: /^Follow-ups/ }) });
    expect(await followUps.textContent()).toContain('Send the NPA a list of topics');
    expect(await followUps.textContent()).toContain('Amir Approver');

    // The colleague finds it in My work, and marks it done there.
    const colleague = await web.signIn('approver');
    const due = colleague.locator('section', { has: colleague.getByRole('heading', { name: /^Follow-ups due/ }) });
    expect(await due.getByRole('link', { name: 'Send the NPA a list of topics' }).count()).toBe(1);
    await due.getByRole('button', { name: 'Mark done' }).click();
    await colleague.waitForURL(`${web.baseUrl}/`);
    expect(await colleague.locator('section', { has: colleague.getByRole('heading', { name: /^Follow-ups due/ }) }).count()).toBe(0);

    // The organization's page tells what happened with it: the meeting, and the promise, now done.
    await manager.goto(`/ui/organizations/${academy.id}`);
    const timeline = manager.locator('section', { has: manager.getByRole('heading', { name: /^Timeline/ }) });
    const entries = await timeline.locator('li').allTextContents();
    expect(entries.some((e) => e.includes('Meeting at the National Police Academy') && e.includes('meeting'))).toBe(true);
    expect(entries.some((e) => e.includes('Send the NPA a list of topics') && e.includes('done'))).toBe(true);
    const people = manager.locator('section', { has: manager.getByRole('heading', { name: /^People/ }) });
    expect(await people.getByRole('link').allTextContents()).toEqual(['Dr Kaleem', 'Muhammad Idrees Ahmed']);
  });

  it('imports a register: the check lists the invalid rows, the corrected file is imported', async () => {
    const page = await web.signIn('manager');
    await page.goto('/ui/import');
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Import organizations' }) });
    const file = (text: string) => ({ name: 'register.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
    await section
      .getByLabel('Spreadsheet of organizations')
      .setInputFiles(file('name,kind,country\nCentre for Human Rights,civil society,Pakistan\nSindh Police,police,Pakistn\n'));
    await section.getByRole('button', { name: 'Check the file' }).click();

    const invalid = page.getByRole('table', { name: /Rows that cannot be imported/ });
    const rows = await invalid.locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^3/);
    expect(rows[0]).toContain('country "Pakistn" is neither a country\'s name nor its two-letter code');
    expect(await page.textContent('main')).toContain('2 rows checked: 1 can be imported, 1 cannot.');

    const again = page.locator('section', { has: page.getByRole('heading', { name: 'Import organizations' }) });
    await again
      .getByLabel('Spreadsheet of organizations')
      .setInputFiles(file('name,kind,country\nCentre for Human Rights,civil society,Pakistan\nSindh Police,law enforcement,PK\n'));
    await again.getByRole('button', { name: 'Import organizations' }).click();
    expect(await page.getByRole('status').textContent()).toContain('All 2 rows were imported as organizations.');
    // A form this site did not issue (no CSRF token) imports nothing.
    const forged = await page.request.post('/ui/import/organizations', {
      multipart: { step: 'import', file: file('name,kind,country\nForged Centre,other,PK\n') },
    });
    expect(forged.status()).toBe(403);
    await page.goto('/ui/organizations?q=forged');
    expect(await page.textContent('main')).toContain('No organizations match');
    await page.goto('/ui/organizations?q=sindh');
    await page.getByRole('link', { name: 'Sindh Police' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sindh Police');
  });
});
