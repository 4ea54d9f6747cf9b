import JSZip from 'jszip';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Download, Page } from 'playwright-core';
import { axeViolations } from './axe.js';
import { startWebApp, type WebApp } from './browser.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A real DOCX of these paragraphs, as Word lays one out: the content types first, then the package's relationships, then the document. */
async function docx(paragraphs: string[]): Promise<Buffer> {
  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  const body = paragraphs.map((text) => `<w:p><w:r><w:t xml:space="preserve">${text}</w:t></w:r></w:p>`).join('');
  zip.file(
    'word/document.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** The bytes of a file the page offered for download. */
async function bytesOf(download: Download): Promise<Buffer> {
  return readFileSync(await download.path());
}

const conceptNote = Buffer.from('Concept note: an annual named lecture on organized crime, and yearly research visits.\n');
const signedCopy = readFileSync(new URL('../fixtures/mou-signed.pdf', import.meta.url));

/**
 * One partnership from a manager's first click to an MOU in force, through the pages alone:
 * each step is what a person does in the browser, against the real app.
 */
describe('a partnership through the web interface', () => {
  let web: WebApp;
  let partnershipUrl: string;
  /** SHA-256 of the draft whose text was agreed. */
  let agreedSha256: string;

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
    // The contact typed with the organization is one of its people.
    const people = page.locator('section', { has: page.locator('#org-people-h') });
    expect(await people.getByRole('link', { name: 'Dr. Sana Iqbal' }).count()).toBe(1);

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
    await page.locator('#pa-1-day').fill('1');
    await page.getByLabel('Concept note').setInputFiles({ name: 'Concept note.txt', mimeType: 'text/plain', buffer: conceptNote });
    await page.getByRole('button', { name: 'Create proposal' }).click();
    expect(await stateOf(page)).toBe('Proposal');
    partnershipUrl = page.url().replace(/\?.*$/, '');
    const attached = page.locator('#attachments-h + ul li');
    expect(await attached.allTextContents()).toEqual([expect.stringContaining('Concept note: Concept note.txt')]);
    const [note] = await Promise.all([page.waitForEvent('download'), attached.getByRole('link', { name: 'Concept note.txt' }).click()]);
    expect(sha256(await bytesOf(note))).toBe(sha256(conceptNote));

    const submit = await openAction(page, 'Submit for approval');
    await submit.getByRole('button', { name: 'Submit for approval' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Done: you submitted it for approval.');
    expect(await stateOf(page)).toBe('Senior-management review');
    expect(await page.locator('.sd-current').textContent()).toContain('Senior-management review');
  });

  it('lets an approver approve it from the inbox, told in words what they approve', async () => {
    const page = await web.signIn('approver');
    await page.getByRole('link', { name: 'Inbox' }).click();
    const item = page.locator('.inbox-item', { hasText: 'Annual lecture on organized crime' });
    const submittedOn = /You decide on the proposal as submitted on (\d{4}-\d{2}-\d{2})\./.exec((await item.textContent())!)?.[1];
    expect(submittedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await item.textContent()).not.toMatch(/[0-9a-f]{64}/);
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
    expect(await approval.textContent()).toContain(`The proposal as submitted on ${submittedOn}`);
    expect(await approval.textContent()).not.toMatch(/[0-9a-f]{64}/);
  });

  it('lets the manager upload two drafts and see what changed, word by word, then agree the text', async () => {
    const page = await web.signIn('manager', { bypassCSP: true });
    await page.goto(partnershipUrl);
    expect(await page.locator('.occurrence').count()).toBe(0);

    // A file that is not what its name says is refused beside the form, in plain words, and the comment typed is kept.
    let draft = await openAction(page, 'Share draft');
    await draft.getByLabel('The draft').setInputFiles({ name: 'MOU draft.pdf', mimeType: 'application/pdf', buffer: Buffer.from('Not a PDF at all.\n') });
    await draft.getByLabel('Comment').fill('First draft for the partner');
    await draft.getByRole('button', { name: 'Share draft' }).click();
    draft = page.locator('form[data-event="SHARE_DRAFT"]');
    expect(await draft.getByRole('alert').textContent()).toContain('“MOU draft.pdf” is not a kind of file taken here.');
    expect(await draft.getByLabel('Comment').inputValue()).toBe('First draft for the partner');
    expect(await axeViolations(page)).toEqual([]);

    const first = await docx(['Memorandum of Understanding between the parties.', 'Each party shall host one lecture a year in Lahore.']);
    await draft.getByLabel('The draft').setInputFiles({ name: 'MOU draft v1.docx', mimeType: 'application/octet-stream', buffer: first });
    await draft.getByRole('button', { name: 'Share draft' }).click();
    expect(await stateOf(page)).toBe('MOU negotiation');
    expect(await page.locator('td', { hasText: 'MOU draft v1.docx' }).count()).toBe(1);

    const second = await docx(['Memorandum of Understanding between the parties.', 'Each party shall host two lectures a year in Lahore or Karachi.']);
    draft = await openAction(page, 'Share draft');
    await draft.getByLabel('The draft').setInputFiles({ name: 'MOU draft v2.docx', mimeType: 'application/octet-stream', buffer: second });
    await draft.getByRole('button', { name: 'Share draft' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Done');
    const diff = page.locator('section.draft-diff', { has: page.getByRole('heading', { name: 'Draft 2 against draft 1' }) }).locator('.diff');
    expect(await diff.locator('del').allTextContents()).toEqual(['one', 'lecture']);
    expect(await diff.locator('ins').allTextContents()).toEqual(expect.arrayContaining(['two', 'lectures']));
    expect((await diff.locator('ins').allTextContents()).join('')).toContain('Karachi');
    expect(await diff.textContent()).toContain('Memorandum of Understanding between the parties.');
    const [downloadedDraft] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'MOU draft v2.docx' }).click()]);
    expect(sha256(await bytesOf(downloadedDraft))).toBe(sha256(second));

    const agree = await openAction(page, 'Agree text');
    await agree.getByLabel('Takes effect on').fill('2026-03-01');
    await agree.getByLabel('Expires on').fill('2029-02-28');
    await agree.getByRole('button', { name: 'Agree text' }).click();
    expect(await stateOf(page)).toBe('Awaiting signatures');
    expect((await page.getByTestId('agreed-text').textContent())!.trim()).toBe('Draft 2, MOU draft v2.docx');
    agreedSha256 = sha256(second);
  });

  it('lets the manager ask the partner to confirm the agreed text, and the partner confirm it with no account', async () => {
    const page = await web.signIn('manager');
    await page.goto(partnershipUrl);
    const ask = await openAction(page, 'Ask the partner to confirm the agreed text');
    await ask.getByLabel('Their name').fill('Dr. Sana Iqbal');
    await ask.getByRole('button', { name: 'Make the link' }).click();
    const link = await page.getByLabel('Link for the partner').inputValue();

    const partner = await web.browser.newContext({ baseURL: web.baseUrl });
    const partnerPage = await partner.newPage();
    partnerPage.setDefaultTimeout(10_000);
    await partnerPage.goto(new URL(link).pathname);
    const [agreedCopy] = await Promise.all([partnerPage.waitForEvent('download'), partnerPage.getByRole('link', { name: 'Download the agreed text' }).click()]);
    expect(agreedCopy.suggestedFilename()).toBe('MOU draft v2.docx');
    const agreedBytes = await bytesOf(agreedCopy);
    expect(await partnerPage.locator('#partner-fingerprint').textContent()).toBe(sha256(agreedBytes));
    await partnerPage.getByLabel('Your name').fill('Sana Iqbal');
    await partnerPage.getByLabel('Your title').fill('Dean, Faculty of Social Sciences');
    await partnerPage.getByRole('button', { name: 'Confirm the agreed text' }).click();
    expect(await partnerPage.getByRole('status').textContent()).toContain('Your confirmation is recorded');
    await partner.close();
  });

  it('lets the manager record both signatures with the signed copy uploaded, see it and the partner’s confirmation, and the occurrences appear', async () => {
    const page = await web.signIn('manager');
    await page.goto(partnershipUrl);
    let sign = await openAction(page, 'Record signature');
    await sign.getByLabel('Party').selectOption('partner');
    await sign.getByLabel('Signatory').fill('Vice-Chancellor, Riphah International University');
    await sign.getByLabel('Signed on').fill('2026-03-02');
    await sign.getByLabel('The signed copy').setInputFiles({ name: 'MOU signed.pdf', mimeType: 'application/pdf', buffer: signedCopy });
    await sign.getByRole('button', { name: 'Record signature' }).click();
    expect(await stateOf(page)).toBe('Awaiting signatures');

    sign = await openAction(page, 'Record signature');
    expect(await sign.getByLabel('Party').locator('option').allTextContents()).toEqual(['Our organisation']);
    await sign.getByLabel('Signatory').fill('Executive Director');
    await sign.getByLabel('Signed on').fill('2026-03-02');
    await sign.getByLabel('The signed copy').setInputFiles({ name: 'MOU signed.pdf', mimeType: 'application/pdf', buffer: signedCopy });
    await sign.getByRole('button', { name: 'Record signature' }).click();

    const partnerSignature = page.getByTestId('signature-partner');
    expect((await partnerSignature.textContent())!.trim()).toMatch(/Signed copy: MOU signed\.pdf$/);
    const [copy] = await Promise.all([page.waitForEvent('download'), partnerSignature.getByRole('link', { name: 'MOU signed.pdf' }).click()]);
    expect(copy.suggestedFilename()).toBe('MOU signed.pdf');
    expect(sha256(await bytesOf(copy))).toBe(sha256(signedCopy));
    const confirmed = page.locator('#partner-acknowledgements + ul li');
    expect(await confirmed.textContent()).toMatch(
      /^Sana Iqbal \(Dean, Faculty of Social Sciences\) confirmed the agreed text on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/,
    );
    // Fingerprints are for the integrity view, which a manager does not have.
    expect(await page.locator('main').textContent()).not.toMatch(/[0-9a-f]{64}/);
    expect(await page.locator('details.integrity').count()).toBe(0);

    expect(await stateOf(page)).toBe('In force · Active');
    const dates = await page.locator('.occurrence .occ-date').allTextContents();
    expect(dates).toEqual(['2026-10-15', '2027-10-15', '2028-10-15', '2026-03-01', '2027-03-01', '2028-03-01']);
    // Submitted, approved (quorum), draft shared, text agreed, both signed: five steps of the diagram.
    expect(await page.locator('.sd-taken').count()).toBe(5);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activities' }).click();
    await page.getByLabel('Days ahead').fill('365');
    await page.getByRole('button', { name: 'Show' }).click();
    expect(await page.locator('.occurrence', { hasText: 'Annual named lecture' }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Create a calendar link' }).count()).toBe(1);
  });

  it('lets an auditor open its history and its integrity details, and verify the chain', async () => {
    const page = await web.signIn('auditor', { bypassCSP: true });
    await page.goto(partnershipUrl);
    const timeline = page.locator('.timeline li');
    const rows = await timeline.allTextContents();
    // its occurrences' events are part of its history (SPEC); the partnership's own are the rest
    const steps = rows.filter((row) => !row.includes('activity occurrence'));
    expect(steps.length).toBe(8);
    expect(rows.length).toBeGreaterThan(steps.length);
    expect(steps.some((s) => s.includes('Amir Approver approved it → MOU drafting'))).toBe(true);
    expect(steps.some((s) => s.includes('submitted it for approval → Senior-management review'))).toBe(true);
    expect(await page.locator('details.action').count()).toBe(0);

    // The fingerprints behind the plain words: each approval, text and copy bound to exactly what it was about.
    const integrity = page.locator('details.integrity');
    await integrity.locator('summary').click();
    const fingerprint = async (term: RegExp) =>
      (await integrity.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]').textContent())!.trim();
    const content = await fingerprint(/^Proposal as it stands$/);
    expect(content).toMatch(/^[0-9a-f]{64}$/);
    expect(await fingerprint(/^Approved by Amir Approver/)).toBe(content);
    expect(await fingerprint(/^Draft 2, MOU draft v2\.docx$/)).toBe(agreedSha256);
    expect(await fingerprint(/^Agreed text$/)).toBe(agreedSha256);
    expect(await fingerprint(/^Signed copy, partner organisation: MOU signed\.pdf$/)).toBe(sha256(signedCopy));
    expect(await fingerprint(/^Confirmed by Sana Iqbal/)).toBe(agreedSha256);
    expect(await axeViolations(page)).toEqual([]);

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
