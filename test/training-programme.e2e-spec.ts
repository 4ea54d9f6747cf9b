import { createApiApp, type ApiApp, type UserName } from './support/api.js';
import { postOrganization } from './support/factories.js';
import { inboxOf } from './support/notices.js';
import { signInToPages } from './support/web-agent.js';

interface Answer {
  id: string;
  state: string;
  version: number;
  workflow: { id: string; version: number };
  activities?: Array<{ title: string; occurrences: Array<{ dueOn: string; state: string }> }>;
}

/** The clock of the tests stands in early March 2026: the delivery runs from April to June. */
const DELIVERY = { startsOn: '2026-04-01', endsOn: '2026-06-30' };

function programmeInput(organizationId: string, title = 'Training on investigating organized crime') {
  return {
    title,
    organizationId,
    workflowId: 'training-programme',
    summary: 'Three sessions for police investigators on organized-crime investigations, without an MOU.',
    proposedActivities: [
      { kind: 'training', title: 'Session 1: financial investigations', recurrence: { frequency: 'once' }, startsOn: '2026-04-15' },
      { kind: 'training', title: 'Session 2: case studies', recurrence: { frequency: 'once' }, startsOn: '2026-05-20' },
      { kind: 'training', title: 'Session 3: after the programme', recurrence: { frequency: 'once' }, startsOn: '2026-09-01' },
    ],
  };
}

