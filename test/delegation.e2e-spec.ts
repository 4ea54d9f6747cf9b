import { DataSource } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity.js';
import { NotificationsService } from '../src/notifications/notifications.service.js';
import { ADMIN_PASSWORD, type ApiApp, type UserName } from './support/api.js';
import { sendEvent, type Driven } from './support/drive.js';
import { createApiAppWithOrganization, postPartnership } from './support/factories.js';
import { inboxOf } from './support/notices.js';
import { signInToPages } from './support/web-agent.js';

interface DelegationView {
  id: string;
  principal: { id: string; displayName: string };
  delegate: { id: string; displayName: string };
  startsOn: string;
  endsOn: string;
  reason: string | null;
  endedAt: string | null;
}

interface Pending {
  id: string;
  onBehalfOf: { id: string; displayName: string } | null;
}

/** The test app's clock starts on this day (test-app.ts). */
const TODAY = '2026-03-02';

/**
 * SPEC "Delegation": an approver hands their approval authority to someone for some days; the
 * delegate decides for them, as their decision, under the same separation of duties, and nobody
 * passes on what they were handed.
 */
describe('delegation of approval authority, over HTTP', () => {
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    ({ api, organizationId } = await createApiAppWithOrganization());
  });

  afterAll(() => api.close());

  // Each test hands over authority anew: what one left in force would refuse the next one's as overlapping.
  // The clock goes back to the morning of TODAY, which no delegation was ended after.
  afterEach(async () => {
    api.clock.set(new Date(`${TODAY}T09:00:00.000Z`));
    const all = (await api.as('admin').get('/api/delegations?limit=200').expect(200)).body.items as DelegationView[];
    for (const delegation of all.filter((d) => d.endedAt === null && d.endsOn >= TODAY))
      await api.as('admin').delete(`/api/delegations/${delegation.id}`).expect(200);
  });

  const delegate = (by: UserName, body: Record<string, unknown>) =>
    api
      .as(by)
      .post('/api/delegations')
      .send({ startsOn: TODAY, endsOn: '2026-03-08', ...body });

  async function handOver(principal: UserName, to: UserName, dates: { startsOn?: string; endsOn?: string } = {}): Promise<DelegationView> {
    return (await delegate(principal, { delegateId: api.ids[to], ...dates }).expect(201)).body as DelegationView;
  }

  async function submitted(by: UserName = 'manager', overrides = {}): Promise<Driven> {
    const p = await postPartnership(api, organizationId, overrides, by);
    const answer = await sendEvent(api, by, p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    return { id: p.id, version: answer.body.version as number };
  }

  const pending = async (as: UserName) => (await api.as(as).get('/api/approvals/pending').expect(200)).body.items as Pending[];
  const read = async (id: string) => (await api.as('auditor').get(`/api/partnerships/${id}`).expect(200)).body;
  const decide = (as: UserName, p: Driven, type: string, principal?: UserName, comment?: string) =>
    sendEvent(api, as, p.id, p.version, { type, ...(comment ? { comment } : {}), ...(principal ? { data: { onBehalfOf: api.ids[principal] } } : {}) });

  it('hands an approver’s authority to another active user for inclusive days, audited, and lists it for both and for admins', async () => {
    const created = await delegate('approver', { delegateId: api.ids.manager2, reason: 'At the spring conference.' }).expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      principal: { id: api.ids.approver, displayName: 'Test approver' },
      delegate: { id: api.ids.manager2, displayName: 'Test manager2' },
      startsOn: TODAY,
      endsOn: '2026-03-08',
      reason: 'At the spring conference.',
      endedAt: null,
    });
    const id = created.body.id as string;
    const listed = async (as: UserName, query = '?active=true') =>
      ((await api.as(as).get(`/api/delegations${query}`).expect(200)).body.items as DelegationView[]).map((d) => d.id);
    for (const user of ['approver', 'manager2', 'admin'] as const) expect(await listed(user)).toContain(id);
    expect(await listed('auditor')).toEqual([]);
    expect(await listed('approver', '?active=false')).not.toContain(id);

    // An admin hands over any approver's authority; the dates are inclusive UTC days.
    const byAdmin = await delegate('admin', {
      principalId: api.ids.approver2,
      delegateId: api.ids.auditor,
      startsOn: '2026-03-03',
      endsOn: '2026-03-03',
    }).expect(201);
    expect(await listed('approver2')).not.toContain(byAdmin.body.id);
    api.clock.set(new Date('2026-03-03T00:00:00.000Z'));
    expect(await listed('approver2')).toContain(byAdmin.body.id);
    api.clock.set(new Date('2026-03-03T23:59:59.999Z'));
    expect(await listed('auditor')).toContain(byAdmin.body.id);
    api.clock.set(new Date('2026-03-04T00:00:00.000Z'));
    expect(await listed('auditor')).toEqual([]);

    const rows = await api
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { entityType: 'delegation' }, order: { seq: 'ASC' } });
    expect(rows.map((row) => [row.action, row.actorId, row.entityId])).toEqual([
      ['CREATE', api.ids.approver, id],
      ['CREATE', api.ids.admin, byAdmin.body.id],
    ]);
    expect(JSON.parse(rows[0].payload)).toEqual({
      principalId: api.ids.approver,
      delegateId: api.ids.manager2,
      startsOn: TODAY,
      endsOn: '2026-03-08',
      reason: 'At the spring conference.',
    });
  });

  it('refuses delegations that are not an approver’s, not to another active user, not on days to come, or twice', async () => {
    const refused = async (by: UserName, body: Record<string, unknown>, status: number, rule?: string) => {
      const answer = await delegate(by, body).expect(status);
      if (rule) expect(answer.body.details.rule).toBe(rule);
    };
    await refused('manager', { delegateId: api.ids.manager2 }, 403);
    await refused('approver', { delegateId: api.ids.manager2, principalId: api.ids.approver2 }, 403, 'ownAuthority');
    await refused('admin', { delegateId: api.ids.manager2 }, 422, 'principalIsApprover');
    await refused('admin', { delegateId: api.ids.manager2, principalId: api.ids.manager }, 422, 'principalIsApprover');
    await refused('approver', { delegateId: api.ids.approver }, 422, 'delegateIsAnother');
    await refused('approver', { delegateId: '00000000-0000-4000-8000-000000000000' }, 422, 'delegateIsActiveUser');
    await refused('approver', { delegateId: api.ids.manager2, startsOn: '2026-03-05', endsOn: '2026-03-04' }, 422, 'delegationDates');
    await refused('approver', { delegateId: api.ids.manager2, startsOn: '2026-02-20', endsOn: '2026-03-01' }, 422, 'delegationDates');
    await refused('approver', { delegateId: api.ids.manager2, endsOn: '2026-02-30' }, 400);
    await refused('approver', { delegateId: 'manager2' }, 400);
    const disabled = await api
      .as('admin')
      .post('/api/users')
      .send({ username: 'gone.away', password: ADMIN_PASSWORD, roles: ['manager'] })
      .expect(201);
    await api.as('admin').patch(`/api/users/${disabled.body.id}`).send({ active: false }).expect(200);
    await refused('approver', { delegateId: disabled.body.id }, 422, 'delegateIsActiveUser');

    await handOver('approver', 'manager2');
    await refused('approver', { delegateId: api.ids.manager2, startsOn: '2026-03-08', endsOn: '2026-03-10' }, 409, 'oneDelegationAtATime');
    // the days after it are free
    await handOver('approver', 'manager2', { startsOn: '2026-03-09', endsOn: '2026-03-10' });
  });

  it('lets the delegate decide for the approver: listed with onBehalfOf, recorded as the approver’s, counted once for the quorum, both ids audited', async () => {
    await handOver('approver', 'manager2');
    const p = await submitted('manager', { requiredApprovals: 2 });
    expect(await pending('manager2')).toEqual([expect.objectContaining({ id: p.id, onBehalfOf: { id: api.ids.approver, displayName: 'Test approver' } })]);
    expect((await pending('approver')).find((item) => item.id === p.id)?.onBehalfOf).toBeNull();

    // Without naming the approver, the delegate has no authority of their own.
    await decide('manager2', p, 'APPROVE').expect(403);
    const approved = await decide('manager2', p, 'APPROVE', 'approver').expect(200);
    expect(approved.body).toMatchObject({ state: 'senior_management_review', approvalCount: 1 });
    expect(approved.body.approvals).toEqual([
      { by: api.ids.approver, actorId: api.ids.manager2, at: expect.any(String), contentHash: approved.body.contentHash },
    ]);
    const [row] = await api
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { entityId: p.id, action: 'APPROVE', outcome: 'ok' } });
    expect(row.actorId).toBe(api.ids.manager2);
    const { event } = JSON.parse(row.payload) as { event: { onBehalfOf: { id: string; roles: string[] }; data: { onBehalfOf: string } } };
    expect(event.data.onBehalfOf).toBe(api.ids.approver);
    expect(event.onBehalfOf).toMatchObject({ id: api.ids.approver, roles: ['approver'] });

    // The approver's approval is given: they do not approve again, and their inbox no longer lists it.
    const next = { id: p.id, version: approved.body.version as number };
    const again = await decide('approver', next, 'APPROVE').expect(422);
    expect(again.body.details.rule).toBe('notAlreadyApproved');
    expect((await pending('approver')).map((item) => item.id)).not.toContain(p.id);
    expect((await pending('manager2')).map((item) => item.id)).not.toContain(p.id);
    const quorum = await decide('approver2', next, 'APPROVE').expect(200);
    expect(quorum.body).toMatchObject({ state: 'mou_drafting' });
  });

  it('records a delegate’s request for changes and rejection as the approver’s decision', async () => {
    await handOver('approver', 'manager2');
    const p = await submitted();
    const back = await decide('manager2', p, 'REQUEST_CHANGES', 'approver', 'Name the lecture.').expect(200);
    expect(back.body.decisions).toEqual([
      {
        decision: 'REQUEST_CHANGES',
        by: api.ids.approver,
        actorId: api.ids.manager2,
        at: expect.any(String),
        comment: 'Name the lecture.',
        contentHash: expect.any(String),
      },
    ]);
    const q = await submitted();
    const rejected = await decide('manager2', q, 'REJECT', 'approver', 'Out of scope.').expect(200);
    expect(rejected.body).toMatchObject({
      state: 'rejected',
      decisions: [expect.objectContaining({ decision: 'REJECT', by: api.ids.approver, actorId: api.ids.manager2 })],
    });
    // Only decisions are sent for someone else.
    const r = await postPartnership(api, organizationId);
    await sendEvent(api, 'manager', r.id, r.version, { type: 'SUBMIT_FOR_APPROVAL', data: { onBehalfOf: api.ids.approver } }).expect(400);
  });

  it('refuses a decision outside the delegation’s days, on the first and the last day whole', async () => {
    await handOver('approver', 'auditor', { startsOn: '2026-03-03', endsOn: '2026-03-04' });
    const p = await submitted();
    expect(await pending('auditor')).toEqual([]);
    const early = await decide('auditor', p, 'APPROVE', 'approver').expect(403);
    expect(early.body).toMatchObject({
      code: 'FORBIDDEN',
      details: { rule: 'actsUnderDelegation', reason: 'the delegation to you starts on 2026-03-03, not before' },
    });
    api.clock.set(new Date('2026-03-05T00:00:00.000Z'));
    const late = await decide('auditor', p, 'APPROVE', 'approver').expect(403);
    expect(late.body.details.reason).toContain('you hold no delegation from the person you decide for in force today (2026-03-05)');
    api.clock.set(new Date('2026-03-04T23:59:59.000Z'));
    expect((await pending('auditor')).map((item) => item.id)).toEqual([p.id]);
    await decide('auditor', p, 'APPROVE', 'approver').expect(200);
    expect((await read(p.id)).state).toBe('mou_drafting');
  });

  it('applies separation of duties to both people: a delegate who wrote the proposal, and an approver who wrote it, decide nothing on it', async () => {
    await handOver('approver', 'manager2');
    const ownProposal = await submitted('manager2');
    expect((await pending('manager2')).map((item) => item.id)).not.toContain(ownProposal.id);
    for (const type of ['APPROVE', 'REJECT', 'REQUEST_CHANGES']) {
      const refused = await decide('manager2', ownProposal, type, 'approver', 'Fine by me.').expect(403);
      expect(refused.body).toMatchObject({ code: 'SEPARATION_OF_DUTIES', details: { rule: 'notSubmitter' } });
    }

    await handOver('managerApprover', 'auditor');
    const principalsProposal = await submitted('managerApprover');
    expect((await pending('auditor')).map((item) => item.id)).not.toContain(principalsProposal.id);
    const refused = await decide('auditor', principalsProposal, 'APPROVE', 'managerApprover').expect(403);
    expect(refused.body).toMatchObject({ code: 'SEPARATION_OF_DUTIES', details: { rule: 'notSubmitter' } });
    expect((await read(principalsProposal.id)).approvals).toEqual([]);
  });

  it('counts a delegate who already decided in their own right once: they approve nothing more for the approver', async () => {
    await handOver('approver', 'approver2');
    const p = await submitted('manager', { requiredApprovals: 2 });
    const mine = (await pending('approver2')).filter((item) => item.id === p.id);
    expect(mine.map((item) => item.onBehalfOf?.id ?? null)).toEqual([null, api.ids.approver]);
    const own = await decide('approver2', p, 'APPROVE').expect(200);
    expect((await pending('approver2')).map((item) => item.id)).not.toContain(p.id);
    const refused = await decide('approver2', { id: p.id, version: own.body.version }, 'APPROVE', 'approver').expect(422);
    expect(refused.body.details).toMatchObject({
      rule: 'notAlreadyApproved',
      reason: 'you, or the person you decide for, already approved this proposal as it stands; one person counts once',
    });
    // The approver themselves still may.
    await decide('approver', { id: p.id, version: own.body.version }, 'APPROVE').expect(200);
    expect((await read(p.id)).state).toBe('mou_drafting');
  });

  it('does not chain: nobody hands on authority they were handed, nor is handed any while they hand theirs to someone', async () => {
    await handOver('approver', 'managerApprover');
    const onward = await delegate('managerApprover', { delegateId: api.ids.manager2 }).expect(422);
    expect(onward.body.details).toMatchObject({ rule: 'noChain' });
    expect(onward.body.message).toContain('the approver holds someone else’s authority from 2026-03-02 to 2026-03-08');
    const toward = await delegate('approver2', { delegateId: api.ids.approver }).expect(422);
    expect(toward.body.message).toContain('the delegate has handed their own authority to someone else');
    // on days the first one does not cover, either is fine
    await handOver('managerApprover', 'manager2', { startsOn: '2026-03-09', endsOn: '2026-03-10' });

    // Someone who holds no delegation from the approver cannot decide for them, whoever they hold one from.
    const p = await submitted();
    const refused = await decide('manager2', p, 'APPROVE', 'approver').expect(403);
    expect(refused.body.details.rule).toBe('actsUnderDelegation');
  });

  it('ends a delegation now: kept with endedAt, audited, and from then on the delegate decides nothing for the approver', async () => {
    const handed = await handOver('approver', 'manager2');
    const p = await submitted();
    await api.as('auditor').delete(`/api/delegations/${handed.id}`).expect(404);
    const endedAt = api.clock.now().toISOString();
    const ended = await api.as('approver').delete(`/api/delegations/${handed.id}`).expect(200);
    expect(ended.body).toMatchObject({ id: handed.id, endedAt });
    await api.as('approver').delete(`/api/delegations/${handed.id}`).expect(409);
    expect(await pending('manager2')).toEqual([]);
    const refused = await decide('manager2', p, 'APPROVE', 'approver').expect(403);
    expect(refused.body.details.reason).toBe(`the delegation to you was ended on ${TODAY}`);
    const listed = (await api.as('manager2').get('/api/delegations').expect(200)).body.items as DelegationView[];
    expect(listed.find((d) => d.id === handed.id)?.endedAt).toBe(endedAt);
    const [end] = await api
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { entityId: handed.id, action: 'END' } });
    expect(end).toMatchObject({ actorId: api.ids.approver, outcome: 'ok' });
    expect(JSON.parse(end.payload)).toEqual({ principalId: api.ids.approver, delegateId: api.ids.manager2, version: 2 });
    // The delegate may end it too (they cannot stand in after all), and it may be handed over again afterwards.
    const again = await handOver('approver', 'manager2');
    await api.as('manager2').delete(`/api/delegations/${again.id}`).expect(200);
  });

  it('lists the approver’s proposals in the delegate’s inbox page, where the delegate decides for them; others who decide nothing are refused the page', async () => {
    const handed = await handOver('approver', 'manager2');
    const p = await submitted();
    const delegatePages = await signInToPages(api.http, 'manager2');
    const inbox = await delegatePages.get('/ui/inbox');
    expect(inbox.status).toBe(200);
    expect(inbox.html).toContain('For Test approver, as their delegate');
    expect(inbox.html).toContain(`name="data.onBehalfOf" value="${api.ids.approver}"`);
    const sent = await delegatePages.post(`/ui/inbox/${p.id}`, { type: 'APPROVE', version: String(p.version), 'data.onBehalfOf': api.ids.approver });
    expect(sent).toMatchObject({ status: 303, location: `/ui/inbox?done=APPROVE&of=${p.id}` });
    expect((await read(p.id)).approvals).toEqual([expect.objectContaining({ by: api.ids.approver, actorId: api.ids.manager2 })]);

    // Still a delegate of approver2, but no longer of the approver: the page says why it refuses.
    const second = await handOver('approver2', 'manager2');
    const q = await submitted();
    await api.as('approver').delete(`/api/delegations/${handed.id}`).expect(200);
    const refused = await delegatePages.post(`/ui/inbox/${q.id}`, {
      type: 'REJECT',
      comment: 'No.',
      version: String(q.version),
      'data.onBehalfOf': api.ids.approver,
    });
    expect({ status: refused.status, location: refused.location }).toEqual({ status: 403, location: undefined });
    expect(refused.html).toContain(`The delegation to you was ended on ${TODAY}.`);
    await api.as('approver2').delete(`/api/delegations/${second.id}`).expect(200);
    expect((await delegatePages.get('/ui/inbox')).status).toBe(403);
    expect((await (await signInToPages(api.http, 'auditor')).get('/ui/inbox')).status).toBe(403);
  });

  describe('notices', () => {
    const notices = async (as: UserName, kind: string) => (await inboxOf(api, as, '?limit=200')).items.filter((notice) => notice.kind === kind);

    it('tells the delegate when a delegation to them begins: at once for today, on its first day for a later one, once', async () => {
      const today = await handOver('approver', 'auditor', { endsOn: '2026-03-03' });
      const later = await handOver('approver2', 'auditor', { startsOn: '2026-03-04', endsOn: '2026-03-05' });
      const dropped = await handOver('approver2', 'manager', { startsOn: '2026-03-04', endsOn: '2026-03-05' });
      const ours = new Set([today.id, later.id, dropped.id]);
      const told = async (as: UserName) => (await notices(as, 'delegation_started')).filter((notice) => ours.has(notice.entityId));
      const [first, ...others] = await told('auditor');
      expect(others).toEqual([]);
      expect(first).toMatchObject({
        subject: 'You decide for Test approver until 2026-03-03',
        link: expect.stringMatching(/\/ui\/inbox$/),
        entityType: 'delegation',
        entityId: today.id,
      });
      expect(first.body).toContain('Test approver handed you their approval authority from 2026-03-02 to 2026-03-03');
      await api.as('approver2').delete(`/api/delegations/${dropped.id}`).expect(200);
      const sweep = () => api.get(NotificationsService).sweep();
      await sweep();
      expect(await told('auditor')).toHaveLength(1);
      api.clock.set(new Date('2026-03-04T06:00:00.000Z'));
      await sweep();
      await sweep();
      expect((await told('auditor')).map((notice) => notice.entityId)).toEqual([later.id, today.id]);
      expect(await told('manager')).toEqual([]);
    });

    it('asks the delegates of the approvers who may decide, and names who decided for whom', async () => {
      await handOver('approver', 'manager2');
      await handOver('managerApprover', 'auditor');
      await handOver('approver2', 'admin', { startsOn: '2026-03-03' });
      const p = await submitted('managerApprover');
      const asked = async (as: UserName) => (await notices(as, 'approval_requested')).filter((notice) => notice.entityId === p.id);
      expect(await asked('manager2')).toHaveLength(1);
      // managerApprover wrote it, so their delegate decides nothing on it; approver2's delegation has not begun.
      expect(await asked('auditor')).toEqual([]);
      expect(await asked('admin')).toEqual([]);
      await decide('manager2', p, 'REJECT', 'approver', 'Out of scope.').expect(200);
      const [decision] = (await notices('managerApprover', 'decision')).filter((notice) => notice.entityId === p.id);
      expect(decision.body).toContain('Test manager2 for Test approver rejected your proposal');
    });
  });
});
