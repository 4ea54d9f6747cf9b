import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AuditService } from '../../src/audit/audit.service.js';
import { startWebApp, type WebApp } from './browser.js';
import { AGREED_DRAFT_SHA256 as sha256, seedPartnerLink } from './partner-links.js';

describe('the partner’s page in Chromium', () => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
  });

  afterAll(async () => {
    await web.closeAll();
  });

  it('lets the partner read the terms, download the text, comment and confirm it, with no account; the manager sees who confirmed what', async () => {
    const { partnershipId, token } = await seedPartnerLink(web, 'Workplan with the human-rights centre');
    const context = await web.browser.newContext({ baseURL: web.baseUrl, viewport: { width: 360, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    // The address the manager sends leads to the page.
    await page.goto(`/partner/${token}`);
    expect(new URL(page.url()).pathname).toBe(`/ui/partner/${token}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Confirm the agreed text of the memorandum of understanding');
    const terms = page.locator('section', { has: page.getByRole('heading', { name: 'What was agreed' }) });
    expect(await terms.locator('dd').allTextContents()).toEqual([
      'Workplan with the human-rights centre',
      'Org for Workplan with the human-rights centre',
      '2026-04-01',
      '2029-03-31',
      expect.stringContaining('MOU final.docx'),
    ]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the agreed text' }).click()]);
    expect(download.suggestedFilename()).toBe('MOU final.docx');
    const saved = readFileSync(await download.path());
    expect(createHash('sha256').update(saved).digest('hex')).toBe(sha256);
    await page.locator('summary', { hasText: 'Check that your copy is the same' }).click();
    expect(await page.locator('#partner-fingerprint').textContent()).toBe(sha256);

    await page.getByLabel('Your comment').fill('Could article 4 name the month of the lecture?');
    await page.getByRole('button', { name: 'Send the comment' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Your comment was sent');

    // Refused, it says why beside the form and keeps what was typed.
    await page.getByLabel('Your name').fill('Sara Malik');
    await page.getByLabel('Your title').fill(' ');
    await page.getByLabel('Your title').evaluate('(input) => input.removeAttribute("required")');
    await page.getByRole('button', { name: 'Confirm the agreed text' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('title must be longer than or equal to 1 characters');
    expect(await page.getByLabel('Your name').inputValue()).toBe('Sara Malik');

    await page.getByLabel('Your title').fill('Rector');
    await page.getByRole('button', { name: 'Confirm the agreed text' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Your confirmation is recorded');
    expect(await page.getByText('This text was confirmed through this link by Sara Malik (Rector)').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Confirm the agreed text' }).count()).toBe(0);
    await context.close();

    const rows = (await web.get(AuditService).search({ action: 'PARTNER_ACKNOWLEDGED' })).items;
    expect(rows.map((row) => JSON.parse(row.payload) as { sha256: string; partnershipId: string })).toEqual([
      expect.objectContaining({ sha256, partnershipId }),
    ]);

    const manager = await web.signIn('manager');
    expect(await manager.getByRole('heading', { name: /Confirmed by partners/ }).count()).toBe(1);
    await manager.getByRole('link', { name: 'Workplan with the human-rights centre' }).first().click();
    const confirmed = manager.locator('li', { hasText: 'confirmed the agreed text on' });
    expect(await confirmed.textContent()).toContain('Sara Malik (Rector) confirmed the agreed text on 2026-03-02');
    // In words for the manager; the fingerprint it confirmed is in the audit row above and in the auditor's integrity details.
    expect(await confirmed.textContent()).not.toContain(sha256);
  });
});