/** SPEC, "Workflows evolve": training-programme v1, chosen at creation, for training collaborations that need no MOU. */
describe('a training programme', () => {
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    api = await createApiApp();
    organizationId = await postOrganization(api, { name: 'National Police Academy' });
  });

  afterAll(() => api.close());

  const send = async (user: UserName, p: { id: string; version: number }, body: object, status = 200) =>
    (await api.as(user).post(`/api/partnerships/${p.id}/events`).set('If-Match', `"${p.version}"`).send(body).expect(status)).body as Answer & {
      code?: string;
      details?: { rule?: string };
    };
  const read = async (id: string) => (await api.as('auditor').get(`/api/partnerships/${id}`).expect(200)).body as Answer;

  /** A new programme taken through approval into planning. */
  async function approved(title?: string): Promise<Answer> {
    const created = (await api.as('manager').post('/api/partnerships').send(programmeInput(organizationId, title)).expect(201)).body as Answer;
    const submitted = await send('manager', created, { type: 'SUBMIT_FOR_APPROVAL' });
    return send('approver', submitted, { type: 'APPROVE' });
  }

  it('runs from proposal through the same approval to planning, delivering its sessions as occurrences, to completed', async () => {
    const created = (await api.as('manager').post('/api/partnerships').send(programmeInput(organizationId)).expect(201)).body as Answer;
    expect(created).toMatchObject({ state: 'proposal', workflow: { id: 'training-programme', version: 1 } });
    const submitted = await send('manager', created, { type: 'SUBMIT_FOR_APPROVAL' });
    expect(submitted.state).toBe('senior_management_review');
    // The same rules as an MOU's review: a decision needs an approver, and a rejection a comment.
    expect((await send('manager', submitted, { type: 'APPROVE' }, 403)).code).toBe('FORBIDDEN');
    expect((await send('approver', submitted, { type: 'REJECT' }, 422)).details).toMatchObject({ rule: 'requires' });
    const planning = await send('approver', submitted, { type: 'APPROVE' });
    expect(planning.state).toBe('planning');
    expect((await read(created.id)).activities ?? []).toEqual([]);

    const backwards = await send('manager', planning, { type: 'PLAN_DELIVERY', data: { startsOn: '2026-06-30', endsOn: '2026-04-01' } }, 422);
    expect(backwards).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'datesOrdered' } });
    const delivering = await send('manager', planning, { type: 'PLAN_DELIVERY', data: DELIVERY });
    expect(delivering.state).toBe('delivering');
    // Each session falling in the delivery period is an occurrence; the one after it is not.
    const sessions = (await read(created.id)).activities ?? [];
    expect(sessions.map((s) => s.occurrences.map((o) => [o.dueOn, o.state]))).toEqual([[['2026-04-15', 'planned']], [['2026-05-20', 'planned']], []]);

    const completed = await send('manager', delivering, { type: 'COMPLETE', comment: 'All sessions delivered.' });
    expect(completed.state).toBe('completed');
    const after = (await read(created.id)).activities ?? [];
    expect(after.flatMap((s) => s.occurrences.map((o) => o.state))).toEqual(['cancelled', 'cancelled']);
    await send('manager', completed, { type: 'CANCEL', comment: 'Too late.' }, 409);

    const replay = (await api.as('auditor').get(`/api/partnerships/${created.id}/replay`).expect(200)).body as {
      ok: boolean;
      replayedState: { value: string };
    };
    expect(replay).toMatchObject({ ok: true, replayedState: { value: 'completed' } });
  });

  it('is cancelled with a comment at any stage before it ends, and rejected by an approver', async () => {
    const planning = await approved('Programme cancelled in planning');
    expect((await send('manager', planning, { type: 'CANCEL' }, 422)).details).toMatchObject({ rule: 'requires' });
    expect((await send('manager', planning, { type: 'CANCEL', comment: 'The academy postponed it.' })).state).toBe('cancelled');

    const created = (await api.as('manager').post('/api/partnerships').send(programmeInput(organizationId, 'Programme rejected')).expect(201)).body as Answer;
    const submitted = await send('manager', created, { type: 'SUBMIT_FOR_APPROVAL' });
    expect((await send('approver', submitted, { type: 'REJECT', comment: 'Outside our mandate.' })).state).toBe('rejected');
  });

  it('leaves partnership-mou the default, and refuses a workflow that is not a partnership workflow', async () => {
    const { workflowId, ...mou } = programmeInput(organizationId, 'An MOU by default');
    expect(workflowId).toBe('training-programme');
    expect((await api.as('manager').post('/api/partnerships').send(mou).expect(201)).body).toMatchObject({ workflow: { id: 'partnership-mou' } });
    for (const other of ['follow-up', 'recurring-activity', 'no-such-workflow']) {
      const refused = await api
        .as('manager')
        .post('/api/partnerships')
        .send({ ...mou, workflowId: other })
        .expect(400);
      expect(JSON.stringify(refused.body)).toContain('workflowId must be one of partnership-mou, training-programme');
    }
  });

  it('is counted by the reports and listed in the inbox while it waits for approval', async () => {
    const before = (await api.as('auditor').get('/api/reports/pipeline').expect(200)).body as { countsByState: Record<string, number> };
    const created = (await api.as('manager').post('/api/partnerships').send(programmeInput(organizationId, 'Programme in review')).expect(201)).body as Answer;
    const submitted = await send('manager', created, { type: 'SUBMIT_FOR_APPROVAL' });
    const planning = await approved('Programme counted in planning');
    const after = (await api.as('auditor').get('/api/reports/pipeline').expect(200)).body as { countsByState: Record<string, number> };
    expect(after.countsByState.planning).toBe((before.countsByState.planning ?? 0) + 1);
    expect(after.countsByState.senior_management_review).toBe((before.countsByState.senior_management_review ?? 0) + 1);
    const pending = (await api.as('approver').get('/api/approvals/pending').expect(200)).body as { items: Array<{ id: string }> };
    expect(pending.items.map((item) => item.id)).toContain(submitted.id);
    expect(pending.items.map((item) => item.id)).not.toContain(planning.id);
  });

  it('tells its approvers it waits for them, and its submitter each decision in its own stages’ words', async () => {
    const planning = await approved('Programme told of');
    const about = async (user: UserName) =>
      (await inboxOf(api, user, '?limit=200')).items.filter((n) => n.link.endsWith(`/ui/partnerships/${planning.id}`)).map((n) => n.kind);
    expect(await about('approver2')).toEqual(['approval_requested']);
    const [decision] = (await inboxOf(api, 'manager', '?limit=200')).items.filter((n) => n.kind === 'decision' && n.subject === 'Approved: Programme told of');
    expect(decision.body).toContain('It has all the approvals it needs, and moved on to its next stage (“Planning”).');
    expect(decision.body).not.toContain('MOU');
  });

  it('is chosen on the new proposal form and drawn on the board and its page from its definition', async () => {
    const manager = await signInToPages(api.http, 'manager');
    const form = await manager.get('/ui/partnerships/new');
    expect(form.html).toContain('name="workflowId" value="partnership-mou" aria-describedby="pf-workflow-partnership-mou-hint" checked');
    expect(form.html).toContain('<label for="pf-workflow-training-programme">Training programme</label>');
    const posted = await manager.post('/ui/partnerships', {
      workflowId: 'training-programme',
      title: 'Programme proposed on the page',
      organizationId,
      summary: 'Two sessions for the bureau.',
      'activity.0.title': 'Opening session',
      'activity.0.kind': 'training',
      'activity.0.frequency': 'once',
      'activity.0.startsOn': '2026-04-20',
    });
    expect(posted.status).toBe(303);
    const id = /\/ui\/partnerships\/([0-9a-f-]{36})/.exec(posted.location ?? '')?.[1] as string;
    expect((await read(id)).workflow.id).toBe('training-programme');

    const planning = await approved('Programme on the board');
    const board = (await manager.get('/ui/pipeline')).html;
    const column = (key: string) => new RegExp(`<section class="stage[^"]*" aria-labelledby="stage-${key}">([\\s\\S]*?)</section>`).exec(board)?.[1] ?? '';
    expect(column('planning')).toContain('>Planning<');
    expect(column('planning')).toContain('Programme on the board');
    expect(column('planning')).toContain('<span class="badge">Training programme</span>');
    expect(column('delivering')).toContain('>Delivering<');
    expect(column('proposal')).toContain('Programme proposed on the page');
    expect(column('mou_drafting')).not.toContain('Programme on the board');

    const page = (await manager.get(`/ui/partnerships/${planning.id}`)).html;
    expect(page).toContain('Delivery starts on');
    expect(page).toContain('Its occurrences are planned when the partnership reaches Delivering.');
    expect(page).not.toContain('MOU drafting');
    const diagram = /<svg[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';
    for (const stage of ['Proposal', 'Senior-management review', 'Planning', 'Delivering', 'Completed', 'Cancelled']) expect(diagram).toContain(stage);
  });
});
