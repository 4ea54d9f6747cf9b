import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import { sendFromCurrent } from '../support/factories.js';
import { startWebApp, type WebApp } from './browser.js';

/** The audit log in Chromium: newest first, found by person and action chosen from lists, its CSV naming the actors. */
describe('audit log in the browser', () => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
    await web.seedProposal({ title: 'Police training programme', submit: true });
    web.clock.advanceDays(1);
    const lecture = await web.seedProposal({ title: 'Annual lecture', submit: true });
    await sendFromCurrent(web, lecture, 'APPROVE', web.actors.approver);
  });

  afterAll(async () => {
    await web.closeAll();
  });

  for (const width of [1280, 390]) {
    it(`finds what a person did, newest first, at ${width} px`, async () => {
      const page = await web.signIn('auditor');
      await page.setViewportSize({ width, height: 900 });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
      const seqs = async () => (await page.locator('tbody tr td:first-child').allTextContents()).map(Number);
      const all = await seqs();
      expect(all).toEqual([...all].sort((a, b) => b - a));

      await page.getByLabel('Person').selectOption({ label: 'Mona Manager (manager)' });
      await page.getByLabel('Action').selectOption({ label: 'Submit for approval (SUBMIT_FOR_APPROVAL)' });
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/actor=/);
      const rows = page.locator('tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.locator('td:nth-child(3)').allTextContents()).toEqual(['Mona Manager (manager)', 'Mona Manager (manager)']);
      expect(await rows.locator('td:nth-child(4)').allTextContents()).toEqual(['SUBMIT_FOR_APPROVAL', 'SUBMIT_FOR_APPROVAL']);
      const found = await seqs();
      expect(found).toEqual([...found].sort((a, b) => b - a));
      // The choices stay chosen.
      expect(await page.getByLabel('Person').inputValue()).toBe(web.actors.manager.id);

      await page.getByLabel('Person').selectOption({ label: 'Amir Approver (approver)' });
      await page.getByLabel('Action').selectOption({ label: 'Any action' });
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(new RegExp(`actor=${web.actors.approver.id}`));
      expect(await rows.locator('td:nth-child(4)').allTextContents()).toEqual(['APPROVE']);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
      const csv = parse<Record<string, string>>(await readFile(await download.path(), 'utf8'), { columns: true });
      const approval = csv.find((r) => r.action === 'APPROVE');
      expect(approval).toMatchObject({ actorId: web.actors.approver.id, actorName: 'Amir Approver (approver)' });
    });
  }
});
