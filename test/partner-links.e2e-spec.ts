import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { plainExecute, plainQuery } from '../src/database/plain-query.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { drivePartnership } from './support/drive.js';
import { postOrganization } from './support/factories.js';
import { inboxOf } from './support/notices.js';
import { agreeUploadedText } from './support/partner-links.js';
import { binaryBody } from './support/binary-body.js';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const draft = readFileSync(new URL('./fixtures/mou-draft-1.docx', import.meta.url));

interface Issued {
  id: string;
  url: string;
  token: string;
  expiresAt: string;
  sha256: string;
  status: string;
}

/** SPEC "The partner's acknowledgement", over HTTP: links bound to the agreed text's hash, and what the partner does through one. */
describe('partner links', () => {
  let api: ApiApp;
  let organizationId: string;
  /** A partnership whose text is agreed, and the agreed text's document. */
  let agreed: { id: string; documentId: string };

  const partner = (path: string) => request(api.http).get(`/api/partner/${path}`);
  const partnerPost = (path: string) => request(api.http).post(`/api/partner/${path}`);
  const issue = (id = agreed.id, body: Record<string, unknown> = { name: 'Prof. Sara Malik', email: 'rector@example.edu' }) =>
    api.as('manager').post(`/api/partnerships/${id}/partner-links`).send(body);

  beforeAll(async () => {
    api = await createApiApp();
    organizationId = await postOrganization(api, { name: 'Centre for Human Rights' });
    agreed = await agreeUploadedText(api, organizationId, draft, 'MOU final.docx');
  });

  afterAll(() => api.close());

  it('issues a link bound to the agreed text’s hash, its token answered once and stored as its SHA-256', async () => {
    const issued = (await issue().expect(201)).body as Issued;
    expect(issued).toMatchObject({ sha256: sha256(draft), status: 'open', url: `http://localhost:3000/partner/${issued.token}` });
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The default lifetime is 14 days from now.
    expect(issued.expiresAt).toBe(new Date(api.clock.now().getTime() + 14 * 86_400_000).toISOString());
    const [stored] = await plainQuery<{ token_hash: string }>(api.get(DataSource), 'SELECT token_hash FROM partner_links WHERE id = ?', [issued.id]);
    expect(stored.token_hash).toBe(sha256(issued.token));

    const listed = await api.as('auditor').get(`/api/partner-links?partnershipId=${agreed.id}`).expect(200);
    expect(listed.body).toMatchObject({ total: 1, items: [{ id: issued.id, name: 'Prof. Sara Malik', sha256: sha256(draft), acknowledgedAt: null }] });
    expect(JSON.stringify(listed.body)).not.toContain(issued.token);
    const created = (await api.as('auditor').get(`/api/audit?entityId=${issued.id}`).expect(200)).body as { items: Array<{ action: string }> };
    expect(created.items.map((row) => row.action)).toEqual(['CREATE']);
  });

  it('refuses a link while the partnership has no agreed text (409 NO_AGREED_TEXT), and lifetimes outside 1–60 days', async () => {
    const proposal = await drivePartnership(api, organizationId, 'mou_negotiation');
    const refused = await issue(proposal.id).expect(409);
    expect(refused.body).toMatchObject({ code: 'NO_AGREED_TEXT', details: { rule: 'agreedTextPresent' } });
    await issue('00000000-0000-4000-8000-000000000000').expect(404);
    for (const expiresInDays of [0, 61, 1.5, '7']) await issue(agreed.id, { name: 'Rector', expiresInDays }).expect(400);
    const longest = (await issue(agreed.id, { name: 'Rector', expiresInDays: 60 }).expect(201)).body as Issued;
    expect(longest.expiresAt).toBe(new Date(api.clock.now().getTime() + 60 * 86_400_000).toISOString());
  });

  it('shows the partner the terms and the text, and serves its bytes as document content is served', async () => {
    const { token } = (await issue().expect(201)).body as Issued;
    const view = await partner(token).expect(200);
    expect(view.headers['cache-control']).toBe('no-store');
    expect(view.body).toEqual({
      organization: { name: 'Centre for Human Rights', country: 'PK' },
      partnership: { title: 'Annual lecture and research collaboration' },
      term: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31' },
      agreedText: { name: 'MOU final.docx', sha256: sha256(draft), size: draft.length },
      acknowledgedAt: null,
    });
    const bytes = await partner(`${token}/document`).buffer(true).parse(binaryBody).expect(200);
    expect(sha256(bytes.body as Buffer)).toBe(sha256(draft));
    expect(bytes.headers).toMatchObject({
      'content-type': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'content-disposition': "attachment; filename*=UTF-8''MOU%20final.docx",
      etag: `"${sha256(draft)}"`,
      'x-content-type-options': 'nosniff',
    });
  });

  it('records an acknowledgement once, with the hash, in the audit chain; tells the owner; a second one is 409', async () => {
    const link = (await issue().expect(201)).body as Issued;
    const before = (await inboxOf(api, 'manager')).unread;
    const acknowledged = await partnerPost(`${link.token}/acknowledge`).send({ name: 'Sara Malik', title: 'Rector' }).expect(201);
    expect(acknowledged.body).toMatchObject({ agreedText: { sha256: sha256(draft) }, acknowledgedAt: api.clock.now().toISOString() });
    expect((await partner(link.token).expect(200)).body.acknowledgedAt).toBe(api.clock.now().toISOString());

    const rows = (await api.as('auditor').get(`/api/audit?entityId=${link.id}&action=PARTNER_ACKNOWLEDGED`).expect(200)).body as {
      items: Array<{ actorId: string; outcome: string; payload: Record<string, unknown> }>;
    };
    expect(rows.items).toHaveLength(1);
    expect(rows.items[0]).toMatchObject({
      actorId: `partner-link:${link.id}`,
      outcome: 'ok',
      payload: { partnershipId: agreed.id, sha256: sha256(draft), name: 'Sara Malik', title: 'Rector' },
    });
    const inbox = await inboxOf(api, 'manager');
    expect(inbox.unread).toBe(before + 1);
    const told = inbox.items.filter((notice) => notice.kind === 'partner_acknowledged');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ entityType: 'partnership', entityId: agreed.id, link: `http://localhost:3000/ui/partnerships/${agreed.id}` });
    expect(told[0].body).toContain('Sara Malik (Rector)');
    expect(told[0].body).toContain(sha256(draft));
    // The owner only: an approver hears nothing of it.
    expect((await inboxOf(api, 'approver')).items.some((notice) => notice.kind === 'partner_acknowledged')).toBe(false);

    const again = await partnerPost(`${link.token}/acknowledge`).send({ name: 'Sara Malik', title: 'Rector' }).expect(409);
    expect(again.body).toMatchObject({ code: 'CONFLICT', details: { rule: 'acknowledgedOnce' } });
    const denied = (await api.as('auditor').get(`/api/audit?entityId=${link.id}&action=PARTNER_ACKNOWLEDGED`).expect(200)).body as {
      items: Array<{ outcome: string }>;
    };
    expect(denied.items.map((row) => row.outcome).sort()).toEqual(['denied', 'ok']);
    const listed = (await api.as('manager').get(`/api/partner-links?partnershipId=${agreed.id}`).expect(200)).body as { items: Issued[] };
    expect(listed.items.find((item) => item.id === link.id)).toMatchObject({ status: 'acknowledged', acknowledgedName: 'Sara Malik' });
  });

  it('records one of several acknowledgements sent at once through one link, and refuses the others with 409', async () => {
    const link = (await issue().expect(201)).body as Issued;
    const body = { name: 'Sara Malik', title: 'Rector' };
    const answers = await Promise.all(Array.from({ length: 6 }, () => partnerPost(`${link.token}/acknowledge`).send(body)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const refused of answers.filter((answer) => answer.status === 409)) {
      expect(refused.body).toMatchObject({ code: 'CONFLICT', details: { rule: 'acknowledgedOnce' } });
    }
    const rows = (await api.as('auditor').get(`/api/audit?entityId=${link.id}&action=PARTNER_ACKNOWLEDGED`).expect(200)).body as {
      items: Array<{ outcome: string }>;
    };
    expect(rows.items.map((row) => row.outcome).sort()).toEqual(['denied', 'denied', 'denied', 'denied', 'denied', 'ok']);
  });

  it('passes a comment to the owner, and refuses empty and unknown fields', async () => {
    const { token } = (await issue().expect(201)).body as Issued;
    await partnerPost(`${token}/comment`).send({ comment: 'Article 4 should name the lecture’s month.' }).expect(201);
    const told = (await inboxOf(api, 'manager')).items.filter((notice) => notice.kind === 'partner_comment');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ entityType: 'partnership', entityId: agreed.id });
    expect(told[0].body).toContain('Article 4 should name the lecture’s month.');
    await partnerPost(`${token}/comment`).send({ comment: '' }).expect(400);
    await partnerPost(`${token}/acknowledge`).send({ name: 'Sara Malik', title: 'Rector', role: 'admin' }).expect(400);
    await partnerPost(`${token}/acknowledge`).send({ name: 'Sara Malik' }).expect(400);
    // A name or title that would read in another order than stored is refused: it is shown as who confirmed the text.
    for (const body of [
      { name: 'Sara \u202Ekilam', title: 'Rector' },
      { name: 'Sara Malik', title: 'Rec\u2067tor' },
    ]) {
      const refused = await partnerPost(`${token}/acknowledge`).send(body).expect(400);
      expect(refused.body.message).toContain('bidirectional');
    }
    await issue(agreed.id, { name: 'Prof. \u202ESara' }).expect(400);
    expect((await partner(token).expect(200)).body.acknowledgedAt).toBeNull();
  });

  it('answers an unknown, a revoked and an expired token alike: 404 with the same body', async () => {
    const revoked = (await issue().expect(201)).body as Issued;
    const revokedView = await api.as('manager').delete(`/api/partner-links/${revoked.id}`).expect(200);
    expect(revokedView.body).toMatchObject({ status: 'revoked', revokedAt: api.clock.now().toISOString() });
    await api.as('manager').delete(`/api/partner-links/${revoked.id}`).expect(409);
    const expiring = (await issue(agreed.id, { name: 'Rector', expiresInDays: 1 }).expect(201)).body as Issued;
    await partner(expiring.token).expect(200);
    api.clock.advanceDays(1);

    const bodies = [];
    for (const token of ['no-such-token', revoked.token, expiring.token]) {
      for (const answer of [
        await partner(token).expect(404),
        await partner(`${token}/document`).expect(404),
        await partnerPost(`${token}/acknowledge`).send({ name: 'Sara Malik', title: 'Rector' }).expect(404),
        await partnerPost(`${token}/comment`).send({ comment: 'Hello' }).expect(404),
      ]) {
        bodies.push(answer.body);
      }
    }
    expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
    expect(bodies[0]).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    const listed = (await api.as('manager').get(`/api/partner-links?partnershipId=${agreed.id}`).expect(200)).body as { items: Issued[] };
    expect(listed.items.find((item) => item.id === expiring.id)?.status).toBe('expired');
  });

  it('refuses to acknowledge a text other than the one the link was issued for (409 TEXT_CHANGED)', async () => {
    const link = (await issue().expect(201)).body as Issued;
    // The agreed text is recorded once per partnership by AGREE_TEXT; a link must still not confirm any other.
    const dataSource = api.get(DataSource);
    const [row] = await plainQuery<{ context: string }>(dataSource, 'SELECT context FROM partnerships WHERE id = ?', [agreed.id]);
    const context = JSON.parse(row.context) as { agreedText: { documentId: string; sha256: string } };
    const changed = { ...context, agreedText: { ...context.agreedText, sha256: 'e'.repeat(64) } };
    await plainExecute(dataSource, 'UPDATE partnerships SET context = ? WHERE id = ?', [JSON.stringify(changed), agreed.id]);
    try {
      const refused = await partnerPost(`${link.token}/acknowledge`).send({ name: 'Sara Malik', title: 'Rector' }).expect(409);
      expect(refused.body).toMatchObject({ code: 'TEXT_CHANGED', details: { linkSha256: sha256(draft), agreedSha256: 'e'.repeat(64) } });
      expect((await partner(link.token).expect(200)).body.acknowledgedAt).toBeNull();
    } finally {
      await plainExecute(dataSource, 'UPDATE partnerships SET context = ? WHERE id = ?', [row.context, agreed.id]);
    }
  });

  it('throttles an address that opens too many unknown links, valid ones included, until the window ends', async () => {
    const { token } = (await issue(agreed.id, { name: 'Rector', expiresInDays: 60 }).expect(201)).body as Issued;
    // A fresh window: the misses of the tests above are forgotten.
    api.clock.set(new Date(api.clock.now().getTime() + 16 * 60_000));
    for (let miss = 0; miss < 20; miss += 1) await partner(`guess-${miss}`).expect(404);
    const throttled = await partner('guess-20').expect(429);
    expect(throttled.body).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    await partner(token).expect(429);
    api.clock.set(new Date(api.clock.now().getTime() + 16 * 60_000));
    await partner(token).expect(200);
  });
});
