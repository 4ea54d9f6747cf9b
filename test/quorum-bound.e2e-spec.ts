import type { ApiApp } from './support/api.js';
import { createApiAppWithOrganization, partnershipInput, postPartnership } from './support/factories.js';
import { signInToPages } from './support/web-agent.js';

/**
 * SPEC, "Plain language": the quorum a proposal asks for cannot exceed the active approvers who
 * may decide it, or it would wait forever at "2/3 approvals". The test app has three approvers
 * (approver, approver2, managerApprover); whoever wrote the proposal does not count.
 */
describe('the quorum a proposal asks for, bounded by the approvers who may decide it', () => {
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    ({ api, organizationId } = await createApiAppWithOrganization());
  });

  afterAll(() => api.close());

  it('refuses a new proposal asking for more approvals than there are approvers, with 422 QUORUM_UNREACHABLE', async () => {
    const refused = await api
      .as('manager')
      .post('/api/partnerships')
      .send(partnershipInput(organizationId, { requiredApprovals: 4 }))
      .expect(422);
    expect(refused.body).toMatchObject({
      code: 'QUORUM_UNREACHABLE',
      message: 'the proposal asks for 4 approvals, but only 3 active approvers may decide it',
      details: { requiredApprovals: 4, approvers: 3 },
    });
    await api
      .as('manager')
      .post('/api/partnerships')
      .send(partnershipInput(organizationId, { requiredApprovals: 3 }))
      .expect(201);
    // Its author never decides on it: a manager who is also an approver leaves two.
    const own = await api
      .as('managerApprover')
      .post('/api/partnerships')
      .send(partnershipInput(organizationId, { requiredApprovals: 3 }))
      .expect(422);
    expect(own.body.details).toEqual({ requiredApprovals: 3, approvers: 2 });
    // The refusal is in the audit chain, as every refusal is.
    const denied = (await api.as('auditor').get('/api/audit?outcome=denied&limit=200').expect(200)).body.items as Array<{ payload: { code?: string } }>;
    expect(denied.filter((row) => row.payload.code === 'QUORUM_UNREACHABLE')).toHaveLength(2);
  });

  it('counts only active approvers, when the quorum is edited', async () => {
    const p = await postPartnership(api, organizationId, { requiredApprovals: 2 });
    await api.as('admin').patch(`/api/users/${api.ids.approver2}`).send({ active: false }).expect(200);
    try {
      const refused = await api.as('manager').patch(`/api/partnerships/${p.id}`).set('If-Match', `"${p.version}"`).send({ requiredApprovals: 3 }).expect(422);
      expect(refused.body).toMatchObject({ code: 'QUORUM_UNREACHABLE', details: { requiredApprovals: 3, approvers: 2 } });
      await api.as('manager').patch(`/api/partnerships/${p.id}`).set('If-Match', `"${p.version}"`).send({ requiredApprovals: 2 }).expect(200);
    } finally {
      await api.as('admin').patch(`/api/users/${api.ids.approver2}`).send({ active: true }).expect(200);
    }
  });

  it('says so beside the proposal form, keeping what was typed', async () => {
    const pages = await signInToPages(api.http, 'manager');
    await pages.get('/ui/partnerships/new');
    const refused = await pages.post('/ui/partnerships', {
      title: 'Lecture series with five approvals',
      organizationId,
      summary: 'A lecture series.',
      requiredApprovals: '5',
      approvalSlaDays: '14',
    });
    expect(refused.status).toBe(422);
    expect(refused.html).toContain('The proposal asks for 5 approvals, but only 3 active approvers may decide it. Ask for at most 3.');
    expect(refused.html).toContain('value="Lecture series with five approvals"');
    expect(refused.html).toMatch(/id="pf-quorum"[^>]*value="5"/);
    expect(refused.html).not.toContain('QUORUM_UNREACHABLE');
  });
});
