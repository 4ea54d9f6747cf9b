import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson } from '../src/common/canonical-json.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { ReplayService } from '../src/workflow-engine/replay.service.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { drivePartnership, sendEvent, type Driven } from './support/drive.js';
import { partnershipInput, postOrganization } from './support/factories.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Uploaded {
  id: string;
  name: string;
  sha256: string;
}

interface PartnershipBody {
  version: number;
  state: string;
  drafts: Array<{ version: number; name: string; sha256: string; documentId: string | null }>;
  agreedText: { documentId: string; sha256: string } | null;
  signatures: Record<'partner' | 'own', { signatory: string; document: Uploaded | null } | null>;
}

/** SPEC, "Documents and the agreed text": SHARE_DRAFT, AGREE_TEXT and RECORD_SIGNATURE refer to uploaded documents; the old payloads keep working. */
describe('events that use uploaded documents', () => {
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    api = await createApiApp();
    organizationId = await postOrganization(api);
  });

  afterAll(() => api.close());

  const upload = async (partnershipId: string | null, kind: string, bytes: Buffer, filename: string): Promise<Uploaded> => {
    let test = api.as('manager').post('/api/documents').field('kind', kind);
    if (partnershipId) test = test.field('partnershipId', partnershipId);
    return (await test.attach('file', bytes, filename).expect(201)).body as Uploaded;
  };

  const send = async (p: Driven, body: object, status = 200) => {
    const response = await sendEvent(api, 'manager', p.id, p.version, body).expect(status);
    if (status === 200) p.version = (response.body as PartnershipBody).version;
    return response.body as PartnershipBody & { code?: string; message?: string };
  };

  it('shares uploaded drafts, agrees the latest one shared, and links the signed copies; the chain replays to the stored state', async () => {
    const p = await drivePartnership(api, organizationId, 'mou_drafting');
    const first = await upload(p.id, 'mou_draft', fixture('mou-draft-1.docx'), 'MOU v1.docx');
    const second = await upload(p.id, 'mou_draft', fixture('mou-draft-2.odt'), 'MOU v2.odt');
    await send(p, { type: 'SHARE_DRAFT', data: { documentId: first.id } });
    const shared = await send(p, { type: 'SHARE_DRAFT', data: { documentId: second.id }, comment: 'Two lectures a year' });
    expect(shared.drafts).toEqual([
      expect.objectContaining({ version: 1, name: 'MOU v1.docx', sha256: sha256(fixture('mou-draft-1.docx')), documentId: first.id }),
      expect.objectContaining({ version: 2, name: 'MOU v2.odt', sha256: sha256(fixture('mou-draft-2.odt')), documentId: second.id }),
    ]);
    expect(shared.agreedText).toBeNull();

    const agreed = await send(p, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31' } });
    expect(agreed).toMatchObject({ state: 'awaiting_signatures', agreedText: { documentId: second.id, sha256: second.sha256 } });

    const signed = await upload(p.id, 'signed_mou', fixture('mou-signed.pdf'), 'MOU signed.pdf');
    const half = await send(p, { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Rector', signedOn: '2026-03-01', documentId: signed.id } });
    expect(half.signatures.partner).toMatchObject({ signatory: 'Rector', document: { id: signed.id, name: 'MOU signed.pdf', sha256: signed.sha256 } });
    const both = await send(p, { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'Director', signedOn: '2026-03-02' } });
    expect(both).toMatchObject({ state: 'in_force.active', signatures: { own: { signatory: 'Director', document: null } } });

    const read = (await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body as PartnershipBody;
    expect(read.agreedText).toEqual({ documentId: second.id, sha256: second.sha256 });
    expect(read.signatures.partner?.document).toEqual({ id: signed.id, name: 'MOU signed.pdf', sha256: signed.sha256 });
    expect(await api.get(ReplayService).replay('partnership', p.id)).toMatchObject({ matches: true });
  });

  it('agrees the draft AGREE_TEXT names, not the latest', async () => {
    const p = await drivePartnership(api, organizationId, 'mou_drafting');
    const first = await upload(p.id, 'mou_draft', fixture('mou-draft-1.docx'), 'MOU v1.docx');
    const second = await upload(p.id, 'mou_draft', fixture('mou-draft-2.odt'), 'MOU v2.odt');
    await send(p, { type: 'SHARE_DRAFT', data: { documentId: first.id } });
    await send(p, { type: 'SHARE_DRAFT', data: { documentId: second.id } });
    const agreed = await send(p, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31', documentId: first.id } });
    expect(agreed.agreedText).toEqual({ documentId: first.id, sha256: first.sha256 });
    expect(await api.get(ReplayService).replay('partnership', p.id)).toMatchObject({ matches: true });
  });

  it('keeps the old payloads: a draft described by name and hash, a text agreed with no uploaded draft, a signature without a copy', async () => {
    const p = await drivePartnership(api, organizationId, 'mou_drafting');
    const uploaded = await upload(p.id, 'mou_draft', fixture('mou-draft-1.docx'), 'MOU v1.docx');
    await send(p, { type: 'SHARE_DRAFT', data: { documentId: uploaded.id } });
    // The latest draft was not uploaded: the text agreed is that one, so no uploaded text is recorded as agreed.
    const shared = await send(p, { type: 'SHARE_DRAFT', data: { document: { name: 'MOU v2.docx', sha256: 'c'.repeat(64) } } });
    expect(shared.drafts[1]).toEqual(expect.objectContaining({ name: 'MOU v2.docx', sha256: 'c'.repeat(64), url: null, documentId: null }));
    const agreed = await send(p, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31' } });
    expect(agreed).toMatchObject({ state: 'awaiting_signatures', agreedText: null });
    const half = await send(p, { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Rector', signedOn: '2026-03-01' } });
    expect(half.signatures.partner).toMatchObject({ signatory: 'Rector', document: null });
    expect(await api.get(ReplayService).replay('partnership', p.id)).toMatchObject({ matches: true });
  });

  it("refuses another partnership's draft, a document of another kind, an unknown one, and both ways of naming a draft at once; each refusal audited", async () => {
    const p = await drivePartnership(api, organizationId, 'mou_drafting');
    const other = await drivePartnership(api, organizationId, 'mou_drafting');
    const theirs = await upload(other.id, 'mou_draft', fixture('mou-draft-1.docx'), 'their MOU.docx');
    const loose = await upload(null, 'mou_draft', fixture('mou-draft-1.docx'), 'loose MOU.docx');
    const concept = await upload(p.id, 'concept_note', Buffer.from('A concept note.\n'), 'concept.txt');
    // An attachment changes what approvers judge, and so the partnership's version.
    p.version = ((await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body as PartnershipBody).version;
    const ours = await upload(p.id, 'mou_draft', fixture('mou-draft-2.odt'), 'MOU v2.odt');

    const refused = await send(p, { type: 'SHARE_DRAFT', data: { documentId: theirs.id } }, 422);
    expect(refused).toMatchObject({ code: 'WRONG_DOCUMENT', message: expect.stringContaining('of another partnership') });
    expect(await send(p, { type: 'SHARE_DRAFT', data: { documentId: loose.id } }, 422)).toMatchObject({ code: 'WRONG_DOCUMENT' });
    expect(await send(p, { type: 'SHARE_DRAFT', data: { documentId: concept.id } }, 422)).toMatchObject({
      code: 'WRONG_DOCUMENT',
      message: expect.stringContaining('is a concept_note'),
    });
    expect(await send(p, { type: 'SHARE_DRAFT', data: { documentId: '00000000-0000-4000-8000-000000000000' } }, 404)).toMatchObject({
      code: 'NOT_FOUND',
    });
    const both = { documentId: ours.id, document: { name: 'MOU v2.odt', sha256: ours.sha256 } };
    expect(await send(p, { type: 'SHARE_DRAFT', data: both }, 400)).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await send(p, { type: 'SHARE_DRAFT', data: { documentId: 'not-a-uuid' } }, 400)).toMatchObject({ code: 'VALIDATION_FAILED' });

    await send(p, { type: 'SHARE_DRAFT', data: { documentId: ours.id } });
    // A signed copy must be a signed_mou; an agreed text a mou_draft.
    expect(await send(p, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31', documentId: concept.id } }, 422)).toMatchObject({
      code: 'WRONG_DOCUMENT',
    });
    await send(p, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31' } });
    const signature = { party: 'partner', signatory: 'Rector', signedOn: '2026-03-01', documentId: ours.id };
    expect(await send(p, { type: 'RECORD_SIGNATURE', data: signature }, 422)).toMatchObject({
      code: 'WRONG_DOCUMENT',
      message: expect.stringContaining('signed_mou'),
    });

    const audit = (await api.as('auditor').get(`/api/audit?entityId=${p.id}&limit=200`).expect(200)).body as {
      items: Array<{ action: string; outcome: string }>;
    };
    // Every 422 above; a 400 or a 404 is not a refusal the chain records (SPEC "Audit": 403, 409, 412, 422).
    const refusals = audit.items.filter((row) => row.outcome !== 'ok').map((row) => row.action);
    expect(refusals).toEqual(['SHARE_DRAFT', 'SHARE_DRAFT', 'SHARE_DRAFT', 'AGREE_TEXT', 'RECORD_SIGNATURE']);
    expect(await api.get(ReplayService).replay('partnership', p.id)).toMatchObject({ matches: true });
  });

  describe('proposal attachments, judged with the proposal', () => {
    interface Review {
      state: string;
      version: number;
      contentHash: string;
      approvalCount: number;
    }

    const read = async (id: string) => (await api.as('auditor').get(`/api/partnerships/${id}`).expect(200)).body as Review;
    const pendingFor = async (id: string) =>
      ((await api.as('approver2').get('/api/approvals/pending').expect(200)).body as { items: Array<{ id: string; approvals: number }> }).items.find(
        (item) => item.id === id,
      );

    it('counts a concept note and a workplan in the content hash: one added after an approval makes that approval not count', async () => {
      const created = (
        await api
          .as('manager')
          .post('/api/partnerships')
          .send({ ...partnershipInput(organizationId), requiredApprovals: 2 })
          .expect(201)
      ).body as Review & { id: string };
      const p: Driven = { id: created.id, version: created.version };
      const bare = created.contentHash;
      await upload(p.id, 'concept_note', Buffer.from('Concept note: a lecture series.\n'), 'concept.txt');
      const withNote = await read(p.id);
      expect(withNote.contentHash).not.toBe(bare);
      expect(withNote.version).toBe(p.version + 1);
      p.version = withNote.version;
      // A draft of the MOU is no part of the proposal.
      await upload(p.id, 'mou_draft', fixture('mou-draft-1.docx'), 'MOU v1.docx');
      expect(await read(p.id)).toMatchObject({ contentHash: withNote.contentHash, version: p.version });

      await send(p, { type: 'SUBMIT_FOR_APPROVAL' });
      const seen = (await read(p.id)).contentHash;
      p.version = (await sendEvent(api, 'approver', p.id, p.version, { type: 'APPROVE', data: { contentHash: seen } }).expect(200)).body.version as number;
      expect(await read(p.id)).toMatchObject({ state: 'senior_management_review', approvalCount: 1 });
      expect(await pendingFor(p.id)).toMatchObject({ approvals: 1 });

      await upload(p.id, 'workplan', Buffer.from('Workplan: year one.\n'), 'workplan.md');
      const after = await read(p.id);
      expect(after).toMatchObject({ state: 'senior_management_review', approvalCount: 0 });
      expect(after.contentHash).not.toBe(seen);
      expect(await pendingFor(p.id)).toMatchObject({ approvals: 0 });
      // An approver who read the proposal before the workplan was added is refused; one who read it after counts alone, short of the quorum of two.
      const stale = await sendEvent(api, 'approver2', p.id, after.version, { type: 'APPROVE', data: { contentHash: seen } }).expect(422);
      expect(stale.body).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'approvedContentIsCurrent' } });
      const second = await sendEvent(api, 'approver2', p.id, after.version, { type: 'APPROVE', data: { contentHash: after.contentHash } }).expect(200);
      expect(second.body).toMatchObject({ state: 'senior_management_review', approvalCount: 1 });
      expect(await api.get(ReplayService).replay('partnership', p.id)).toMatchObject({ matches: true });
    });

    it('hashes attachments by kind, then SHA-256, whatever order they came in and whatever the database (SQLite or PostgreSQL)', async () => {
      const input = { ...partnershipInput(organizationId), requiredApprovals: 2 };
      const created = (await api.as('manager').post('/api/partnerships').send(input).expect(201)).body as Review & { id: string };
      const files = ['Workplan: year one.\n', 'Concept note, first.\n', 'Concept note, second.\n', 'Workplan: year two.\n', 'concept NOTE.\n'].map(
        (text, i) => ({ kind: i % 3 === 0 ? 'workplan' : 'concept_note', bytes: Buffer.from(text), name: `Attachment ${i}.txt` }),
      );
      const hashOrder = [...files].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : sha256(a.bytes) < sha256(b.bytes) ? -1 : 1));
      // Uploaded in the reverse of the order they are hashed in, so that an order by upload time would give another hash.
      const uploaded = new Map<Buffer, Uploaded>();
      for (const file of [...hashOrder].reverse()) uploaded.set(file.bytes, await upload(created.id, file.kind, file.bytes, file.name));

      const { title, summary, proposedActivities, requiredApprovals, approvalSlaDays } = await api.get(PartnershipsService).get(created.id);
      const organization = { name: 'Beaconhouse National University', kind: 'university', country: 'PK' };
      const attachments = hashOrder.map(({ kind, bytes, name }) => ({ id: uploaded.get(bytes)!.id, kind, name, sha256: sha256(bytes) }));
      const content = { title, organizationId, organization, summary, proposedActivities, requiredApprovals, approvalSlaDays, attachments };
      const expected = createHash('sha256').update(canonicalJson(content)).digest('hex');
      expect((await read(created.id)).contentHash).toBe(expected);

      // An approval of that hash counts, in the event's transaction and in the approvers' list, which reads many proposals' attachments in one statement.
      const p: Driven = { id: created.id, version: (await read(created.id)).version };
      await send(p, { type: 'SUBMIT_FOR_APPROVAL' });
      await sendEvent(api, 'approver', p.id, p.version, { type: 'APPROVE', data: { contentHash: expected } }).expect(200);
      expect(await pendingFor(p.id)).toMatchObject({ approvals: 1 });
    });

    it('leaves the content hash of a proposal without attachments as it was', async () => {
      const created = (await api.as('manager').post('/api/partnerships').send(partnershipInput(organizationId)).expect(201)).body as Review & { id: string };
      // The hash as it was computed before attachments entered it: approvals given then still count.
      const { title, summary, proposedActivities, requiredApprovals, approvalSlaDays } = await api.get(PartnershipsService).get(created.id);
      const organization = { name: 'Beaconhouse National University', kind: 'university', country: 'PK' };
      const content = { title, organizationId, organization, summary, proposedActivities, requiredApprovals, approvalSlaDays };
      expect(created.contentHash).toBe(createHash('sha256').update(canonicalJson(content)).digest('hex'));
    });
  });
});
