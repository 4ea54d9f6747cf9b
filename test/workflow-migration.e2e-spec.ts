import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { plainQuery } from '../src/database/plain-query.js';
import { TimersService } from '../src/timers/timers.service.js';
import { ADMIN_PASSWORD, createApiApp, type ApiApp } from './support/api.js';
import { drivePartnership, sendEvent, type Driven } from './support/drive.js';
import { postOrganization } from './support/factories.js';
import { inboxOf } from './support/notices.js';
import { dropDatabase } from './support/test-app.js';
import { signInToPages } from './support/web-agent.js';

/**
 * SPEC "Workflows evolve": partnerships started on partnership-mou v1 keep running on it once v2 is
 * published, new ones start on the latest version, and an admin migrates running ones with a dry run
 * first, one transaction each, audited, their timers following the new version, replay across it.
 * Then a throwaway v3, written only for this test in its temporary WORKFLOWS_DIR, renames a state,
 * and a partnership migrated twice still replays to its stored state.
 */
const MOU_FILES = ['partnership-mou.labels.json', 'recurring-activity.v1.json', 'recurring-activity.labels.json', 'follow-up.v1.json', 'follow-up.labels.json'];

interface Item {
  id: string;
  fromState: string;
  toState: string | null;
  ok: boolean;
  reason?: string;
}

/** v2 with `mou_negotiation` renamed `negotiation`: a new version a workflow author might publish. */
function throwawayV3(dir: string): void {
  const text = readFileSync(join('workflows', 'partnership-mou.v2.json'), 'utf8').replaceAll('mou_negotiation', 'negotiation');
  const definition = JSON.parse(text) as { version: number; description: string };
  Object.assign(definition, { version: 3, description: 'v2, its negotiation state renamed: a version written for the migration test.' });
  writeFileSync(join(dir, 'partnership-mou.v3.json'), JSON.stringify(definition, null, 2));
  const labels = JSON.parse(readFileSync(join(dir, 'partnership-mou.labels.json'), 'utf8')) as { states: Record<string, unknown> };
  labels.states.negotiation = { title: 'Negotiation', phrase: 'went into negotiation' };
  writeFileSync(join(dir, 'partnership-mou.labels.json'), JSON.stringify(labels, null, 2));
}

