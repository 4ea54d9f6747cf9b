import { createApiApp, type ApiApp, type UserName } from './support/api.js';
import { sendEvent } from './support/drive.js';
import { postOrganization, postPartnership } from './support/factories.js';

interface Proposal {
  id: string;
  version: number;
  organizationId: string;
}

/**
 * SPEC, "Who uses it": whoever wrote what approvers judge (the partnership's creator, its
 * submitter, and anyone who edited its judged content since the last submission) never approves
 * it; one person's decisions count once. And partnership-mou v1: approvers judge the proposal with
 * the organization it names, so renaming the organization invalidates earlier approvals.
 */
describe('who may decide on a proposal, and on what content, over HTTP', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
  });

  afterAll(() => api.close());

  async function proposal(by: UserName, overrides = {}): Promise<Proposal> {
    const organizationId = await postOrganization(api);
    const { id, version } = await postPartnership(api, organizationId, overrides, by);
    return { id, version, organizationId };
  }

  async function read(id: string, as: UserName = 'auditor') {
    return (await api.as(as).get(`/api/partnerships/${id}`).expect(200)).body;
  }

  async function edit(by: UserName, p: Proposal, changes: Record<string, unknown>): Promise<Proposal> {
    const edited = await api.as(by).patch(`/api/partnerships/${p.id}`).set('If-Match', `"${p.version}"`).send(changes).expect(200);
    return { ...p, version: edited.body.version };
  }

  async function step(by: UserName, p: Proposal, body: Record<string, unknown>): Promise<Proposal> {
    const answer = await sendEvent(api, by, p.id, p.version, body).expect(200);
    return { ...p, version: answer.body.version };
  }

  const inbox = async (as: UserName) => ((await api.as(as).get('/api/approvals/pending').expect(200)).body.items as Array<{ id: string }>).map((i) => i.id);

  async function expectSeparation(by: UserName, p: Proposal) {
    for (const type of ['APPROVE', 'REJECT', 'REQUEST_CHANGES']) {
      const refused = await sendEvent(api, by, p.id, p.version, { type, comment: 'Looks fine to me.' }).expect(403);
      expect(refused.body).toMatchObject({ statusCode: 403, code: 'SEPARATION_OF_DUTIES', details: { rule: 'notSubmitter' } });
      expect(refused.body.message).toContain('whoever created, edited or submitted a proposal cannot decide on it');
    }
    expect((await read(p.id, by)).availableEvents).not.toContain('APPROVE');
    expect(await inbox(by)).not.toContain(p.id);
  }

  it('refuses a decision by the proposal’s creator after someone else submitted it', async () => {
    const created = await proposal('managerApprover');
    const submitted = await step('manager', created, { type: 'SUBMIT_FOR_APPROVAL' });
    await expectSeparation('managerApprover', submitted);
    expect((await read(submitted.id)).state).toBe('senior_management_review');
    await step('approver', submitted, { type: 'APPROVE' });
  });

  it('refuses a decision by whoever edited the judged content since the last submission, not by whoever edited other details', async () => {
    const created = await proposal('manager');
    const edited = await edit('managerApprover', created, { summary: 'An annual named lecture, rewritten by a manager who also approves.' });
    const submitted = await step('manager', edited, { type: 'SUBMIT_FOR_APPROVAL' });
    await expectSeparation('managerApprover', submitted);
    // sent back, then edited and resubmitted by others: the earlier editor did not write this round's changes
    const sentBack = await step('approver', submitted, { type: 'REQUEST_CHANGES', comment: 'Name the lecture.' });
    const rewritten = await edit('manager2', sentBack, { title: 'The named annual lecture' });
    const resubmitted = await step('manager', rewritten, { type: 'SUBMIT_FOR_APPROVAL' });
    expect(await inbox('managerApprover')).toContain(resubmitted.id);
    await step('managerApprover', resubmitted, { type: 'APPROVE' });
    // notes are no part of what approvers judge
    const noted = await proposal('manager');
    const withNote = await edit('managerApprover', noted, { notes: 'Met the dean in Lahore.' });
    const noteSubmitted = await step('manager', withNote, { type: 'SUBMIT_FOR_APPROVAL' });
    expect((await read(noteSubmitted.id, 'managerApprover')).availableEvents).toEqual(['APPROVE', 'REJECT', 'REQUEST_CHANGES', 'WITHDRAW']);
    expect((await step('managerApprover', noteSubmitted, { type: 'APPROVE' })).version).toBe(noteSubmitted.version + 1);
  });

  it('refuses a decision by whoever attached a concept note or workplan to the proposal since the last submission', async () => {
    const submitted = await step('manager', await proposal('manager'), { type: 'SUBMIT_FOR_APPROVAL' });
    await api
      .as('managerApprover')
      .post('/api/documents')
      .field('kind', 'concept_note')
      .field('partnershipId', submitted.id)
      .attach('file', Buffer.from('A concept note for the annual named lecture, by a manager who also approves.'), 'concept-note.txt')
      .expect(201);
    const attached = { ...submitted, version: (await read(submitted.id)).version as number };
    expect(attached.version).toBe(submitted.version + 1);
    await expectSeparation('managerApprover', attached);
    await step('approver', attached, { type: 'APPROVE' });
  });

  it('binds approvals to the organization as it stands: renaming it changes the content hash and refuses an approval of the old one', async () => {
    const created = await proposal('manager');
    const submitted = await step('manager', created, { type: 'SUBMIT_FOR_APPROVAL' });
    const seen = (await read(submitted.id, 'approver')).contentHash as string;
    const org = (await api.as('manager').get(`/api/organizations/${created.organizationId}`).expect(200)).body;
    await api
      .as('manager')
      .patch(`/api/organizations/${org.id}`)
      .set('If-Match', `"${org.version}"`)
      .send({ name: 'Sanctioned Front Company Ltd' })
      .expect(200);
    const now = (await read(submitted.id, 'approver')).contentHash as string;
    expect(now).not.toBe(seen);
    const refused = await sendEvent(api, 'approver', submitted.id, submitted.version, { type: 'APPROVE', data: { contentHash: seen } }).expect(422);
    expect(refused.body).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'approvedContentIsCurrent' } });
    expect((await read(submitted.id)).state).toBe('senior_management_review');
    // its kind and country are judged too
    const renamed = (await api.as('manager').get(`/api/organizations/${org.id}`).expect(200)).body;
    await api.as('manager').patch(`/api/organizations/${org.id}`).set('If-Match', `"${renamed.version}"`).send({ country: 'AE' }).expect(200);
    expect((await read(submitted.id)).contentHash).not.toBe(now);
  });

  it('no longer counts an approval of the organization as it was; its approver may approve again, once', async () => {
    const created = await proposal('manager', { requiredApprovals: 2 });
    const submitted = await step('manager', created, { type: 'SUBMIT_FOR_APPROVAL' });
    const first = await step('approver', submitted, { type: 'APPROVE' });
    expect(await read(first.id)).toMatchObject({ approvalCount: 1 });
    const org = (await api.as('manager').get(`/api/organizations/${created.organizationId}`).expect(200)).body;
    await api
      .as('manager')
      .patch(`/api/organizations/${org.id}`)
      .set('If-Match', `"${org.version}"`)
      .send({ name: 'Sanctioned Front Company Ltd' })
      .expect(200);
    expect(await read(first.id)).toMatchObject({ approvalCount: 0 });
    expect(await inbox('approver')).toContain(first.id);
    const second = await step('approver2', first, { type: 'APPROVE' });
    expect(await read(second.id)).toMatchObject({ state: 'senior_management_review', approvalCount: 1 });
    const again = await step('approver', second, { type: 'APPROVE' });
    expect(await read(again.id)).toMatchObject({ state: 'mou_drafting', approvalCount: 2 });
  });
});
