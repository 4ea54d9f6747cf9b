import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { plainQuery } from '../src/database/plain-query.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { sendEvent } from './support/drive.js';
import { partnershipInput, postOrganization } from './support/factories.js';

/**
 * SPEC "Workflows evolve", partnership-mou v2: an MOU signed before the system is recorded by an
 * admin straight into force, recorded as such; its defaults (approval deadline, renewal lead) come
 * from the definition's context and nowhere else. Here a v2 in a temporary WORKFLOWS_DIR whose
 * context asks for a five-day approval deadline and a 30-day renewal lead.
 */
const SIGNATURES = [
  { party: 'partner', signatory: 'Rector, Beaconhouse National University', signedOn: '2024-08-20' },
  { party: 'own', signatory: 'Executive Director', signedOn: '2024-08-25' },
];
const EXISTING = { effectiveFrom: '2024-09-01', expiresOn: '2027-08-31', signatures: SIGNATURES };

describe('an MOU signed before the system, recorded through RECORD_EXISTING, over HTTP', () => {
  const workflows = mkdtempSync(join(tmpdir(), 'workflows-existing-'));
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    for (const file of [
      'partnership-mou.v1.json',
      'partnership-mou.labels.json',
      'recurring-activity.v1.json',
      'recurring-activity.labels.json',
      'follow-up.v1.json',
      'follow-up.labels.json',
    ]) {
      copyFileSync(join('workflows', file), join(workflows, file));
    }
    const v2 = JSON.parse(readFileSync(join('workflows', 'partnership-mou.v2.json'), 'utf8')) as { machine: { context: Record<string, unknown> } };
    Object.assign(v2.machine.context, { approvalSlaDays: 5, renewalLeadDays: 30 });
    writeFileSync(join(workflows, 'partnership-mou.v2.json'), JSON.stringify(v2, null, 2));
    api = await createApiApp({ WORKFLOWS_DIR: workflows });
    organizationId = await postOrganization(api);
  });

  afterAll(async () => {
    await api.close();
    process.env.WORKFLOWS_DIR = 'workflows';
    rmSync(workflows, { recursive: true, force: true });
  });

  const propose = async () =>
    (await api.as('manager').post('/api/partnerships').send(partnershipInput(organizationId)).expect(201)).body as { id: string; version: number };
  const timersOf = (id: string) =>
    plainQuery<{ event: string; due_at: string }>(
      api.get(DataSource),
      'SELECT event, due_at FROM timers WHERE instance_id = ? AND fired_at IS NULL ORDER BY due_at',
      [id],
    );

  it('takes it straight into force, recorded as such: term, signatures, signed copy, activities, history', async () => {
    const p = await propose();
    const bytes = readFileSync(new URL('./fixtures/mou-signed.pdf', import.meta.url));
    const signed = (
      await api
        .as('manager')
        .post('/api/documents')
        .field('kind', 'signed_mou')
        .field('partnershipId', p.id)
        .attach('file', bytes, 'MOU 2024 signed.pdf')
        .expect(201)
    ).body as { id: string };
    const recorded = await sendEvent(api, 'admin', p.id, p.version, { type: 'RECORD_EXISTING', data: { ...EXISTING, documentId: signed.id } }).expect(200);
    expect(recorded.body).toMatchObject({
      state: 'in_force.active',
      expiresOn: '2027-08-31',
      currentTerm: { number: 1, kind: 'existing', effectiveFrom: '2024-09-01', expiresOn: '2027-08-31', by: api.ids.admin },
      signatures: { partner: { signatory: SIGNATURES[0].signatory, signedOn: '2024-08-20' }, own: { signatory: 'Executive Director', signedOn: '2024-08-25' } },
      recordedExisting: { by: api.ids.admin, at: '2026-03-02T09:00:00.000Z' },
      agreedText: { documentId: signed.id, sha256: createHash('sha256').update(bytes).digest('hex') },
      submittedBy: null,
      approvals: [],
    });
    // its commitments became activity series with occurrences, as for an MOU signed through the workflow
    expect((recorded.body.activities as unknown[]).length).toBe(3);
    const history = (await api.as('auditor').get(`/api/partnerships/${p.id}/history`).expect(200)).body.items as Array<{ action: string; description: string }>;
    expect(history.find((row) => row.action === 'RECORD_EXISTING')?.description).toBe(
      'recorded it as an MOU signed before the system, in force → In force · Active',
    );
    // the renewal window opens the definition's 30 days before the last day, not 90
    expect(await timersOf(p.id)).toEqual([
      { event: 'xstate.after.renewalWindow.partnership-mou.in_force.active', due_at: '2027-08-01T00:00:00.000Z' },
      { event: 'xstate.after.termExpiry.partnership-mou.in_force', due_at: '2027-09-01T00:00:00.000Z' },
    ]);
  });

  it('refuses it from anyone but an admin, with a term already over, or without both signatures', async () => {
    const p = await propose();
    expect((await sendEvent(api, 'manager', p.id, p.version, { type: 'RECORD_EXISTING', data: EXISTING }).expect(403)).body.code).toBe('FORBIDDEN');
    const ended = await sendEvent(api, 'admin', p.id, p.version, { type: 'RECORD_EXISTING', data: { ...EXISTING, expiresOn: '2025-08-31' } }).expect(422);
    expect(ended.body.details).toMatchObject({ rule: 'datesOrdered' });
    const twice = [SIGNATURES[0], { ...SIGNATURES[1], party: 'partner' }];
    const unsigned = await sendEvent(api, 'admin', p.id, p.version, { type: 'RECORD_EXISTING', data: { ...EXISTING, signatures: twice } }).expect(422);
    expect(unsigned.body.details).toMatchObject({ rule: 'existingSignatures', reason: 'the partner party must have signed exactly once (2 signatures given)' });
    const one = await sendEvent(api, 'admin', p.id, p.version, { type: 'RECORD_EXISTING', data: { ...EXISTING, signatures: SIGNATURES.slice(1) } }).expect(400);
    expect(one.body.code).toBe('VALIDATION_FAILED');
    const future = [SIGNATURES[0], { ...SIGNATURES[1], signedOn: '2026-03-03' }];
    expect(
      (await sendEvent(api, 'admin', p.id, p.version, { type: 'RECORD_EXISTING', data: { ...EXISTING, signatures: future } }).expect(422)).body.details.rule,
    ).toBe('existingSignatures');
    expect((await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body).toMatchObject({ state: 'proposal', version: p.version });
  });

  it('gives a new proposal the definition’s approval deadline, and escalates at twice it', async () => {
    const p = await propose();
    expect((await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body).toMatchObject({ approvalSlaDays: 5, workflow: { version: 2 } });
    await sendEvent(api, 'manager', p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    expect(await timersOf(p.id)).toEqual([
      { event: 'xstate.after.approvalSla.partnership-mou.senior_management_review', due_at: '2026-03-07T09:00:00.000Z' },
      { event: 'xstate.after.approvalEscalation.partnership-mou.senior_management_review', due_at: '2026-03-12T09:00:00.000Z' },
    ]);
  });
});
