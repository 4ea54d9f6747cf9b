import { createHash } from 'node:crypto';
import { createApiApp, type ApiApp } from './support/api.js';
import { postOrganization } from './support/factories.js';
import { agreeUploadedText } from './support/partner-links.js';
import { inputValue, pagesAgent, signInToPages } from './support/web-agent.js';

const TEXT = Buffer.from('Memorandum of understanding.\nArticle 1: an annual named lecture.\n');
const sha256 = createHash('sha256').update(TEXT).digest('hex');

/** SPEC "The partner's acknowledgement": the page at /partner/:token, with no account, over HTTP; and where the manager sees what the partner did. */
describe('the partner’s page', () => {
  let api: ApiApp;
  let agreed: { id: string };

  const issue = async () =>
    (await api.as('manager').post(`/api/partnerships/${agreed.id}/partner-links`).send({ name: 'Prof. Sara Malik' }).expect(201)).body as {
      id: string;
      token: string;
    };

  beforeAll(async () => {
    api = await createApiApp();
    agreed = await agreeUploadedText(api, await postOrganization(api, { name: 'Centre for Human Rights' }), TEXT, 'MOU final.txt');
  });

  afterAll(() => api.close());

  it('shows the terms and the text with no account, and takes the confirmation once, through a form with a CSRF token', async () => {
    const { token } = await issue();
    const partner = pagesAgent(api.http);
    const sent = await partner.get(`/partner/${token}`);
    expect({ status: sent.status, location: sent.headers.location }).toEqual({ status: 303, location: `/ui/partner/${token}` });
    const page = await partner.get(`/ui/partner/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.html).toContain('Centre for Human Rights');
    expect(page.html).toContain('2026-04-01');
    expect(page.html).toContain(`href="/api/partner/${token}/document"`);
    expect(page.html).toContain(sha256);
    // Addressed to whom the link was sent, until they say otherwise; no navigation, no sign-out: nobody is signed in.
    expect(inputValue(page.html, 'partner-name')).toBe('Prof. Sara Malik');
    expect(page.html).not.toContain('aria-label="Main"');

    const forged = await pagesAgent(api.http).post(`/ui/partner/${token}/acknowledge`, { name: 'Sara Malik', title: 'Rector' });
    expect(forged.status).toBe(403);

    const incomplete = await partner.post(`/ui/partner/${token}/acknowledge`, { name: 'Sara Malik', title: '' });
    expect(incomplete.status).toBe(400);
    expect(incomplete.html).toContain('role="alert"');
    expect(inputValue(incomplete.html, 'partner-name')).toBe('Sara Malik');

    const confirmed = await partner.post(`/ui/partner/${token}/acknowledge`, { name: 'Sara Malik', title: 'Rector' });
    expect({ status: confirmed.status, location: confirmed.location }).toEqual({ status: 303, location: `/ui/partner/${token}?done=ACKNOWLEDGED` });
    const after = await partner.get(confirmed.location!);
    expect(after.html).toContain('Your confirmation is recorded');
    expect(after.html).toContain('confirmed through this link by <strong>Sara Malik</strong> (Rector)');
    expect(after.html).not.toContain('id="partner-title"');

    const again = await partner.post(`/ui/partner/${token}/acknowledge`, { name: 'Sara Malik', title: 'Rector' });
    expect(again.status).toBe(409);
    expect(again.html).toContain('already acknowledged through this link');
  });

  it('passes a comment on, and keeps what was typed when it is refused', async () => {
    const { token } = await issue();
    const partner = pagesAgent(api.http);
    await partner.get(`/ui/partner/${token}`);
    const tooLong = await partner.post(`/ui/partner/${token}/comment`, { comment: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.html).toContain('x'.repeat(2001));
    const sent = await partner.post(`/ui/partner/${token}/comment`, { comment: 'Article 1 should name the month.' });
    expect({ status: sent.status, location: sent.location }).toEqual({ status: 303, location: `/ui/partner/${token}?done=COMMENTED` });
    const told = (await api.as('manager').get('/api/notifications').expect(200)).body as { items: Array<{ kind: string; body: string }> };
    expect(told.items.find((notice) => notice.kind === 'partner_comment')?.body).toContain('Article 1 should name the month.');
  });

  it('says a link that opens nothing does not open, alike for unknown and revoked ones', async () => {
    const { id, token } = await issue();
    await api.as('manager').delete(`/api/partner-links/${id}`).expect(200);
    const partner = pagesAgent(api.http);
    const answers = [await partner.get('/ui/partner/no-such-token'), await partner.get(`/ui/partner/${token}`)];
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.html).toContain('This link is unknown, has been withdrawn, or has run out.');
    }
    expect(answers[0].html.replace(/value="[^"]*"/g, '')).toBe(answers[1].html.replace(/value="[^"]*"/g, ''));
  });

  it('lets a manager make a link from the partnership page, shown once, and withdraw it', async () => {
    const manager = await signInToPages(api.http, 'manager');
    const before = await manager.get(`/ui/partnerships/${agreed.id}`);
    expect(before.html).toContain('Ask the partner to confirm the agreed text');
    const refused = await manager.post(`/ui/partnerships/${agreed.id}/partner-links`, { name: 'Dean Omar', email: 'dean@example.edu', expiresInDays: '61' });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('expiresInDays must not be greater than 60');
    expect(inputValue(refused.html, 'pl-name')).toBe('Dean Omar');
    expect(inputValue(refused.html, 'pl-email')).toBe('dean@example.edu');

    const made = await manager.post(`/ui/partnerships/${agreed.id}/partner-links`, { name: 'Dean Omar', email: 'dean@example.edu', expiresInDays: '7' });
    expect(made.status).toBe(201);
    const url = inputValue(made.html, 'issued-link-url');
    expect(url).toMatch(/^http:\/\/localhost:3000\/partner\/[A-Za-z0-9_-]{43}$/);
    const token = url!.split('/').at(-1)!;
    expect((await pagesAgent(api.http).get(`/ui/partner/${token}`)).status).toBe(200);
    // Shown once: the page read again lists the link, not its address.
    const again = await manager.get(`/ui/partnerships/${agreed.id}`);
    expect(again.html).not.toContain(token);
    expect(again.html).toContain('Dean Omar');

    const links = (await api.as('manager').get(`/api/partner-links?partnershipId=${agreed.id}`).expect(200)).body as {
      items: Array<{ id: string; name: string }>;
    };
    const made7 = links.items.find((link) => link.name === 'Dean Omar')!;
    const withdrawn = await manager.post(`/ui/partnerships/${agreed.id}/partner-links/${made7.id}/revoke`, {});
    expect({ status: withdrawn.status, location: withdrawn.location }).toEqual({
      status: 303,
      location: `/ui/partnerships/${agreed.id}?done=PARTNER_LINK_REVOKED#partner-acknowledgements`,
    });
    expect((await pagesAgent(api.http).get(`/ui/partner/${token}`)).status).toBe(404);
    // An approver neither makes nor withdraws links.
    const approver = await signInToPages(api.http, 'approver');
    expect((await approver.get(`/ui/partnerships/${agreed.id}`)).html).not.toContain('Ask the partner to confirm the agreed text');
    expect((await approver.post(`/ui/partnerships/${agreed.id}/partner-links`, { name: 'Someone', expiresInDays: '7' })).status).toBe(403);
  });

  it('shows the manager who confirmed what and when, on the partnership page and in My work', async () => {
    const manager = await signInToPages(api.http, 'manager');
    const partnership = await manager.get(`/ui/partnerships/${agreed.id}`);
    expect(partnership.html).toContain('Confirmed by the partner');
    expect(partnership.html).toContain(`<strong>Sara Malik</strong> (Rector) confirmed the agreed text on ${api.clock.now().toISOString().slice(0, 10)}`);
    // What was confirmed is said in words; its fingerprint is in the integrity details, for those who check integrity.
    expect(partnership.html).not.toContain(sha256);
    const audited = (await (await signInToPages(api.http, 'auditor')).get(`/ui/partnerships/${agreed.id}`)).html;
    expect(/<details class="integrity" data-integrity>[^]*?<\/details>/.exec(audited)?.[0]).toMatch(
      new RegExp(`Confirmed by Sara Malik, [^<]*</dt><dd><code class="hash">${sha256}</code>`),
    );
    expect(partnership.html).toContain('Links sent to the partner');
    const work = await manager.get('/');
    expect(work.html).toContain('Confirmed by partners');
    expect(work.html).toContain('Sara Malik (Rector) confirmed the agreed text');
    // An approver reads who confirmed, not whom the links went to.
    const approver = await signInToPages(api.http, 'approver');
    const read = await approver.get(`/ui/partnerships/${agreed.id}`);
    expect(read.html).toContain('<strong>Sara Malik</strong> (Rector)');
    expect(read.html).not.toContain('Links sent to the partner');
  });
});
