import type { Page } from 'playwright-core';
import { startWebApp, type WebApp } from './browser.js';

/**
 * One partnership from a manager's first click to an MOU in force, through the pages alone:
 * each step is what a person does in the browser, against the real app.
 */
describe('a partnership through the web interface', () => {
  let web: WebApp;
  let partnershipUrl: string;

  beforeAll(async () => {
    web = await startWebApp();
  });

  afterAll(async () => {
    await web.closeAll();
  });

  const stateOf = (page: Page) => page.getByTestId('state').textContent();

  /** Opens the disclosure of an action and returns its form. */
  async function openAction(page: Page, label: string) {
    const details = page.locator('details.action', { has: page.locator('summary', { hasText: new RegExp(`^${label}$`) }) }).first();
    await details.locator('summary').click();
    return details.locator('form');
  }

  it('lets a manager create an organization and a proposal, and submit it', async () => {
    const page = await web.signIn('manager');
    await page.getByRole('link', { name: 'Organizations' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Riphah International University');
    await page.getByLabel('Kind').selectOption('university');
    await page.getByLabel('Country').selectOption({ label: 'Pakistan' });
    await page.getByLabel('City (optional)').fill('Islamabad');
    await page.getByLabel('Contact 1 name').fill('Dr. Sana Iqbal');
    await page.getByRole('button', { name: 'Create organization' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Riphah International University');
    expect(await page.getByText('Dr. Sana Iqbal').count()).toBe(1);

    await page.getByRole('link', { name: /New proposal with/ }).click();
    await page.getByLabel('Title', { exact: true }).fill('Annual lecture on organized crime');
    await page.getByLabel(/^Summary/).fill('An annual named lecture and yearly research visits, under an MOU.');
    await page.getByLabel('Activity 1 title').fill('Annual named lecture');
    await page.locator('#pa-0-kind').selectOption('annual_lecture');
    await page.locator('#pa-0-month').fill('10');
    await page.locator('#pa-0-day').fill('15');
    await page.getByLabel('Activity 2 title').fill('Research visit');
    await page.locator('#pa-1-kind').selectOption('research_visit');
    await page.locator('#pa-1-month').fill('3');
    await page.getByRole('button', { name: 'Create proposal' }).click();
    expect(await stateOf(page)).toBe('Proposal');
    partnershipUrl = page.url().replace(/\?.*$/, '');

    const submit = await openAction(page, 'Submit for approval');
    await submit.getByRole('button', { name: 'Submit for approval' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Done: you submitted it for approval.');
    expect(await stateOf(page)).toBe('Senior-management review');
    expect(await page.locator('.sd-current').textContent()).toContain('Senior-management review');
  });

  it('lets an approver approve it from the inbox, bound to the content hash shown', async () => {
    const page = await web.signIn('approver');
    await page.getByRole('link', { name: 'Inbox' }).click();
    const item = page.locator('.inbox-item', { hasText: 'Annual lecture on organized crime' });
    const shownHash = (await item.locator('code.hash').textContent())!.trim();
    await item.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Done: you approved it (“Annual lecture on organized crime”).');
    expect(await page.locator('.inbox-item', { hasText: 'Annual lecture on organized crime' }).count()).toBe(0);
    expect(page.url()).toMatch(/\/ui\/inbox/);

    await page.goto(partnershipUrl);
    expect(await stateOf(page)).toBe('MOU drafting');
    const approval = page.locator('section', { has: page.getByRole('heading', { name: /Approvals/ }) }).locator('tbody tr');
    expect(await approval.count()).toBe(1);
    expect(await approval.textContent()).toContain('Amir Approver');
    expect(await approval.textContent()).toContain(shownHash);
  });

  it('lets the manager share a draft, agree the text, record both signatures, and see the occurrences appear', async () => {
    const page = await web.signIn('manager');
    await page.goto(partnershipUrl);
    expect(await page.locator('.occurrence').count()).toBe(0);

    const draft = await openAction(page, 'Share draft');
    await draft.getByLabel('Document name').fill('MOU draft v1.docx');
    await draft.getByLabel('SHA-256 of the document').fill('a'.repeat(64));
    await draft.getByRole('button', { name: 'Share draft' }).click();
    expect(await stateOf(page)).toBe('MOU negotiation');
    expect(await page.locator('td', { hasText: 'MOU draft v1.docx' }).count()).toBe(1);

    const agree = await openAction(page, 'Agree text');
    await agree.getByLabel('Takes effect on').fill('2026-03-01');
    await agree.getByLabel('Expires on').fill('2029-02-28');
    await agree.getByRole('button', { name: 'Agree text' }).click();
    expect(await stateOf(page)).toBe('Awaiting signatures');

    let sign = await openAction(page, 'Record signature');
    await sign.getByLabel('Party').selectOption('partner');
    await sign.getByLabel('Signatory').fill('Vice-Chancellor, Riphah International University');
    await sign.getByLabel('Signed on').fill('2026-03-02');
    await sign.getByRole('button', { name: 'Record signature' }).click();
    expect(await stateOf(page)).toBe('Awaiting signatures');

    sign = await openAction(page, 'Record signature');
    expect(await sign.getByLabel('Party').locator('option').allTextContents()).toEqual(['Our organisation']);
    await sign.getByLabel('Signatory').fill('Executive Director');
    await sign.getByLabel('Signed on').fill('2026-03-02');
    await sign.getByRole('button', { name: 'Record signature' }).click();

    expect(await stateOf(page)).toBe('In force · Active');
    const dates = await page.locator('.occurrence .occ-date').allTextContents();
    expect(dates).toEqual(['2026-10-15', '2027-10-15', '2028-10-15', '2026-03-01', '2027-03-01', '2028-03-01']);
    // Submitted, approved (quorum), draft shared, text agreed, both signed: five steps of the diagram.
    expect(await page.locator('.sd-taken').count()).toBe(5);

    await page.getByRole('link', { name: 'Activities' }).click();
    await page.getByLabel('Days ahead').fill('365');
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await page.locator('.occurrence', { hasText: 'Annual named lecture' }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Create a calendar link' }).count()).toBe(1);
  });

  it('lets an auditor open its history and verify the chain', async () => {
    const page = await web.signIn('auditor');
    await page.goto(partnershipUrl);
    const timeline = page.locator('.timeline li');
    const rows = await timeline.allTextContents();
    // its occurrences' events are part of its history (SPEC); the partnership's own are the rest
    const steps = rows.filter((row) => !row.includes('activity occurrence'));
    expect(steps.length).toBe(7);
    expect(rows.length).toBeGreaterThan(steps.length);
    expect(steps.some((s) => s.includes('Amir Approver approved it → MOU drafting'))).toBe(true);
    expect(steps.some((s) => s.includes('submitted it for approval → Senior-management review'))).toBe(true);
    expect(await page.locator('details.action').count()).toBe(0);

    await page.getByRole('link', { name: /Audit rows of this partnership/ }).click();
    expect(Number(await page.locator('#rows-h .count').textContent())).toBe(steps.length);
    await page.getByRole('button', { name: 'Verify the whole chain' }).click();
    await page.locator('#verify-result .alert').waitFor();
    expect(await page.locator('#verify-result').textContent()).toContain('The chain verifies.');
    expect(page.url()).not.toContain('/verify');
  });

  it('lets the manager add a commitment to the MOU in force, and see its occurrences for the term at once', async () => {
    const page = await web.signIn('manager');
    await page.goto(partnershipUrl);
    const add = await openAction(page, 'Add an activity');
    await add.getByLabel('Activity title').fill('Seminar on illicit economies');
    await add.getByLabel('Kind').selectOption('seminar');
    await add.getByLabel('Month').fill('6');
    await add.getByLabel('Day').fill('20');
    await add.getByRole('button', { name: 'Add activity' }).click();

    expect(await page.getByRole('status').textContent()).toContain('Activity added.');
    expect(await stateOf(page)).toBe('In force · Active');
    const series = page.locator('section', { has: page.getByRole('heading', { name: 'Activities', exact: true }) }).locator('h3');
    expect(await series.allTextContents()).toEqual([
      'Annual named lecture (annual lecture, yearly)',
      'Research visit (research visit, yearly)',
      'Seminar on illicit economies (seminar, yearly)',
    ]);
    const added = page.locator('h3', { hasText: 'Seminar on illicit economies' }).locator('xpath=following-sibling::ul[1]').locator('.occ-date');
    expect(await added.allTextContents()).toEqual(['2026-06-20', '2027-06-20', '2028-06-20']);
    expect(await page.locator('.timeline li').last().textContent()).toContain('Mona Manager');
  });
});
