import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimersService } from '../src/timers/timers.service.js';
import { createApiApp, type ApiApp, type UserName } from './support/api.js';
import { sendEvent } from './support/drive.js';
import { partnershipInput, postOrganization } from './support/factories.js';
import { inboxOf, type Notice } from './support/notices.js';
import { signInToPages } from './support/web-agent.js';

/** A published version with some of its states renamed, as the next version of its workflow, its new states labelled. */
function renamedVersion(
  dir: string,
  workflow: string,
  from: number,
  renames: Record<string, string>,
  labels: Record<string, { title: string; phrase: string }>,
) {
  let text = readFileSync(join('workflows', `${workflow}.v${from}.json`), 'utf8');
  for (const [old, name] of Object.entries(renames)) text = text.replaceAll(`"${old}"`, `"${name}"`);
  const definition = JSON.parse(text) as { version: number };
  definition.version = from + 1;
  writeFileSync(join(dir, `${workflow}.v${from + 1}.json`), JSON.stringify(definition, null, 2));
  const labelsFile = join(dir, `${workflow}.labels.json`);
  const written = JSON.parse(readFileSync(labelsFile, 'utf8')) as { states: Record<string, unknown> };
  Object.assign(written.states, labels);
  writeFileSync(labelsFile, JSON.stringify(written, null, 2));
}

/**
 * Who is told what, and the request for changes a proposal shows, follow what a workflow's definition
 * says of its states (which wait for approvals, where a proposal is submitted from, where the renewal
 * window and the end of the term lead), not partnership-mou's state ids: here throwaway versions in a
 * temporary WORKFLOWS_DIR whose states have other names, and training-programme as it is published.
 */
