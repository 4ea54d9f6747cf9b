import type { Page } from 'playwright-core';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { PeopleService } from '../../src/people/people.service.js';
import { organizationInput } from '../support/factories.js';
import { axeViolations } from './axe.js';
import { PASSWORD, startWebApp, type WebApp } from './browser.js';

/**
 * SPEC, "Plain language": contacts can be added one after another. On a phone (390 px) and a laptop
 * (1280 px), with a script (htmx swaps the form) and without one (the server sends it back), each
 * press of "Add another contact" gives one more row, keeps what was typed and saves nothing.
 */
describe.each([390, 1280])('adding contacts one after another at %i px', (width) => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
  });

  afterAll(async () => {
    await web.closeAll();
  });

  async function signIn(options: { javaScriptEnabled: boolean; bypassCSP?: boolean }): Promise<Page> {
    const context = await web.browser.newContext({ baseURL: web.baseUrl, viewport: { width, height: 800 }, ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto('/ui/sign-in');
    await page.getByLabel('Username').fill('manager');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${web.baseUrl}/`);
    return page;
  }

  const fitsWidth = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
  const names = ['Dr. Sana Iqbal', 'Prof. Imran Shah', 'Dr. Ayesha Siddiqa', 'Mr. Tariq Khan', 'Ms. Hina Jilani'];

  it('with a script: a new organization with five contacts, the form swapped in place and the new row focused', async () => {
    const page = await signIn({ javaScriptEnabled: true, bypassCSP: true });
    await page.goto('/ui/organizations');
    const form = page.locator('#new-organization-form');
    await form.getByLabel('Name', { exact: true }).fill(`Quaid-i-Azam University ${width}`);
    await form.getByLabel('Kind').selectOption('university');
    await form.getByLabel('Country').selectOption({ label: 'Pakistan' });
    await form.getByLabel('Contact 1 name').fill(names[0]);
    // A mark on the window: it survives only if the page was not loaded again.
    await page.evaluate('window.notReloaded = true');
    for (let i = 1; i < names.length; i += 1) {
      await form.getByRole('button', { name: 'Add another contact' }).click();
      const added = form.getByLabel(`Contact ${i + 1} name`);
      await added.waitFor();
      await expect(page.locator(':focus').getAttribute('id')).resolves.toBe(`c-${i}-name`);
      await page.keyboard.type(names[i]);
      if (i === 2) await form.locator(`#c-${i}-title`).fill('Head of Research');
    }
    expect(await page.evaluate<boolean>('window.notReloaded === true')).toBe(true);
    expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe(`Quaid-i-Azam University ${width}`);
    expect(await form.getByLabel('Country').inputValue()).toBe('PK');
    expect(await fitsWidth(page)).toBe(true);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/ui\/organizations\/[0-9a-f-]{36}$/);
    const contacts = page.locator('section', { has: page.getByRole('heading', { name: 'Contacts' }) }).locator('ul.plain li');
    expect(await contacts.allTextContents()).toEqual([names[0], names[1], `${names[2]}, Head of Research`, names[3], names[4]]);
    // Each contact is one of its people (#20): the organization form writes contacts, the service adopts them.
    const people = page.locator('section', { has: page.getByRole('heading', { name: /^People/ }) }).locator('ul.plain li');
    expect((await people.allTextContents()).map((p) => p.split(',')[0]).sort()).toEqual([...names].sort());
  });

  it('without a script: the edit form comes back open with one more row each time, then saves them all', async () => {
    const org = await web
      .get(OrganizationsService)
      .create(organizationInput({ name: `National Police Academy ${width}`, contacts: [{ name: names[0], title: 'Commandant' }] }), web.actors.manager);
    const page = await signIn({ javaScriptEnabled: false });
    await page.goto(`/ui/organizations/${org.id}`);
    await page.locator('summary', { hasText: 'Edit organization' }).click();
    let form = page.locator('#organization-form');
    expect(await form.getByLabel('Contact 1 name').inputValue()).toBe(names[0]);
    await form.getByLabel('Contact 2 name').fill(names[1]);
    for (let i = 2; i < names.length; i += 1) {
      await form.getByRole('button', { name: 'Add another contact' }).click();
      await page.waitForLoadState();
      form = page.locator('details.action[open] #organization-form');
      // The browser's own autofocus puts the person in the new row; what was typed is all there.
      await expect(page.locator(':focus').getAttribute('id')).resolves.toBe(`c-${i}-name`);
      for (let j = 0; j < i; j += 1) expect(await form.getByLabel(`Contact ${j + 1} name`).inputValue()).toBe(names[j]);
      await page.keyboard.type(names[i]);
    }
    expect(await fitsWidth(page)).toBe(true);
    expect((await web.get(OrganizationsService).get(org.id)).version).toBe(org.version);

    await form.getByRole('button', { name: 'Save organization' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Details saved.');
    const saved = await web.get(OrganizationsService).get(org.id);
    expect(saved.contacts.map((c) => c.name)).toEqual(names);
    expect(saved.version).toBe(org.version + 1);
    const people = await web.get(PeopleService).list({ organizationId: org.id, limit: 50 });
    expect(people.items.map((p) => p.name).sort()).toEqual([...names].sort());
  });
});
