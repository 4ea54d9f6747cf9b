import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { verifyExport } from '../scripts/audit-verify.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { organizationInput, partnershipInput, postOrganization, postProposal } from './support/factories.js';
import { sendEvent } from './support/drive.js';

describe('the approval story over HTTP', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
  });

  afterAll(() => api.close());

  async function auditCount() {
    return (await api.as('auditor').get('/api/audit?limit=1').expect(200)).body.total as number;
  }

  it('takes a proposal through two approvals to MOU drafting', async () => {
    const p = await postProposal(api, { requiredApprovals: 2 });
    expect(p).toMatchObject({ state: 'proposal', version: 1 });

    const view = await api.as('manager').get(`/api/partnerships/${p.id}`).expect(200);
    expect(view.headers.etag).toBe('"1"');
    expect(view.body.availableEvents).toEqual(['SUBMIT_FOR_APPROVAL', 'WITHDRAW']);
    expect((await api.as('approver').get(`/api/partnerships/${p.id}`).expect(200)).body.availableEvents).toEqual([]);

    const submitted = await sendEvent(api, 'manager', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    expect(submitted.headers.etag).toBe('"2"');
    expect(submitted.body).toMatchObject({ state: 'senior_management_review', version: 2, submittedBy: api.ids.manager });

    const inbox = await api.as('approver').get('/api/approvals/pending').expect(200);
    expect(inbox.body.items.map((i: { id: string }) => i.id)).toContain(p.id);
    expect((await api.as('approver').get(`/api/partnerships/${p.id}`)).body.availableEvents).toEqual(['APPROVE', 'REJECT', 'REQUEST_CHANGES']);

    const first = await sendEvent(api, 'approver', p.id, 2, { type: 'APPROVE', data: { contentHash: submitted.body.contentHash } }).expect(200);
    expect(first.body).toMatchObject({ state: 'senior_management_review', approvalCount: 1 });
    // Once approved, the item leaves this approver's inbox but stays in the other's.
    expect((await api.as('approver').get('/api/approvals/pending')).body.items.map((i: { id: string }) => i.id)).not.toContain(p.id);
    expect((await api.as('approver2').get('/api/approvals/pending')).body.items.map((i: { id: string }) => i.id)).toContain(p.id);

    const second = await sendEvent(api, 'approver2', p.id, 3, { type: 'APPROVE' }).expect(200);
    expect(second.body.state).toBe('mou_drafting');
    expect(second.body.approvals.map((a: { by: string; contentHash: string }) => [a.by, a.contentHash])).toEqual([
      [api.ids.approver, submitted.body.contentHash],
      [api.ids.approver2, submitted.body.contentHash],
    ]);

    const history = await api.as('auditor').get(`/api/partnerships/${p.id}/history`).expect(200);
    expect(
      history.body.items.map((h: { action: string; actor: { username: string }; fromState: string; toState: string }) => [
        h.action,
        h.actor.username,
        h.fromState,
        h.toState,
      ]),
    ).toEqual([
      ['CREATE', 'manager', null, 'proposal'],
      ['SUBMIT_FOR_APPROVAL', 'manager', 'proposal', 'senior_management_review'],
      ['APPROVE', 'approver', 'senior_management_review', 'senior_management_review'],
      ['APPROVE', 'approver2', 'senior_management_review', 'mou_drafting'],
    ]);
  });

  it('refuses a manager-approver approving their own submission with 403 SEPARATION_OF_DUTIES', async () => {
    const p = await postProposal(api, {}, 'managerApprover');
    await sendEvent(api, 'managerApprover', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    const refused = await sendEvent(api, 'managerApprover', p.id, 2, { type: 'APPROVE' }).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403, code: 'SEPARATION_OF_DUTIES' });
    expect((await api.as('managerApprover').get('/api/approvals/pending')).body.items.map((i: { id: string }) => i.id)).not.toContain(p.id);
  });

  it('does not count a second approval by the same approver', async () => {
    const p = await postProposal(api, { requiredApprovals: 2 });
    await sendEvent(api, 'manager', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    await sendEvent(api, 'approver', p.id, 2, { type: 'APPROVE' }).expect(200);
    const again = await sendEvent(api, 'approver', p.id, 3, { type: 'APPROVE' }).expect(422);
    expect(again.body).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'notAlreadyApproved' } });
    const now = await api.as('manager').get(`/api/partnerships/${p.id}`).expect(200);
    expect(now.body).toMatchObject({ state: 'senior_management_review', approvalCount: 1, version: 3 });
  });

  it('refuses REQUEST_CHANGES without a comment (422), then takes it with one', async () => {
    const p = await postProposal(api);
    await sendEvent(api, 'manager', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    const refused = await sendEvent(api, 'approver', p.id, 2, { type: 'REQUEST_CHANGES' }).expect(422);
    expect(refused.body).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'requires', missing: ['comment'] } });
    const back = await sendEvent(api, 'approver', p.id, 2, { type: 'REQUEST_CHANGES', comment: 'Add the course outline.' }).expect(200);
    expect(back.body).toMatchObject({
      state: 'proposal',
      decisions: [expect.objectContaining({ decision: 'REQUEST_CHANGES', comment: 'Add the course outline.' })],
    });
  });

  it('refuses a submission with every problem at once, audited as one refusal, and changes nothing', async () => {
    const p = await postProposal(api, { summary: undefined, proposedActivities: [] });
    const before = await auditCount();
    const refused = await sendEvent(api, 'manager', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL' }).expect(422);
    expect(refused.body).toEqual({
      statusCode: 422,
      code: 'GUARD_FAILED',
      message: expect.stringMatching(/^SUBMIT_FOR_APPROVAL refused: fieldsPresent: .*summary.*; minItems: .*activit/),
      details: {
        rule: 'fieldsPresent',
        reason: expect.stringContaining('summary'),
        problems: [
          { rule: 'fieldsPresent', reason: expect.stringContaining('summary') },
          { rule: 'minItems', reason: expect.stringContaining('activit') },
        ],
      },
    });
    expect(await auditCount()).toBe(before + 1);
    expect((await api.as('manager').get(`/api/partnerships/${p.id}`).expect(200)).body).toMatchObject({ state: 'proposal', version: 1 });
  });

  it('needs If-Match (428) and refuses a stale one (412) with the current version', async () => {
    const p = await postProposal(api);
    const missing = await api.as('manager').post(`/api/partnerships/${p.id}/events`).send({ type: 'SUBMIT_FOR_APPROVAL' }).expect(428);
    expect(missing.body.code).toBe('PRECONDITION_REQUIRED');
    await api.as('manager').patch(`/api/partnerships/${p.id}`).send({ notes: 'x' }).expect(428);
    const empty = await api.as('manager').patch(`/api/partnerships/${p.id}`).set('If-Match', '"1"').send({}).expect(400);
    expect(empty.body.code).toBe('VALIDATION_FAILED');
    await api.as('manager').patch(`/api/partnerships/${p.id}`).set('If-Match', '"1"').send({ notes: 'First note' }).expect(200);
    const stale = await sendEvent(api, 'manager', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL' }).expect(412);
    expect(stale.body).toMatchObject({ code: 'VERSION_MISMATCH', details: { currentVersion: 2 } });
    expect((await api.as('manager').get(`/api/partnerships/${p.id}`)).body.state).toBe('proposal');
  });

  it('replays an Idempotency-Key with the same body and refuses it with another', async () => {
    const p = await postProposal(api);
    const before = await auditCount();
    const first = await sendEvent(api, 'manager', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL' }).set('Idempotency-Key', 'submit-1').expect(200);
    const replay = await sendEvent(api, 'manager', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL' }).set('Idempotency-Key', 'submit-1').expect(200);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.etag).toBe(first.headers.etag);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await auditCount()).toBe(before + 1);
    const changed = await sendEvent(api, 'manager', p.id, 1, { type: 'WITHDRAW' }).set('Idempotency-Key', 'submit-1').expect(422);
    expect(changed.body.code).toBe('IDEMPOTENCY_CONFLICT');
    expect((await api.as('manager').get(`/api/partnerships/${p.id}`)).body).toMatchObject({ state: 'senior_management_review', version: 2 });
  });

  it('answers a dry run without writing anything', async () => {
    const p = await postProposal(api);
    const before = await auditCount();
    const dry = await api
      .as('manager')
      .post(`/api/partnerships/${p.id}/events?dryRun=true`)
      .set('If-Match', '"1"')
      .send({ type: 'SUBMIT_FOR_APPROVAL' })
      .expect(200);
    expect(dry.body).toMatchObject({ dryRun: true, from: 'proposal', to: 'senior_management_review', changed: true });
    // the approval deadline, and the escalation at twice it (partnership-mou v2)
    expect(dry.body.timers.schedule).toHaveLength(2);
    expect(await auditCount()).toBe(before);
    expect((await api.as('manager').get(`/api/partnerships/${p.id}`)).body).toMatchObject({ state: 'proposal', version: 1 });
    const refused = await api.as('manager').post(`/api/partnerships/${p.id}/events?dryRun=true`).set('If-Match', '"1"').send({ type: 'APPROVE' }).expect(409);
    expect(refused.body).toMatchObject({ code: 'EVENT_NOT_ALLOWED', details: { allowedEvents: ['SUBMIT_FOR_APPROVAL', 'WITHDRAW'] } });
  });

  it('refuses unknown body fields with 400 and stores nothing', async () => {
    const organizationId = await postOrganization(api);
    const listBefore = (await api.as('manager').get('/api/partnerships?limit=1')).body.total;
    const bad = await api
      .as('manager')
      .post('/api/partnerships')
      .send({ ...partnershipInput(organizationId), isAdmin: true })
      .expect(400);
    expect(bad.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(bad.body.message).toContain('isAdmin');
    expect((await api.as('manager').get('/api/partnerships?limit=1')).body.total).toBe(listBefore);
    const p = await postProposal(api);
    const badData = await sendEvent(api, 'manager', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL', data: { sneaky: 1 } }).expect(400);
    expect(badData.body.code).toBe('VALIDATION_FAILED');
    await sendEvent(api, 'manager', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL', extra: 'x' }).expect(400);
    expect((await api.as('manager').get(`/api/partnerships/${p.id}`)).body.version).toBe(1);
  });

  it("refuses a disabled user's existing token with 401", async () => {
    await api.as('manager2').get('/api/partnerships').expect(200);
    await api.as('admin').patch(`/api/users/${api.ids.manager2}`).send({ active: false }).expect(200);
    const refused = await api.as('manager2').get('/api/partnerships').expect(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');
    await api.as('admin').patch(`/api/users/${api.ids.manager2}`).send({ active: true }).expect(200);
  });

  it('records every denied attempt in the audit log', async () => {
    const p = await postProposal(api);
    const before = await auditCount();
    await sendEvent(api, 'manager', p.id, 1, { type: 'SHARE_DRAFT' }).expect(409); // not in this state
    await sendEvent(api, 'manager', p.id, 7, { type: 'SUBMIT_FOR_APPROVAL' }).expect(412); // stale
    await api.as('auditor').post('/api/organizations').send(organizationInput()).expect(403); // auditors change nothing
    await sendEvent(api, 'manager', p.id, 1, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    await sendEvent(api, 'manager', p.id, 2, { type: 'APPROVE' }).expect(403); // an approver's event
    await sendEvent(api, 'approver', p.id, 2, { type: 'REJECT' }).expect(422); // needs a comment
    const rows = (await api.as('auditor').get(`/api/audit?outcome=denied&limit=200`).expect(200)).body.items as Array<{
      seq: number;
      action: string;
      payload: { code: string };
    }>;
    const recent = rows.filter((r) => r.seq > before).map((r) => [r.action, r.payload.code]);
    expect(recent).toEqual([
      ['SHARE_DRAFT', 'EVENT_NOT_ALLOWED'],
      ['SUBMIT_FOR_APPROVAL', 'VERSION_MISMATCH'],
      ['POST /api/organizations', 'FORBIDDEN'],
      ['APPROVE', 'FORBIDDEN'],
      ['REJECT', 'GUARD_FAILED'],
    ]);
  });

  it('verifies the chain after all of it, and an offline check finds a tampered export', async () => {
    const verify = await api.as('auditor').get('/api/audit/verify').expect(200);
    expect(verify.body).toMatchObject({ ok: true, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const exported = await request(api.http)
      .get('/api/audit/export?format=jsonl')
      .set('Authorization', `Bearer ${api.tokens.auditor}`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    const lines = (exported.body as string).trim().split('\n');
    expect(lines).toHaveLength(verify.body.events);
    const dir = mkdtempSync(join(tmpdir(), 'audit-export-'));
    const good = join(dir, 'good.jsonl');
    writeFileSync(good, exported.body as string);
    expect(await verifyExport(good)).toEqual({
      ok: true,
      events: verify.body.events,
      headHash: verify.body.headHash,
      checkpoints: { checked: 0, lastSeq: null, signatures: 'not checked' },
      documents: [],
    });
    const tampered = lines.map((line) => JSON.parse(line));
    const target = tampered.find((row) => row.action === 'APPROVE' && row.outcome === 'ok');
    target.actorId = api.ids.manager;
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, tampered.map((row) => JSON.stringify(row)).join('\n') + '\n');
    expect(await verifyExport(bad)).toMatchObject({ ok: false, firstBadSeq: target.seq });
    const csv = await api.as('auditor').get('/api/audit/export?format=csv').expect(200);
    expect(csv.text.split('\n')[0]).toBe(
      'seq,occurredAt,actorId,actorName,actorRoles,action,entityType,entityId,fromState,toState,workflowId,workflowVersion,outcome,requestId,payload,prevHash,hash',
    );
    expect(readFileSync(good, 'utf8').length).toBeGreaterThan(0);
  });
});
