import { sendFromCurrent } from '../support/factories.js';
import { startWebApp, type WebApp } from './browser.js';

/** The dashboard in Chromium: four server-drawn charts, each with its figures in a table, at a desktop's and a phone's width. */
describe('dashboard in the browser', () => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
    await web.seedProposal({ title: 'Police training programme', submit: true });
    const inForce = await web.seedProposal({ title: 'Annual lecture and research visits', submit: true });
    web.clock.advanceDays(9);
    await sendFromCurrent(web, inForce, 'APPROVE', web.actors.approver);
    await sendFromCurrent(web, inForce, 'SHARE_DRAFT', web.actors.manager, { data: { document: { name: 'MOU v1.docx', sha256: 'b'.repeat(64) } } });
    await sendFromCurrent(web, inForce, 'AGREE_TEXT', web.actors.manager, { data: { effectiveFrom: '2026-03-01', expiresOn: '2026-12-31' } });
    await sendFromCurrent(web, inForce, 'RECORD_SIGNATURE', web.actors.manager, { data: { party: 'partner', signatory: 'Rector', signedOn: '2026-03-11' } });
    await sendFromCurrent(web, inForce, 'RECORD_SIGNATURE', web.actors.manager, { data: { party: 'own', signatory: 'Director', signedOn: '2026-03-11' } });
  });

  afterAll(async () => {
    await web.closeAll();
  });

  for (const width of [1280, 390]) {
    it(`shows each chart with a table of its figures at ${width} px`, async () => {
      const page = await web.signIn('manager');
      const refused: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') refused.push(message.text());
      });
      await page.setViewportSize({ width, height: 900 });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Dashboard');

      const chart = (title: string) => page.locator('section.chart', { has: page.getByRole('heading', { level: 2, name: title, exact: true }) });
      const figures = async (title: string) => {
        const section = chart(title);
        if ((await section.locator('details[open]').count()) === 0) await section.locator('summary').click();
        return section.locator('tbody tr').evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent?.trim())));
      };
      for (const title of ['Pipeline by stage', 'Approval turnaround', 'MOUs expiring in the next twelve months', 'Activity fulfilment by MOU']) {
        const image = chart(title).getByRole('img');
        expect(await image.count()).toBe(1);
        // Drawn, and within the page's width.
        const box = (await image.boundingBox())!;
        expect(box.height).toBeGreaterThan(width === 390 ? 100 : 150);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
      }
      const stages = await figures('Pipeline by stage');
      expect(stages).toContainEqual(['Senior-management review', '1']);
      expect(stages).toContainEqual(['In force', '1']);
      expect(await chart('Approval turnaround').locator('p').first().textContent()).toBe(
        '1 reviews decided since 2025-03-11, from submission to decision; median 9 days.',
      );
      expect(await figures('Approval turnaround')).toContainEqual(['8–14 days', '1', '1']);
      expect(await figures('MOUs expiring in the next twelve months')).toEqual([
        ['Annual lecture and research visits', 'Org for Annual lecture and research visits', 'In force · Active', '2026-12-31'],
      ]);
      expect(await figures('Activity fulfilment by MOU')).toEqual([['Annual lecture and research visits', '0', '0', '3', '0']]);
      // The page's policy (style-src 'self') refuses nothing the charts carry.
      expect(refused).toEqual([]);
    });
  }
});
