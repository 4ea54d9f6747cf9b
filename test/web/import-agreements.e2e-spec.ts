import type { Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { organizationInput } from '../support/factories.js';
import { axeViolations } from './axe.js';
import { startWebApp, type WebApp } from './browser.js';

const HEADER = 'organization,title,effectiveFrom,expiresOn,signatories,activities';
const SIGNED = '"partner: Rector, 2024-08-20; own: Executive Director, 2024-08-25"';
const file = (lines: string[]) => ({ name: 'agreements.csv', mimeType: 'text/csv', buffer: Buffer.from([HEADER, ...lines].join('\n')) });

/** SPEC "Workflows evolve": an admin imports agreements signed before the system from the web, a dry run first, all or nothing. */
describe('importing existing agreements in the browser', () => {
  let web: WebApp;
  const partnerships = async () => Number((await web.get(DataSource).query('SELECT COUNT(*) AS n FROM partnerships'))[0].n);

  beforeAll(async () => {
    web = await startWebApp();
    for (const name of ['Beaconhouse University', 'National Police Academy']) {
      await web.get(OrganizationsService).create(organizationInput({ name, contacts: [] }), web.actors.manager);
    }
  });

  afterAll(async () => {
    await web.closeAll();
  });

  const chooseAndPress = async (page: Page, lines: string[], button: 'Check the file' | 'Import agreements') => {
    const form = page.locator('section', { has: page.getByRole('heading', { name: 'Import agreements', level: 2 }) });
    await form.getByLabel('Spreadsheet of agreements').setInputFiles(file(lines));
    await form.getByRole('button', { name: button }).click();
    await page.waitForLoadState();
  };

  for (const width of [390, 1280]) {
    it(`lists every invalid row and why, refuses the file whole, then imports the corrected one, at ${width} px`, async () => {
      const page = await web.signIn('admin2', { bypassCSP: true });
      await page.setViewportSize({ width, height: 800 });
      await page.goto('/ui/partnerships');
      await page.getByRole('link', { name: 'Import existing agreements' }).click();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Import existing agreements');
      expect(await axeViolations(page)).toEqual([]);

      const valid = `Beaconhouse University,Research MOU (${width} px),2024-09-01,2027-08-31,${SIGNED},"annual_lecture: Annual named lecture"`;
      const wrong = [
        valid,
        `Nowhere Institute,Old MOU,2024-01-01,2027-12-31,${SIGNED},`,
        'National Police Academy,Half signed,2025-01-01,2028-12-31,"Commandant signed",',
      ];
      const before = await partnerships();
      await chooseAndPress(page, wrong, 'Check the file');
      expect(await page.textContent('main')).toContain('3 rows checked: 1 can be imported, 2 cannot.');
      const rows = await page
        .getByRole('table', { name: /Rows that cannot be imported/ })
        .locator('tbody tr')
        .allTextContents();
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatch(/^3/);
      expect(rows[0]).toContain('no organization is named "Nowhere Institute"');
      expect(rows[1]).toMatch(/^4/);
      expect(rows[1]).toContain('"Commandant signed" is not');
      expect(await axeViolations(page)).toEqual([]);
      // Nothing wider than the screen: the reasons and the column notes wrap.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);

      // Pressed anyway, the file is refused whole: not even its valid row is recorded.
      await chooseAndPress(page, wrong, 'Import agreements');
      expect(await page.getByRole('alert').textContent()).toContain('2 of 3 rows are invalid: nothing was imported');
      expect(await page.getByRole('heading', { name: /^Not imported/ }).count()).toBe(1);
      expect(await partnerships()).toBe(before);

      const right = [
        valid,
        `national police academy,Training MOU (${width} px),2025-01-01,2028-12-31,"partner: Commandant, 2024-12-01; own: Director, 2024-12-02",`,
      ];
      await chooseAndPress(page, right, 'Check the file');
      expect(await page.getByRole('status').textContent()).toContain('Every row can be imported');
      expect(await partnerships()).toBe(before);
      await chooseAndPress(page, right, 'Import agreements');
      expect(await page.getByRole('status').textContent()).toContain('All 2 rows were imported as partnerships in force.');
      expect(await axeViolations(page)).toEqual([]);
      expect(await partnerships()).toBe(before + 2);

      await page.getByRole('link', { name: `Research MOU (${width} px)` }).click();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`Research MOU (${width} px)`);
      expect(await page.textContent('main')).toContain('Active');
    });
  }

  it('is for admins only, and takes no form this site did not issue', async () => {
    const manager = await web.signIn('manager');
    expect((await manager.goto('/ui/import/agreements'))?.status()).toBe(403);
    const admin = await web.signIn('admin2');
    const before = await partnerships();
    const forged = await admin.request.post('/ui/import/agreements', {
      multipart: { step: 'import', file: file([`Beaconhouse University,Forged MOU,2024-09-01,2027-08-31,${SIGNED},`]) },
    });
    expect(forged.status()).toBe(403);
    expect(await partnerships()).toBe(before);
  });
});
