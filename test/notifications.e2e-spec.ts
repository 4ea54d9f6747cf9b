import { DataSource } from 'typeorm';
import { WriteQueue } from '../src/database/write-queue.js';
import { NotificationsService } from '../src/notifications/notifications.service.js';
import { PARTNERSHIP_KIND } from '../src/partnerships/partnership.entity.js';
import { TimersService } from '../src/timers/timers.service.js';
import { InstanceRuntime } from '../src/workflow-engine/instance-runtime.service.js';
import { createApiApp, type ApiApp, type UserName } from './support/api.js';
import { drivePartnership, sendEvent, SHORT_TERM, type Driven } from './support/drive.js';
import { postOrganization, postPartnership } from './support/factories.js';
import { inboxOf, type Inbox, type Notice } from './support/notices.js';

const PUBLIC_URL = 'https://partnerships.example.org';

/**
 * The notifications outbox over HTTP (SPEC "Everyone is told what waits for them"): each kind
 * reaches the people the SPEC names, in the change's own transaction, and nobody else.
 */
describe('notifications', () => {
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    api = await createApiApp({ PUBLIC_URL: `${PUBLIC_URL}/` });
    organizationId = await postOrganization(api);
  });

  afterAll(() => api.close());

  const inbox = (user: UserName, query = ''): Promise<Inbox> => inboxOf(api, user, query);
  /** The user's notices whose page is the partnership's, oldest first. */
  const about = async (user: UserName, partnershipId: string): Promise<Notice[]> =>
    (await inbox(user, '?limit=200')).items.filter((n) => n.link === `${PUBLIC_URL}/ui/partnerships/${partnershipId}`).reverse();
  const kindsAbout = async (user: UserName, partnershipId: string) => (await about(user, partnershipId)).map((n) => n.kind);
  const countAll = async () => Number((await api.get(DataSource).query('SELECT count(*) AS n FROM notifications'))[0].n);

  const proposal = (by: UserName = 'manager', overrides = {}): Promise<Driven> => postPartnership(api, organizationId, overrides, by);

  async function submitted(by: UserName = 'manager', overrides = {}): Promise<Driven> {
    const p = await proposal(by, overrides);
    const answer = await sendEvent(api, by, p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    return { id: p.id, version: answer.body.version as number };
  }

  it('tells every approver who may decide, and not the submitter, that a proposal waits for them, with a link to it', async () => {
    const { id } = await submitted();
    for (const approver of ['approver', 'approver2', 'managerApprover'] as const) {
      const [notice] = await about(approver, id);
      expect(notice).toMatchObject({
        kind: 'approval_requested',
        subject: 'Waiting for your approval: Annual lecture and research collaboration',
        link: `${PUBLIC_URL}/ui/partnerships/${id}`,
        entityType: 'partnership',
        entityId: id,
        readAt: null,
      });
      expect(notice.body).toContain('Test manager submitted the proposal "Annual lecture and research collaboration"');
      expect(notice.body).toContain('waits for your decision');
    }
    for (const other of ['manager', 'manager2', 'auditor', 'admin'] as const) expect(await about(other, id)).toEqual([]);
  });

  it('does not ask an author of the proposal to decide it', async () => {
    const { id } = await submitted('managerApprover');
    expect(await kindsAbout('managerApprover', id)).toEqual([]);
    expect(await kindsAbout('approver', id)).toEqual(['approval_requested']);
  });

  it('tells the submitter of each decision, with the comment, and no one else', async () => {
    const p = await submitted();
    await sendEvent(api, 'approver', p.id, p.version, { type: 'REQUEST_CHANGES', comment: 'Add the course outline.' }).expect(200);
    const decisions = (await about('manager', p.id)).filter((n) => n.kind === 'decision');
    expect(decisions).toHaveLength(1);
    expect(decisions[0].subject).toBe('Changes requested: Annual lecture and research collaboration');
    expect(decisions[0].body).toContain('Test approver asked for changes to your proposal');
    expect(decisions[0].body).toContain('"Add the course outline."');
    expect(await kindsAbout('approver2', p.id)).toEqual(['approval_requested']);
  });

  it('writes nothing for a refused change', async () => {
    const p = await proposal();
    const before = await countAll();
    await sendEvent(api, 'manager', p.id, p.version + 1, { type: 'SUBMIT_FOR_APPROVAL' }).expect(412);
    await sendEvent(api, 'auditor', p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' }).expect(403);
    const q = await submitted();
    const after = await countAll();
    await sendEvent(api, 'manager', q.id, q.version, { type: 'APPROVE' }).expect(403);
    await sendEvent(api, 'approver', q.id, q.version, { type: 'REJECT' }).expect(422);
    expect(await countAll()).toBe(after);
    expect(after - before).toBe(3);
  });

  it('writes nothing for a change that rolls back after its notices were written', async () => {
    const p = await proposal();
    const before = await countAll();
    const runtime = api.get(InstanceRuntime);
    const failure = api.get(WriteQueue).run(async (manager) => {
      await runtime.apply(manager, PARTNERSHIP_KIND, p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: { id: api.ids.manager, roles: ['manager'] } });
      expect(Number((await manager.query('SELECT count(*) AS n FROM notifications'))[0].n)).toBe(before + 3);
      throw new Error('a later step of the same transaction failed');
    });
    await expect(failure).rejects.toThrow('a later step of the same transaction failed');
    expect(await countAll()).toBe(before);
    expect((await api.as('auditor').get(`/api/partnerships/${p.id}`).expect(200)).body.state).toBe('proposal');
  });

  it('lists only the caller’s own notices, newest first, with the unread count; marks one or all read', async () => {
    await submitted();
    const all = await inbox('approver2');
    expect(all.total).toBeGreaterThanOrEqual(2);
    expect(all.unread).toBe(all.total);
    expect(all.items.map((n) => n.createdAt + n.id)).toEqual([...all.items.map((n) => n.createdAt + n.id)].sort().reverse());
    const page = await inbox('approver2', '?limit=1&offset=1');
    expect(page.items).toEqual([all.items[1]]);
    expect(page.total).toBe(all.total);

    const [newest] = all.items;
    await api.as('approver').post(`/api/notifications/${newest.id}/read`).expect(404);
    await api.as('approver2').post(`/api/notifications/${newest.id}/read`).expect(204);
    await api.as('approver2').post(`/api/notifications/${newest.id}/read`).expect(204);
    const afterOne = await inbox('approver2');
    expect(afterOne.unread).toBe(all.total - 1);
    expect(afterOne.items[0].readAt).toBe(api.clock.now().toISOString());
    expect((await inbox('approver2', '?unread=true')).items.map((n) => n.id)).not.toContain(newest.id);
    expect((await inbox('approver2', '?unread=true')).total).toBe(all.total - 1);

    await api.as('approver2').post('/api/notifications/read-all').expect(204);
    expect(await inbox('approver2', '?unread=true')).toEqual({ items: [], total: 0, unread: 0 });
    expect((await inbox('approver')).unread).toBeGreaterThan(0);
  });

  it('tells the approvers who have not decided, and the submitter, when approval falls overdue', async () => {
    const p = await submitted('manager', { requiredApprovals: 2 });
    await sendEvent(api, 'approver', p.id, p.version, { type: 'APPROVE' }).expect(200);
    api.clock.advanceDays(15);
    await api.get(TimersService).fireDue();
    for (const told of ['approver2', 'managerApprover', 'manager'] as const) {
      const overdue = (await about(told, p.id)).filter((n) => n.kind === 'approval_overdue');
      expect(overdue).toHaveLength(1);
      expect(overdue[0].subject).toBe('Overdue for approval: Annual lecture and research collaboration');
    }
    expect(await kindsAbout('approver', p.id)).toEqual(['approval_requested']);
  });

  it('tells the owner and every approver that a renewal is due, and the owner that the MOU expired', async () => {
    const p = await drivePartnership(api, organizationId, 'in_force.renewal_due', { term: SHORT_TERM });
    for (const told of ['manager', 'approver', 'approver2', 'managerApprover'] as const) {
      expect((await about(told, p.id)).filter((n) => n.kind === 'renewal_due').map((n) => n.subject)).toEqual([
        'Renewal due: Annual lecture and research collaboration',
      ]);
    }
    api.clock.set('2026-05-16T09:00:00.000Z');
    await api.get(TimersService).fireDue();
    expect((await about('manager', p.id)).filter((n) => n.kind === 'expired')).toHaveLength(1);
    expect((await about('approver', p.id)).filter((n) => n.kind === 'expired')).toEqual([]);
  });

  it('reminds the owner once of an occurrence coming due unscheduled, and once of one to record', async () => {
    const p = await drivePartnership(api, organizationId, 'in_force.active');
    const notifications = api.get(NotificationsService);
    const reminders = async () => (await about('manager', p.id)).filter((n) => n.kind.startsWith('activity_'));
    api.clock.set('2026-08-01T09:00:00.000Z');
    await notifications.sweep();
    expect(await reminders()).toEqual([]);

    api.clock.set('2026-08-10T09:00:00.000Z');
    await notifications.sweep();
    await notifications.sweep();
    expect((await reminders()).map((n) => [n.kind, n.subject])).toEqual([['activity_due', 'To schedule by 2026-09-01: Co-created course on organized crime']]);

    api.clock.set('2026-09-02T09:00:00.000Z');
    await notifications.sweep();
    await notifications.sweep();
    const [, toRecord] = await reminders();
    expect(await reminders()).toHaveLength(2);
    expect(toRecord).toMatchObject({
      kind: 'activity_to_record',
      subject: 'To record: Co-created course on organized crime of 2026-09-01',
      entityType: 'occurrence',
    });
    expect(toRecord.body).toContain('it is marked missed on 2026-10-02');
    expect(await kindsAbout('approver', p.id)).not.toContain('activity_due');
  });
});
