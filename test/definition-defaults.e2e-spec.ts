import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiApp, type ApiApp } from './support/api.js';
import { partnershipInput, postOrganization } from './support/factories.js';
import { inputValue, signInToPages } from './support/web-agent.js';

/**
 * SPEC, "Workflows evolve": defaults (`requiredApprovals`, `approvalSlaDays`) come from the
 * definition's context and nowhere else. Here a definition whose context asks for two approvals
 * within seven days.
 */
describe('approval defaults from the workflow definition, over HTTP', () => {
  let api: ApiApp;
  let workflows: string;

  beforeAll(async () => {
    workflows = mkdtempSync(join(tmpdir(), 'workflows-'));
    for (const file of ['partnership-mou.v1.json', 'recurring-activity.v1.json']) {
      const definition = JSON.parse(readFileSync(join('workflows', file), 'utf8'));
      if (file.startsWith('partnership-mou')) Object.assign(definition.machine.context, { requiredApprovals: 2, approvalSlaDays: 7 });
      writeFileSync(join(workflows, file), JSON.stringify(definition, null, 2));
    }
    for (const file of ['partnership-mou.labels.json', 'recurring-activity.labels.json'])
      writeFileSync(join(workflows, file), readFileSync(join('workflows', file)));
    api = await createApiApp({ WORKFLOWS_DIR: workflows });
  });

  afterAll(async () => {
    await api.close();
    process.env.WORKFLOWS_DIR = 'workflows';
    rmSync(workflows, { recursive: true, force: true });
  });

  it('gives a new proposal the definition’s quorum and approval deadline unless it names its own', async () => {
    const organizationId = await postOrganization(api);
    const { requiredApprovals, approvalSlaDays, ...rest } = partnershipInput(organizationId);
    expect([requiredApprovals, approvalSlaDays]).toEqual([undefined, undefined]);
    const created = await api.as('manager').post('/api/partnerships').send(rest).expect(201);
    expect(created.body).toMatchObject({ requiredApprovals: 2, approvalSlaDays: 7 });
    const submitted = await api
      .as('manager')
      .post(`/api/partnerships/${created.body.id}/events`)
      .set('If-Match', '"1"')
      .send({ type: 'SUBMIT_FOR_APPROVAL' })
      .expect(200);
    const inbox = (await api.as('approver').get('/api/approvals/pending').expect(200)).body.items as Array<{
      id: string;
      requiredApprovals: number;
      dueAt: string;
    }>;
    expect(inbox.find((i) => i.id === submitted.body.id)).toMatchObject({ requiredApprovals: 2, dueAt: '2026-03-09T09:00:00.000Z' });
    const own = await api
      .as('manager')
      .post('/api/partnerships')
      .send({ ...rest, requiredApprovals: 1, approvalSlaDays: 30 })
      .expect(201);
    expect(own.body).toMatchObject({ requiredApprovals: 1, approvalSlaDays: 30 });
  });

  it('fills the new proposal form with them', async () => {
    const page = await (await signInToPages(api.http, 'manager')).get('/ui/partnerships/new');
    expect([inputValue(page.html, 'pf-quorum'), inputValue(page.html, 'pf-sla')]).toEqual(['2', '7']);
  });
});