describe('notices and the request for changes read the definition', () => {
  const workflows = mkdtempSync(join(tmpdir(), 'workflows-renamed-'));
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    for (const file of readdirSync('workflows')) copyFileSync(join('workflows', file), join(workflows, file));
    renamedVersion(
      workflows,
      'training-programme',
      1,
      { proposal: 'draft', senior_management_review: 'review' },
      { draft: { title: 'Draft programme', phrase: 'went back to the draft' }, review: { title: 'Review', phrase: 'went to review' } },
    );
    renamedVersion(
      workflows,
      'partnership-mou',
      2,
      { renewal_due: 'renewal_window', expired: 'lapsed' },
      {
        'in_force.renewal_window': { title: 'In its renewal window', phrase: 'entered its renewal window' },
        lapsed: { title: 'Lapsed', phrase: 'lapsed' },
      },
    );
    api = await createApiApp({ WORKFLOWS_DIR: workflows });
    organizationId = await postOrganization(api, { name: 'National Police Academy' });
  });

  afterAll(async () => {
    await api.close();
    process.env.WORKFLOWS_DIR = 'workflows';
    rmSync(workflows, { recursive: true, force: true });
  });

  const about = async (user: UserName, id: string): Promise<Notice[]> =>
    (await inboxOf(api, user, '?limit=200')).items.filter((n) => n.link.endsWith(`/ui/partnerships/${id}`)).reverse();
  const send = async (user: UserName, id: string, body: object) => {
    const { version } = (await api.as('auditor').get(`/api/partnerships/${id}`).expect(200)).body as { version: number };
    return (await sendEvent(api, user, id, version, body).expect(200)).body as { state: string };
  };
  const programme = async (title: string) =>
    (
      await api
        .as('manager')
        .post('/api/partnerships')
        .send({ ...partnershipInput(organizationId, { title }), workflowId: 'training-programme' })
        .expect(201)
    ).body as { id: string; state: string; workflow: { version: number } };

  it('asks the approvers of a proposal in a review state of any name, and shows the changes asked for in a draft state of any name', async () => {
    const p = await programme('Programme on renamed states');
    expect(p).toMatchObject({ state: 'draft', workflow: { version: 2 } });
    expect(await send('manager', p.id, { type: 'SUBMIT_FOR_APPROVAL' })).toMatchObject({ state: 'review' });
    for (const approver of ['approver', 'approver2'] as const) {
      expect((await about(approver, p.id)).map((n) => n.kind)).toEqual(['approval_requested']);
    }

    expect(await send('approver', p.id, { type: 'REQUEST_CHANGES', comment: 'Name the trainers.' })).toMatchObject({ state: 'draft' });
    const [sentBack] = (await about('manager', p.id)).filter((n) => n.kind === 'decision');
    expect(sentBack.body).toContain('It is back with you (“Draft programme”): change it, then submit it again.');
    const manager = await signInToPages(api.http, 'manager');
    const page = (await manager.get(`/ui/partnerships/${p.id}`)).html;
    expect(page).toContain('data-testid="changes-requested"');
    expect(page).toContain('Name the trainers.');
    const board = (await manager.get('/ui/pipeline')).html;
    const card = /<li class="card[^"]*">(?:(?!<\/li>)[\s\S])*?Programme on renamed states[\s\S]*?<\/li>/.exec(board)?.[0] ?? '';
    expect(card).toContain('Changes requested');

    await send('manager', p.id, { type: 'SUBMIT_FOR_APPROVAL' });
    expect(await send('approver', p.id, { type: 'APPROVE' })).toMatchObject({ state: 'planning' });
    // Both decisions carry the same instant of the test's clock: the approval is found by its subject.
    const approval = (await about('manager', p.id)).find((n) => n.kind === 'decision' && n.subject.startsWith('Approved:'));
    expect(approval?.body).toContain('It has all the approvals it needs, and moved on to its next stage (“Planning”).');
    expect((await manager.get(`/ui/partnerships/${p.id}`)).html).not.toContain('data-testid="changes-requested"');
  });

  it('says on the page that an approval of content changed since no longer counts, while the proposal waits in a review state of any name', async () => {
    const centre = await postOrganization(api, { name: 'Centre renamed later' });
    const p = (
      await api
        .as('manager')
        .post('/api/partnerships')
        .send({ ...partnershipInput(centre, { title: 'Programme judged twice', requiredApprovals: 2 }), workflowId: 'training-programme' })
        .expect(201)
    ).body as { id: string };
    await send('manager', p.id, { type: 'SUBMIT_FOR_APPROVAL' });
    expect(await send('approver', p.id, { type: 'APPROVE' })).toMatchObject({ state: 'review' });
    const manager = await signInToPages(api.http, 'manager');
    expect((await manager.get(`/ui/partnerships/${p.id}`)).html).not.toContain('it has changed since');
    // Approvers judge the organization too: renamed, the proposal is not what was approved.
    const org = (await api.as('manager').get(`/api/organizations/${centre}`).expect(200)).body as { version: number };
    await api.as('manager').patch(`/api/organizations/${centre}`).set('If-Match', `"${org.version}"`).send({ name: 'Centre with a new name' }).expect(200);
    expect((await manager.get(`/ui/partnerships/${p.id}`)).html).toContain('; it has changed since, so this approval no longer counts');
  });

  it('tells of the renewal window and the end of the term wherever the definition leads them', async () => {
    const created = (
      await api
        .as('manager')
        .post('/api/partnerships')
        .send(partnershipInput(organizationId, { title: 'MOU on renamed states' }))
        .expect(201)
    ).body as { id: string; workflow: { version: number } };
    expect(created.workflow.version).toBe(3);
    await send('admin', created.id, {
      type: 'RECORD_EXISTING',
      data: {
        effectiveFrom: '2025-06-01',
        expiresOn: '2026-05-15',
        signatures: [
          { party: 'partner', signatory: 'Commandant', signedOn: '2025-05-20' },
          { party: 'own', signatory: 'Executive Director', signedOn: '2025-05-25' },
        ],
      },
    });
    // The renewal window (90 days before the expiry) opened before the agreement was recorded: its timer is due at once.
    await api.get(TimersService).fireDue();
    expect(((await api.as('auditor').get(`/api/partnerships/${created.id}`).expect(200)).body as { state: string }).state).toBe('in_force.renewal_window');
    for (const told of ['manager', 'approver'] as const) {
      expect((await about(told, created.id)).filter((n) => n.kind === 'renewal_due').map((n) => n.subject)).toEqual(['Renewal due: MOU on renamed states']);
    }
    api.clock.set('2026-05-16T09:00:00.000Z');
    await api.get(TimersService).fireDue();
    expect(((await api.as('auditor').get(`/api/partnerships/${created.id}`).expect(200)).body as { state: string }).state).toBe('lapsed');
    expect((await about('manager', created.id)).filter((n) => n.kind === 'expired').map((n) => n.subject)).toEqual(['Expired: MOU on renamed states']);
  });
});
