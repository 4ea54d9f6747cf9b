import { AuditService } from '../../src/audit/audit.service.js';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { organizationInput } from '../support/factories.js';
import { startWebApp, type WebApp } from './browser.js';

describe('editing an organization in the browser', () => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
  });

  afterAll(async () => {
    await web.closeAll();
  });

  it('lets a manager correct an organization and its contacts, and see the result on its page', async () => {
    const org = await web
      .get(OrganizationsService)
      .create(
        organizationInput({ name: 'Beaconhouse Natonal University', city: 'Lahore', contacts: [{ name: 'Dean of Social Sciences', title: 'Dean' }] }),
        web.actors.manager,
      );
    const page = await web.signIn('manager');
    await page.goto(`/ui/organizations/${org.id}`);
    await page.locator('summary', { hasText: 'Edit organization' }).click();
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Save organization' }) });
    expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe('Beaconhouse Natonal University');
    await form.getByLabel('Name', { exact: true }).fill('Beaconhouse National University');
    await form.getByLabel('Website (optional)').fill('https://www.bnu.edu.pk');
    await form.getByLabel('Contact 1 name').fill('');
    await form.getByLabel('Contact 2 name').fill('Ambassador Mansoor Ahmad Khan');
    await form.locator('#c-1-title').fill('Director, BCPR');
    await form.locator('#c-1-email').fill('bcpr@example.org');
    await form.getByRole('button', { name: 'Save organization' }).click();

    expect(await page.getByRole('status').textContent()).toContain('Details saved.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Beaconhouse National University');
    expect(await page.getByRole('link', { name: 'https://www.bnu.edu.pk' }).count()).toBe(1);
    const contacts = page.locator('section', { has: page.getByRole('heading', { name: 'Contacts' }) }).locator('ul.plain li');
    expect(await contacts.allTextContents()).toEqual(['Ambassador Mansoor Ahmad Khan, Director, BCPR · bcpr@example.org']);
    const rows = (await web.get(AuditService).search({ entityId: org.id, action: 'UPDATE' })).items;
    expect(rows.map((r) => r.actorId)).toEqual([web.actors.manager.id]);
  });

  it('shows what was wrong next to the form, keeping what was typed', async () => {
    const org = await web.get(OrganizationsService).create(organizationInput({ name: 'Typo Centre' }), web.actors.manager);
    const page = await web.signIn('manager');
    await page.goto(`/ui/organizations/${org.id}`);
    await page.locator('summary', { hasText: 'Edit organization' }).click();
    const form = page.locator('form', { has: page.getByRole('button', { name: 'Save organization' }) });
    await form.getByLabel('Name', { exact: true }).fill('Typo Centre for Policy Research');
    await form.getByLabel('Country').selectOption({ label: 'Pakistan' });
    await form.getByLabel('Website').fill('typo-centre');
    // The browser's own checks would stop the form; the server's must say the same beside it.
    await page.evaluate("document.querySelectorAll('form').forEach((f) => { f.noValidate = true; })");
    await form.getByRole('button', { name: 'Save organization' }).click();

    const alert = page.locator('details.action[open]').getByRole('alert');
    expect(await alert.textContent()).toContain('website must be a URL address');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Typo Centre for Policy Research');
    expect(await page.getByLabel('Country').inputValue()).toBe('PK');
    expect(await page.getByLabel('Website').inputValue()).toBe('typo-centre');
    expect((await web.get(OrganizationsService).get(org.id)).name).toBe('Typo Centre');
  });

  it('offers no edit form to someone who may not edit', async () => {
    const org = await web.get(OrganizationsService).create(organizationInput({ name: 'Read-only for auditors' }), web.actors.manager);
    const page = await web.signIn('auditor');
    await page.goto(`/ui/organizations/${org.id}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Read-only for auditors');
    expect(await page.locator('summary', { hasText: 'Edit organization' }).count()).toBe(0);
  });
});