describe('migrating running partnerships between workflow versions, over HTTP', () => {
  const workflows = mkdtempSync(join(tmpdir(), 'workflows-migration-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'partnership-engine-migration-'));
  let api: ApiApp;
  let organizationId: string;
  let review: Driven;
  let inForce: Driven;
  let negotiating: Driven;
  let withdrawn: Driven;
  let proposal: Driven;
  let v1Timers: Map<string, Array<{ event: string; due_at: string }>>;

  const timersOf = (id: string) =>
    plainQuery<{ event: string; due_at: string }>(
      api.get(DataSource),
      'SELECT event, due_at FROM timers WHERE instance_id = ? AND fired_at IS NULL ORDER BY event',
      [id],
    );
  const migrate = (body: object, user: 'admin' | 'manager' = 'admin') => api.as(user).post('/api/workflows/partnership-mou/migrations').send(body);
  const read = async (id: string) => (await api.as('auditor').get(`/api/partnerships/${id}`).expect(200)).body as Record<string, unknown> & { version: number };
  const auditRows = async () => Number((await plainQuery<{ n: number | string }>(api.get(DataSource), 'SELECT COUNT(*) AS n FROM audit_events', []))[0].n);

  beforeAll(async () => {
    for (const file of ['partnership-mou.v1.json', ...MOU_FILES]) copyFileSync(join('workflows', file), join(workflows, file));
    // Published: v1 only. Partnerships start on it and move on.
    api = await createApiApp({ WORKFLOWS_DIR: workflows }, { dataDir });
    organizationId = await postOrganization(api);
    review = await drivePartnership(api, organizationId, 'senior_management_review');
    inForce = await drivePartnership(api, organizationId, 'in_force.active');
    negotiating = await drivePartnership(api, organizationId, 'mou_negotiation');
    proposal = await drivePartnership(api, organizationId, 'proposal');
    const toWithdraw = await drivePartnership(api, organizationId, 'proposal');
    withdrawn = {
      id: toWithdraw.id,
      version: (await sendEvent(api, 'manager', toWithdraw.id, toWithdraw.version, { type: 'WITHDRAW' }).expect(200)).body.version,
    };
    v1Timers = new Map();
    for (const p of [review, inForce]) v1Timers.set(p.id, await timersOf(p.id));
    await api.close();
    // v2 and a throwaway v3 are published; the service starts again on the same database.
    copyFileSync(join('workflows', 'partnership-mou.v2.json'), join(workflows, 'partnership-mou.v2.json'));
    throwawayV3(workflows);
    api = await createApiApp({ WORKFLOWS_DIR: workflows }, { dataDir, reopen: true });
  });

  afterAll(async () => {
    await api.close();
    await dropDatabase(dataDir);
    process.env.WORKFLOWS_DIR = 'workflows';
    for (const dir of [workflows, dataDir]) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps v1 partnerships on v1, taking events, and starts new ones on the latest version', async () => {
    expect((await read(proposal.id)).workflow).toMatchObject({ version: 1 });
    const started = await api.as('manager').post('/api/partnerships').send({ title: 'A new proposal', organizationId }).expect(201);
    expect(started.body.workflow).toMatchObject({ id: 'partnership-mou', version: 3 });
    // v1 has no RECORD_EXISTING: the admin is offered nothing on a v1 proposal, RECORD_EXISTING on the new one
    expect((await api.as('admin').get(`/api/partnerships/${proposal.id}`).expect(200)).body.availableEvents).toEqual([]);
    expect((await api.as('admin').get(`/api/partnerships/${started.body.id}`).expect(200)).body.availableEvents).toEqual(['RECORD_EXISTING']);
    // in force on v1, the notes are not editable
    await api.as('manager').patch(`/api/partnerships/${inForce.id}`).set('If-Match', `"${inForce.version}"`).send({ notes: 'x' }).expect(409);
  });

  it('refuses a migration asked by a non-admin, or between versions that are not a later one, or with a mapping to no state', async () => {
    expect((await migrate({ fromVersion: 1, toVersion: 2, dryRun: true }, 'manager').expect(403)).body.code).toBe('FORBIDDEN');
    expect((await migrate({ fromVersion: 2, toVersion: 2, dryRun: true }).expect(400)).body.details.errors).toEqual([
      'toVersion must be a later version than fromVersion',
    ]);
    expect((await migrate({ fromVersion: 1, toVersion: 9, dryRun: true }).expect(404)).body.code).toBe('NOT_FOUND');
    expect((await migrate({ fromVersion: 1, toVersion: 2, mapping: { proposal: 'draft' }, dryRun: true }).expect(400)).body.details.errors).toEqual([
      'mapping.proposal must name a state of partnership-mou v2',
    ]);
    await migrate({ fromVersion: 1, toVersion: 2 }).expect(400);
    expect(
      (await api.as('admin').post('/api/workflows/no-such-workflow/migrations').send({ fromVersion: 1, toVersion: 2, dryRun: true }).expect(404)).body.code,
    ).toBe('NOT_FOUND');
  });

  it('answers a dry run with each partnership’s fate, changing nothing', async () => {
    const before = await auditRows();
    const items = (await migrate({ fromVersion: 1, toVersion: 2, dryRun: true }).expect(200)).body.items as Item[];
    const fate = new Map(items.map((item) => [item.id, item]));
    expect(fate.get(review.id)).toEqual({ id: review.id, fromState: 'senior_management_review', toState: 'senior_management_review', ok: true });
    expect(fate.get(inForce.id)).toEqual({ id: inForce.id, fromState: 'in_force.active', toState: 'in_force.active', ok: true });
    expect(fate.get(withdrawn.id)).toMatchObject({ ok: false, toState: null, reason: expect.stringContaining('it has ended (withdrawn)') });
    expect(items.filter((item) => item.ok)).toHaveLength(4);
    expect(await auditRows()).toBe(before);
    expect((await read(review.id)).workflow).toMatchObject({ version: 1 });
  });

  it('migrates each partnership in its own transaction, audited with both versions and hashes, its timers those of the new version', async () => {
    const ids = [review.id, inForce.id, negotiating.id, withdrawn.id, randomUUID()];
    const items = (await migrate({ fromVersion: 1, toVersion: 2, partnershipIds: ids, dryRun: false }).expect(200)).body.items as Item[];
    expect(items.map((item) => [item.ok, item.toState])).toEqual([
      [true, 'senior_management_review'],
      [true, 'in_force.active'],
      [true, 'mou_negotiation'],
      [false, null],
      [false, null],
    ]);
    expect(items[4].reason).toBe(`no partnership-mou instance ${ids[4]}`);
    const [v1, v2] = await Promise.all(
      [1, 2].map(async (v) => (await api.as('auditor').get(`/api/workflows/partnership-mou/versions/${v}`).expect(200)).body.hash as string),
    );
    for (const id of [review.id, inForce.id]) {
      const now = await read(id);
      expect(now.workflow).toEqual({ id: 'partnership-mou', version: 2, definitionHash: v2 });
      const history = (await api.as('auditor').get(`/api/partnerships/${id}/history?limit=200`).expect(200)).body.items as Array<{
        action: string;
        description: string;
      }>;
      expect(history.filter((row) => row.action === 'WORKFLOW_MIGRATED').map((row) => row.description)).toEqual([
        'moved it from version 1 to version 2 of its workflow',
      ]);
      const rows = await plainQuery<{ workflow_version: number; payload: string }>(
        api.get(DataSource),
        "SELECT workflow_version, payload FROM audit_events WHERE entity_id = ? AND action = 'WORKFLOW_MIGRATED'",
        [id],
      );
      expect(rows.map((row) => [Number(row.workflow_version), (JSON.parse(row.payload) as { migration: unknown }).migration])).toEqual([
        [2, { workflowId: 'partnership-mou', fromVersion: 1, toVersion: 2, fromHash: v1, toHash: v2, mapping: {} }],
      ]);
    }
    // The review keeps its approval deadline and gains v2's escalation at twice it, both from the submission; the MOU keeps its renewal and expiry.
    const [sla] = v1Timers.get(review.id) ?? [];
    expect(sla.event).toBe('xstate.after.approvalSla.partnership-mou.senior_management_review');
    const submittedAt = Date.parse(sla.due_at) - 14 * 86_400_000;
    expect(await timersOf(review.id)).toEqual([
      { event: 'xstate.after.approvalEscalation.partnership-mou.senior_management_review', due_at: new Date(submittedAt + 28 * 86_400_000).toISOString() },
      sla,
    ]);
    expect(await timersOf(inForce.id)).toEqual(v1Timers.get(inForce.id));
    // Migrated once: a second run finds them on v2 already.
    const again = (await migrate({ fromVersion: 1, toVersion: 2, partnershipIds: [review.id], dryRun: false }).expect(200)).body.items as Item[];
    expect(again).toEqual([{ id: review.id, fromState: 'senior_management_review', toState: null, ok: false, reason: 'it runs on v2, not v1' }]);
  });

  it('runs a migrated partnership on the new version: its escalation tells every admin, and details are editable in force', async () => {
    api.clock.set('2026-03-31T10:00:00.000Z');
    await api.get(TimersService).fireDue();
    expect((await read(review.id)).overdue).toBe(true);
    const told = (await inboxOf(api, 'admin', '?limit=200')).items.filter((n) => n.kind === 'approval_escalated');
    expect(told.map((n) => n.link)).toEqual([expect.stringContaining(`/ui/partnerships/${review.id}`)]);
    const current = await read(inForce.id);
    const edited = await api
      .as('manager')
      .patch(`/api/partnerships/${inForce.id}`)
      .set('If-Match', `"${current.version}"`)
      .send({ notes: 'Lecture moved to the spring', ownerId: api.ids.manager2 })
      .expect(200);
    expect(edited.body).toMatchObject({ notes: 'Lecture moved to the spring', ownerId: api.ids.manager2, createdBy: api.ids.manager });
  });

  it('moves a state renamed in a later version only when the mapping names its counterpart, and replays across both migrations', async () => {
    const unmapped = (await migrate({ fromVersion: 2, toVersion: 3, partnershipIds: [negotiating.id], dryRun: true }).expect(200)).body.items as Item[];
    expect(unmapped).toEqual([
      {
        id: negotiating.id,
        fromState: 'mou_negotiation',
        toState: 'mou_negotiation',
        ok: false,
        reason: 'partnership-mou v3 has no state mou_negotiation: name its counterpart in mapping',
      },
    ]);
    const mapping = { mou_negotiation: 'negotiation' };
    const moved = (await migrate({ fromVersion: 2, toVersion: 3, mapping, partnershipIds: [negotiating.id], dryRun: false }).expect(200)).body.items as Item[];
    expect(moved).toEqual([{ id: negotiating.id, fromState: 'mou_negotiation', toState: 'negotiation', ok: true }]);
    const now = await read(negotiating.id);
    expect(now).toMatchObject({ state: 'negotiation', workflow: { version: 3 } });
    await sendEvent(api, 'manager', negotiating.id, now.version, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31' } }).expect(
      200,
    );
    for (const id of [negotiating.id, review.id, inForce.id]) {
      const replay = (await api.as('auditor').get(`/api/partnerships/${id}/replay`).expect(200)).body as { ok: boolean; storedState: { value: string } };
      expect({ id, ok: replay.ok }).toEqual({ id, ok: true });
    }
    expect((await api.as('auditor').get('/api/audit/verify').expect(200)).body).toMatchObject({ ok: true });
  });

  it('lets an admin do it from the Workflows page: what would happen to each partnership, in words, then the move once confirmed', async () => {
    const manager = await signInToPages(api.http, 'manager');
    expect((await manager.get('/ui/workflows')).status).toBe(403);
    const admin = await signInToPages(api.http, 'admin', ADMIN_PASSWORD);
    const page = await admin.get('/ui/workflows');
    expect(page.html).toContain('Version 1: 2 run on it');
    const preview = await admin.post('/ui/workflows/partnership-mou/preview', { fromVersion: '1', toVersion: '2', mapping: '' });
    expect(preview.status).toBe(200);
    expect(preview.html).toContain('What moving to version 2 would do');
    expect(preview.html).toMatch(/Proposal \(v1\)<\/td>\s*<td>Proposal \(v2\)<\/td>\s*<td>Yes<\/td>/);
    expect(preview.html).toContain('No: it has ended (withdrawn): an ended instance stays on the version it ended on');
    expect((await read(proposal.id)).workflow).toMatchObject({ version: 1 });
    const refused = await admin.post('/ui/workflows/partnership-mou/preview', { fromVersion: '1', toVersion: '2', mapping: 'proposal draft' });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('write each renamed state as “old state = new state”');
    // A state named after the prototype chain is refused as the API refuses it: not a 500, not dropped in silence.
    for (const mapping of ['constructor = proposal', '__proto__ = proposal']) {
      const prototypeKey = await admin.post('/ui/workflows/partnership-mou/preview', { fromVersion: '1', toVersion: '2', mapping });
      expect({ mapping, status: prototypeKey.status }).toEqual({ mapping, status: 400 });
      expect(prototypeKey.html).toContain(`property mapping.${mapping.split(' ')[0]} should not exist`);
    }
    await admin.get('/ui/workflows');
    const done = await admin.post('/ui/workflows/partnership-mou/migrate', { fromVersion: '1', toVersion: '2', mapping: '', ids: [proposal.id] });
    expect(done.status).toBe(200);
    expect(done.html).toContain('1 of 1 moved.');
    expect((await read(proposal.id)).workflow).toMatchObject({ version: 2 });
  });
});
