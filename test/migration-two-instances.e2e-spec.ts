import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { plainQuery } from '../src/database/plain-query.js';
import { createApiApp, type ApiApp, type UserName } from './support/api.js';
import { drivePartnership, type Driven } from './support/drive.js';
import { postOrganization } from './support/factories.js';
import { dropDatabase, testDatabaseKind } from './support/test-app.js';

/**
 * SPEC "Workflows evolve": a migration run by one instance while another serves events loses
 * nothing and forks nothing. Two apps (each its own connections and write queue) on one database:
 * instance A migrates every partnership from v1 to v2 while instance B, at the same moment, takes
 * each of them through three events, reading it again whenever it finds it changed (412). After:
 * every event B was answered 200 for is in the chain once, every one before the partnership's
 * WORKFLOW_MIGRATED row ran on v1 and every one after on v2, each partnership was migrated exactly
 * once, each replays to its stored state, and the chain verifies.
 */
const PARTNERSHIPS = 8;
const STEPS: Array<{ by: UserName; body: object }> = [
  { by: 'manager', body: { type: 'SUBMIT_FOR_APPROVAL' } },
  { by: 'approver', body: { type: 'APPROVE' } },
  { by: 'manager', body: { type: 'SHARE_DRAFT', data: { document: { name: 'MOU draft.docx', sha256: 'd'.repeat(64) } } } },
];

describe(`a migration on one instance while another serves events (${testDatabaseKind})`, () => {
  const workflows = mkdtempSync(join(tmpdir(), 'workflows-two-instances-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'partnership-engine-two-instances-'));
  let a: ApiApp;
  let b: ApiApp;
  let partnerships: Driven[];

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
    const seeder = await createApiApp({ WORKFLOWS_DIR: workflows }, { dataDir });
    const organizationId = await postOrganization(seeder);
    partnerships = [];
    for (let i = 0; i < PARTNERSHIPS; i++) partnerships.push(await drivePartnership(seeder, organizationId, 'proposal'));
    await seeder.close();
    copyFileSync(join('workflows', 'partnership-mou.v2.json'), join(workflows, 'partnership-mou.v2.json'));
    a = await createApiApp({ WORKFLOWS_DIR: workflows }, { dataDir, reopen: true });
    b = await createApiApp({ WORKFLOWS_DIR: workflows }, { dataDir, reopen: true });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropDatabase(dataDir);
    process.env.WORKFLOWS_DIR = 'workflows';
    for (const dir of [workflows, dataDir]) rmSync(dir, { recursive: true, force: true });
  });

  /** Takes one partnership through STEPS on B, reading it again after each 412; the version each accepted event left. */
  async function serve(id: string, onAccepted: () => void): Promise<number[]> {
    const accepted: number[] = [];
    for (const step of STEPS) {
      for (;;) {
        const { version } = (await b.as('auditor').get(`/api/partnerships/${id}`).expect(200)).body as { version: number };
        const answer = await b.as(step.by).post(`/api/partnerships/${id}/events`).set('If-Match', `"${version}"`).send(step.body);
        if (answer.status === 412) continue;
        expect({ id, step: step.body, status: answer.status }).toEqual({ id, step: step.body, status: 200 });
        accepted.push(answer.body.version as number);
        onAccepted();
        break;
      }
    }
    return accepted;
  }

  it('loses no event and forks no partnership', async () => {
    // The migration starts once B has had a first event accepted, so that it runs in the middle of B's work.
    let started!: () => void;
    const firstAccepted = new Promise<void>((resolve) => (started = resolve));
    const [migration, ...served] = await Promise.all([
      firstAccepted.then(() => a.as('admin').post('/api/workflows/partnership-mou/migrations').send({ fromVersion: 1, toVersion: 2, dryRun: false })),
      ...partnerships.map((p) => serve(p.id, started)),
    ]);
    expect(migration.status).toBe(200);
    const items = migration.body.items as Array<{ id: string; ok: boolean; reason?: string }>;
    expect(items.filter((item) => !item.ok)).toEqual([]);
    expect(items.map((item) => item.id).sort()).toEqual(partnerships.map((p) => p.id).sort());

    const dataSource = a.get(DataSource);
    /** Where each partnership's WORKFLOW_MIGRATED row falls among its rows. */
    const positions: number[] = [];
    for (const [i, p] of partnerships.entries()) {
      const rows = await plainQuery<{ action: string; workflow_version: number | string; payload: string }>(
        dataSource,
        "SELECT action, workflow_version, payload FROM audit_events WHERE entity_id = ? AND outcome = 'ok' ORDER BY seq",
        [p.id],
      );
      const actions = rows.map((row) => row.action);
      // every accepted event once, and one migration, somewhere among them
      expect(actions.filter((action) => action !== 'WORKFLOW_MIGRATED')).toEqual(['CREATE', ...STEPS.map((s) => (s.body as { type: string }).type)]);
      expect(actions.filter((action) => action === 'WORKFLOW_MIGRATED')).toHaveLength(1);
      const at = actions.indexOf('WORKFLOW_MIGRATED');
      positions.push(at);
      expect(rows.map((row) => Number(row.workflow_version))).toEqual(rows.map((_, n) => (n < at ? 1 : 2)));
      // the versions B was answered are the row's own, one after another: no event overwrote another
      const versions = rows.map((row) => (JSON.parse(row.payload) as { version?: number }).version).filter((v): v is number => v !== undefined);
      expect(versions).toEqual(versions.map((_, n) => n + 2));
      expect(served[i].every((version) => versions.includes(version))).toBe(true);
      const now = (await a.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body as {
        state: string;
        version: number;
        workflow: { version: number };
      };
      expect(now).toMatchObject({ state: 'mou_negotiation', version: 2 + STEPS.length, workflow: { version: 2 } });
      expect((await b.as('auditor').get(`/api/partnerships/${p.id}/replay`).expect(200)).body).toMatchObject({ ok: true });
    }
    // at least the event that started the migration came before it, on v1
    expect(positions.some((at) => at > 1)).toBe(true);
    expect((await a.as('auditor').get('/api/audit/verify').expect(200)).body).toMatchObject({ ok: true });
  });
});
