import type { Page } from 'playwright-core';
import { sendFromCurrent } from '../support/factories.js';
import { PASSWORD, startWebApp, type Person, type WebApp } from './browser.js';

/**
 * Each role's main path through the pages, on a phone (390 px) and on a laptop (1280 px): what a
 * person does, in Chromium, against the real app. At either width the page does not scroll sideways.
 */
describe.each([390, 1280])('the main paths at %i px', (width) => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
  });

  afterAll(async () => {
    await web.closeAll();
  });

  async function signIn(person: Person): Promise<Page> {
    const context = await web.browser.newContext({ baseURL: web.baseUrl, viewport: { width, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto('/ui/sign-in');
    await page.getByLabel('Username').fill(person.toLowerCase());
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${web.baseUrl}/`);
    return page;
  }

  /** Whether the page fits the window's width, as a phone shows it. */
  const fitsWidth = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

  /** Opens the disclosure of an action within `scope` and returns its form. */
  async function openAction(page: Page, label: string, scope = page.locator('body')) {
    const details = scope.locator('details.action', { has: page.locator('summary', { hasText: new RegExp(`^${label}$`) }) }).first();
    await details.locator('summary').click();
    return details.locator('form');
  }

  const stateOf = (page: Page) => page.getByTestId('state').textContent();

  it('a manager submits a proposal, is told every problem at once, puts them right and submits it', async () => {
    const page = await signIn('manager');
    await page.goto('/ui/organizations');
    await page.getByLabel('Name', { exact: true }).fill(`Beaconhouse National University ${width}`);
    await page.getByLabel('Kind').selectOption('university');
    await page.getByLabel('Country').selectOption({ label: 'Pakistan' });
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('link', { name: /New proposal with/ }).click();
    await page.getByLabel('Title', { exact: true }).fill('Annual named lecture');
    await page.getByRole('button', { name: 'Create proposal' }).click();
    expect(await stateOf(page)).toBe('Proposal');

    let submit = await openAction(page, 'Submit for approval');
    await submit.getByRole('button', { name: 'Submit for approval' }).click();
    submit = page.locator('form[data-event="SUBMIT_FOR_APPROVAL"]');
    const problems = await submit.getByRole('alert').locator('li').allTextContents();
    expect(problems).toEqual(['Write a summary before submitting the proposal.', 'Add at least one proposed activity before submitting the proposal.']);
    expect(await fitsWidth(page)).toBe(true);

    const details = await openAction(page, 'Edit details');
    await details.getByLabel(/^Summary/).fill('A lecture each November in Lahore, named for the university’s founder.');
    await details.getByLabel('Activity 1 title').fill('Annual named lecture');
    await details.locator('select[name="activity.0.kind"]').selectOption('annual_lecture');
    await details.locator('input[name="activity.0.month"]').fill('11');
    await details.locator('input[name="activity.0.day"]').fill('15');
    await details.getByRole('button', { name: /^Save/ }).click();
    expect(await page.getByRole('status').textContent()).toContain('Details saved.');
    submit = await openAction(page, 'Submit for approval');
    await submit.getByRole('button', { name: 'Submit for approval' }).click();
    expect(await stateOf(page)).toBe('Senior-management review');
  });

  it('an approver asks for changes; the manager reads the request at the top and answers it', async () => {
    const id = await web.seedProposal({ title: `Police academy exchange ${width}`, submit: true });
    const approver = await signIn('approver');
    await approver.getByRole('link', { name: 'Inbox' }).click();
    const item = approver.locator('.inbox-item', { hasText: `Police academy exchange ${width}` });
    await item.getByLabel(/^Comment/).fill('Say who funds the visits.');
    await item.getByRole('button', { name: 'Request changes' }).click();
    await approver.getByRole('status').waitFor();
    expect(await approver.getByRole('status').textContent()).toContain('Done');

    const manager = await signIn('manager');
    await manager.goto(`/ui/partnerships/${id}`);
    const banner = manager.getByTestId('changes-requested');
    expect(await banner.textContent()).toContain('Say who funds the visits.');
    // The request is in view without scrolling past the page: above the actions.
    expect((await banner.boundingBox())!.y).toBeLessThan((await manager.locator('#actions-h').boundingBox())!.y);
    expect(await fitsWidth(manager)).toBe(true);
    const details = await openAction(manager, 'Edit details');
    await details.getByLabel(/^Notes/).fill('The visits are funded by the bureau’s training budget.');
    await details.getByRole('button', { name: /^Save/ }).click();
    const submit = await openAction(manager, 'Submit for approval');
    await submit.getByRole('button', { name: 'Submit for approval' }).click();
    expect(await stateOf(manager)).toBe('Senior-management review');
    expect(await manager.getByTestId('changes-requested').count()).toBe(0);
  });

  it('a manager schedules an occurrence, brings it forward, and records it as held', async () => {
    const id = await web.seedProposal({ title: `Research visits ${width}`, submit: true });
    await sendFromCurrent(web, id, 'APPROVE', web.actors.approver);
    await sendFromCurrent(web, id, 'SHARE_DRAFT', web.actors.manager, { data: { document: { name: 'MOU v1.docx', sha256: 'b'.repeat(64) } } });
    await sendFromCurrent(web, id, 'AGREE_TEXT', web.actors.manager, { data: { effectiveFrom: '2026-03-01', expiresOn: '2029-02-28' } });
    await sendFromCurrent(web, id, 'RECORD_SIGNATURE', web.actors.manager, { data: { party: 'partner', signatory: 'Rector', signedOn: '2026-03-02' } });
    await sendFromCurrent(web, id, 'RECORD_SIGNATURE', web.actors.manager, { data: { party: 'own', signatory: 'Director', signedOn: '2026-03-02' } });

    const page = await signIn('manager');
    await page.goto(`/ui/partnerships/${id}`);
    const occurrenceId = (await page.locator('li.occurrence').first().getAttribute('id'))!;
    const occurrence = () => page.locator(`li#${occurrenceId}`);
    let form = await openAction(page, 'Schedule', occurrence());
    await form.getByLabel('Date', { exact: true }).fill('2026-03-20');
    await form.getByRole('button', { name: 'Schedule' }).click();
    expect(await occurrence().locator('.occ-date').textContent()).toBe('2026-03-20');
    // Not "held" before its day: no such button is offered yet.
    expect(
      await occurrence()
        .locator('summary', { hasText: /^Mark held$/ })
        .count(),
    ).toBe(0);

    form = await openAction(page, 'Bring forward', occurrence());
    await form.getByLabel('New date').fill('2026-03-02');
    await form.getByRole('button', { name: 'Bring forward' }).click();
    expect(await occurrence().locator('.occ-date').textContent()).toBe('2026-03-02');
    expect(await fitsWidth(page)).toBe(true);

    form = await openAction(page, 'Mark held', occurrence());
    await form.getByLabel(/^Report/).fill('Two researchers hosted for a week.');
    await form.getByRole('button', { name: 'Mark held' }).click();
    expect(await occurrence().locator('.badge-state').textContent()).toBe('Held');
    const history = await page.locator('.tl-what').allTextContents();
    expect(history.some((line) => line.includes('moved it to an earlier date'))).toBe(true);
  });

  it('a manager sees the dashboard’s charts, each with its table', async () => {
    const page = await signIn('manager');
    await page.goto('/ui/dashboard');
    const charts = page.locator('section.chart');
    expect(await charts.count()).toBe(4);
    for (let i = 0; i < 4; i += 1) {
      const chart = charts.nth(i);
      const title = (await chart.getByRole('heading', { level: 2 }).textContent())!.trim();
      expect(title).not.toBe('');
      // Drawn on the server as SVG, with the figures behind it in a table named like the chart.
      for (const caption of await chart.locator('table caption').allTextContents()) expect(caption.trim()).toBe(title);
    }
    expect(await page.locator('section.chart table').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('section.chart figure svg').count()).toBeGreaterThanOrEqual(3);
    expect(await fitsWidth(page)).toBe(true);
  });

  it('an auditor finds what one person did in the audit log', async () => {
    await web.seedProposal({ title: `Found by person ${width}`, submit: true });
    const page = await signIn('auditor');
    await page.goto('/ui/audit');
    await page.getByLabel('Person').selectOption({ label: 'Mona Manager (manager)' });
    await page.getByRole('button', { name: /^Filter/ }).click();
    const actors = await page.locator('section[aria-labelledby="rows-h"] tbody tr td:nth-child(3)').allTextContents();
    expect(actors.length).toBeGreaterThan(0);
    expect(actors.every((who) => who.includes('Mona Manager'))).toBe(true);
    expect(await fitsWidth(page)).toBe(true);
  });
});
