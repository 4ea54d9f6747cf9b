import { readFile } from 'node:fs/promises';
import { startWebApp, type WebApp } from './browser.js';

/** The list view in Chromium: sorted by a column heading, and exported as CSV in that order, at a desktop's and a phone's width. */
describe('partnership list view in the browser', () => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
    await web.seedProposal({ title: 'Police training programme' });
    web.clock.advanceDays(1);
    await web.seedProposal({ title: 'Annual lecture and research visits', submit: true });
  });

  afterAll(async () => {
    await web.closeAll();
  });

  for (const width of [1280, 390]) {
    it(`sorts by next deadline and exports that order at ${width} px`, async () => {
      const page = await web.signIn('manager');
      await page.setViewportSize({ width, height: 900 });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Partnerships' }).click();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Partnerships');
      const titles = () => page.locator('tbody tr td:first-child').allTextContents();
      // By organization at first: "Org for Annual…" before "Org for Police…".
      expect(await titles()).toEqual(['Annual lecture and research visits', 'Police training programme']);

      await page.getByRole('link', { name: /^Next deadline/ }).click();
      expect(await page.locator('th[aria-sort]').textContent()).toMatch(/^Next deadline/);
      expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('ascending');
      expect(await titles()).toEqual(['Annual lecture and research visits', 'Police training programme']);
      expect(await page.locator('tbody tr').first().locator('td').nth(4).textContent()).toBe('2026-03-17 Approval deadline passes');
      await page.getByRole('link', { name: /^Next deadline/ }).click();
      expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
      // The one without a deadline stays last.
      expect(await titles()).toEqual(['Annual lecture and research visits', 'Police training programme']);
      await page.getByRole('link', { name: /^Owner/ }).click();
      await page.getByRole('link', { name: /^Stage/ }).click();
      expect(await titles()).toEqual(['Police training programme', 'Annual lecture and research visits']);
      expect(await page.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual(['Proposal', 'Senior-management review']);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
      expect(download.suggestedFilename()).toBe('partnerships.csv');
      const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n');
      expect(lines[0]).toBe('title,organization,stage,owner,ownerId,nextDeadline,nextDeadlineIs,id');
      expect(lines.slice(1).map((line) => line.split(',').slice(0, 4).join(','))).toEqual([
        'Police training programme,Org for Police training programme,Proposal,Mona Manager',
        'Annual lecture and research visits,Org for Annual lecture and research visits,Senior-management review,Mona Manager',
      ]);
      // Nothing wider than the phone's screen but the table, which scrolls in its own box.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
    });
  }

  it('refuses a sort it does not know, and a page before the first, with 400 and the page', async () => {
    const page = await web.signIn('manager');
    for (const query of ['sort=password', 'direction=sideways', 'offset=-1', 'sort=title;DROP']) {
      const response = await page.goto(`/ui/partnerships?${query}`);
      expect([query, response?.status()]).toEqual([query, 400]);
      expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
    }
    expect((await page.request.get('/ui/partnerships/export.csv?sort=password')).status()).toBe(400);
  });
});
