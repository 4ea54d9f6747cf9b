import { startWebApp, type WebApp } from './browser.js';

/** SPEC "My work" in the browser: the page one lands on, its count in the navigation, notices marked read in place (htmx). */
describe('My work in the browser', () => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
  });

  afterAll(async () => {
    await web.closeAll();
  });

  it('opens on what waits for the approver, and marks notices read without leaving the page', async () => {
    await web.seedProposal({ title: 'Lecture series with the law faculty', submit: true });
    await web.seedProposal({ title: 'Police training exchange', submit: true });
    const page = await web.signIn('approver');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('My work');
    const approvals = page.locator('section', { has: page.getByRole('heading', { name: /Proposals to decide/ }) });
    // Both were submitted at the same moment of the test's clock, so their order is the ids'.
    expect((await approvals.locator('li a').allTextContents()).sort()).toEqual(['Lecture series with the law faculty', 'Police training exchange']);
    expect(await approvals.getByRole('link', { name: 'Decide on these proposals' }).count()).toBe(1);
    const count = page.locator('#work-count');
    // two proposals, and a notice of each
    expect(await count.textContent()).toBe('4 waiting for you');

    const notices = page.locator('#notices .notice');
    expect(await notices.count()).toBe(2);
    const address = page.url();
    const first = page.locator(`#${await notices.first().getAttribute('id')}`);
    await first.getByRole('button', { name: /Mark as read/ }).click();
    await first.waitFor({ state: 'detached' });
    expect(await notices.count()).toBe(1);
    expect(await count.textContent()).toBe('3 waiting for you');
    expect(page.url()).toBe(address);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Notifications');
    expect(await page.locator('.notice.unread').count()).toBe(1);
    await page.getByRole('button', { name: 'Mark all as read' }).click();
    await page.getByText('Everything is read.').waitFor();
    expect(await page.locator('.notice.unread').count()).toBe(0);
    expect(await page.locator('#work-count').textContent()).toBe('2 waiting for you');

    // The decision is made from the inbox the page links to.
    await page.getByRole('link', { name: /My work/ }).click();
    await page.getByRole('link', { name: 'Decide on these proposals' }).click();
    expect(new URL(page.url()).pathname).toBe('/ui/inbox');
  });

  it('shows a manager the owner’s work and no inbox', async () => {
    const page = await web.signIn('manager');
    expect(await page.getByText('Nothing waits for you now.').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Inbox' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Pipeline' }).click();
    expect(new URL(page.url()).pathname).toBe('/ui/pipeline');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Pipeline');
  });
});
