import { DataSource } from 'typeorm';
import { ActivitiesService } from '../src/activities/activities.service.js';
import { Occurrence } from '../src/activities/occurrence.entity.js';
import { AuditEvent } from '../src/audit/audit-event.entity.js';
import { AuditService } from '../src/audit/audit.service.js';
import { DomainError } from '../src/common/domain-error.js';
import { Partnership } from '../src/partnerships/partnership.entity.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { Timer } from '../src/timers/timer.entity.js';
import { TimersService } from '../src/timers/timers.service.js';
import { ReplayService } from '../src/workflow-engine/replay.service.js';
import { UsersService } from '../src/users/users.service.js';
import { SYSTEM_ACTOR } from '../src/workflow-engine/workflow.types.js';
import { actors, createProposal, sendFromCurrent } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describe('partnership lifecycle through the service layer (real SQLite file)', () => {
  let t: TestApp;
  let partnerships: PartnershipsService;
  let timers: TimersService;
  let audit: AuditService;
  let replay: ReplayService;
  let dataSource: DataSource;

  beforeAll(async () => {
    t = await createTestApp();
    partnerships = t.get(PartnershipsService);
    timers = t.get(TimersService);
    audit = t.get(AuditService);
    replay = t.get(ReplayService);
    dataSource = t.get(DataSource);
    // Two approvers who may decide, so a proposal may ask for two approvals (the factories' actors are no accounts).
    for (const username of ['first.approver', 'second.approver']) {
      await t.get(UsersService).create({ username, password: 'correct horse battery', roles: ['approver'] }, SYSTEM_ACTOR);
    }
  });

  afterAll(async () => {
    // Replay reproduces the stored state of every instance these tests created.
    const all = await dataSource.getRepository(Partnership).find();
    expect(all.length).toBeGreaterThan(0);
    for (const p of all) {
      const result = await replay.replay('partnership', p.id);
      expect({ id: p.id, ...result.replayed }).toEqual({ id: p.id, ...result.stored });
    }
    const occurrences = await dataSource.getRepository(Occurrence).find();
    for (const o of occurrences) {
      const result = await replay.replay('occurrence', o.id);
      expect(result.matches).toBe(true);
    }
    expect(await audit.verify()).toMatchObject({ ok: true });
    await t.close();
  });

  async function expectRefusal(promise: Promise<unknown>, code: string) {
    await expect(promise).rejects.toBeInstanceOf(DomainError);
    await promise.catch((error: DomainError) => expect(error.code).toBe(code));
  }

  async function pendingTimers(id: string) {
    return dataSource.getRepository(Timer).createQueryBuilder('t').where('t.instance_id = :id AND t.fired_at IS NULL', { id }).orderBy('t.due_at').getMany();
  }

  it('goes from proposal to in force and on to expired by timers, with the clock moved', async () => {
    t.clock.set('2026-03-02T09:00:00.000Z');
    const created = await createProposal(t, { requiredApprovals: 2 });
    expect(created).toMatchObject({ state: 'proposal', version: 1, workflowId: 'partnership-mou', workflowVersion: 2 });
    expect(created.definitionHash).toMatch(/^[0-9a-f]{64}$/);

    let p = await sendFromCurrent(t, created.id, 'SUBMIT_FOR_APPROVAL', actors.manager);
    expect(p.state).toBe('senior_management_review');
    expect((await pendingTimers(p.id)).map((x) => [x.event, x.dueAt])).toEqual([
      ['xstate.after.approvalSla.partnership-mou.senior_management_review', '2026-03-16T09:00:00.000Z'],
      ['xstate.after.approvalEscalation.partnership-mou.senior_management_review', '2026-03-30T09:00:00.000Z'],
    ]);

    // The approval SLA passes: the partnership is marked overdue without changing state.
    t.clock.set('2026-03-17T09:00:00.000Z');
    expect(await timers.fireDue()).toBe(1);
    p = await partnerships.get(p.id);
    expect(p).toMatchObject({ state: 'senior_management_review', overdue: true });

    p = await sendFromCurrent(t, p.id, 'APPROVE', actors.approver);
    expect(p.state).toBe('senior_management_review');
    p = await sendFromCurrent(t, p.id, 'APPROVE', actors.approver2);
    expect(p).toMatchObject({ state: 'mou_drafting', overdue: false });
    const approvals = p.context.approvals as Array<{ by: string; contentHash: string }>;
    expect(approvals.map((a) => a.by)).toEqual([actors.approver.id, actors.approver2.id]);
    expect(new Set(approvals.map((a) => a.contentHash)).size).toBe(1);
    expect(approvals[0].contentHash).toMatch(/^[0-9a-f]{64}$/);

    p = await sendFromCurrent(t, p.id, 'SHARE_DRAFT', actors.manager, { data: { document: { name: 'MOU draft v1.docx', sha256: 'a'.repeat(64) } } });
    p = await sendFromCurrent(t, p.id, 'SHARE_DRAFT', actors.manager, { data: { document: { name: 'MOU draft v2.docx', sha256: 'b'.repeat(64) } } });
    expect(p.state).toBe('mou_negotiation');
    expect((p.context.drafts as Array<{ version: number }>).map((d) => d.version)).toEqual([1, 2]);
    p = await sendFromCurrent(t, p.id, 'AGREE_TEXT', actors.manager, { data: { effectiveFrom: '2026-04-01', expiresOn: '2028-03-31' } });
    const partnerSignature = { party: 'partner', signatory: 'Vice-Chancellor', signedOn: '2026-03-17' };
    p = await sendFromCurrent(t, p.id, 'RECORD_SIGNATURE', actors.manager, { data: partnerSignature });
    expect(p.state).toBe('awaiting_signatures');
    p = await sendFromCurrent(t, p.id, 'RECORD_SIGNATURE', actors.manager, { data: { party: 'own', signatory: 'Executive Director', signedOn: '2026-03-17' } });
    expect(p.state).toBe('in_force.active');

    // Entering in force made the commitments into series with occurrences for the term.
    const series = await t.get(ActivitiesService).forPartnership(p.id);
    expect(series.map((s) => [s.kind, s.occurrences.map((o) => o.dueOn)])).toEqual([
      ['annual_lecture', ['2026-10-15', '2027-10-15']],
      ['research_visit', ['2027-03-01', '2028-03-01']],
      ['course', ['2026-09-01']],
    ]);

    expect((await pendingTimers(p.id)).map((x) => [x.event, x.dueAt])).toEqual([
      ['xstate.after.renewalWindow.partnership-mou.in_force.active', '2028-01-01T00:00:00.000Z'],
      ['xstate.after.termExpiry.partnership-mou.in_force', '2028-04-01T00:00:00.000Z'],
    ]);

    t.clock.set('2028-01-01T00:00:00.000Z');
    await timers.fireDue();
    p = await partnerships.get(p.id);
    expect(p.state).toBe('in_force.renewal_due');

    t.clock.set('2028-04-01T00:00:01.000Z');
    await timers.fireDue();
    p = await partnerships.get(p.id);
    expect(p.state).toBe('expired');
    expect(await pendingTimers(p.id)).toEqual([]);

    // The history holds its occurrences' rows too (SPEC): the partnership's own are these.
    const history = (await partnerships.history(p.id)).items.filter((h) => h.entityType === 'partnership');
    expect(history.map((h) => h.action)).toEqual([
      'CREATE',
      'SUBMIT_FOR_APPROVAL',
      'xstate.after.approvalSla.partnership-mou.senior_management_review',
      'APPROVE',
      'APPROVE',
      'SHARE_DRAFT',
      'SHARE_DRAFT',
      'AGREE_TEXT',
      'RECORD_SIGNATURE',
      'RECORD_SIGNATURE',
      'xstate.after.renewalWindow.partnership-mou.in_force.active',
      'xstate.after.termExpiry.partnership-mou.in_force',
    ]);
    expect(history.filter((h) => h.actorId === 'system').every((h) => h.outcome === 'ok')).toBe(true);
  });

  it('renews a term in the renewal window and keeps the earlier term', async () => {
    t.clock.set('2026-03-02T09:00:00.000Z');
    let p = await createProposal(t);
    p = await sendFromCurrent(t, p.id, 'SUBMIT_FOR_APPROVAL', actors.manager);
    p = await sendFromCurrent(t, p.id, 'APPROVE', actors.approver);
    p = await sendFromCurrent(t, p.id, 'SHARE_DRAFT', actors.manager, { data: { document: { name: 'MOU.pdf', sha256: 'c'.repeat(64) } } });
    p = await sendFromCurrent(t, p.id, 'AGREE_TEXT', actors.manager, { data: { effectiveFrom: '2026-04-01', expiresOn: '2027-03-31' } });
    p = await sendFromCurrent(t, p.id, 'RECORD_SIGNATURE', actors.manager, { data: { party: 'own', signatory: 'ED', signedOn: '2026-03-02' } });
    p = await sendFromCurrent(t, p.id, 'RECORD_SIGNATURE', actors.manager, { data: { party: 'partner', signatory: 'VC', signedOn: '2026-03-02' } });
    t.clock.set('2027-01-15T00:00:00.000Z');
    await timers.fireDue();
    p = await sendFromCurrent(t, p.id, 'RENEW', actors.approver, { data: { expiresOn: '2029-03-31' } });
    expect(p.state).toBe('in_force.active');
    expect(
      (p.context.terms as Array<{ number: number; effectiveFrom: string; expiresOn: string; kind: string; by: string }>).map((x) => [
        x.number,
        x.effectiveFrom,
        x.expiresOn,
        x.kind,
        x.by,
      ]),
    ).toEqual([
      [1, '2026-04-01', '2027-03-31', 'agreed', actors.manager.id],
      [2, '2027-04-01', '2029-03-31', 'renewed', actors.approver.id],
    ]);
    const timersNow = await pendingTimers(p.id);
    expect(timersNow.map((x) => [x.event, x.dueAt])).toEqual([
      ['xstate.after.renewalWindow.partnership-mou.in_force.active', '2028-12-31T00:00:00.000Z'],
      ['xstate.after.termExpiry.partnership-mou.in_force', '2029-04-01T00:00:00.000Z'],
    ]);
    // Renewal added the new term's occurrences to the yearly series.
    const lectures = (await t.get(ActivitiesService).forPartnership(p.id))[0].occurrences.map((o) => [o.dueOn, o.termNumber]);
    expect(lectures).toEqual([
      ['2026-10-15', 1],
      ['2027-10-15', 2],
      ['2028-10-15', 2],
    ]);
  });

  it('cancels both timers of the review when changes are requested, and writes both again at the next submission', async () => {
    t.clock.set('2026-05-04T09:00:00.000Z');
    let p = await sendFromCurrent(t, (await createProposal(t)).id, 'SUBMIT_FOR_APPROVAL', actors.manager);
    expect((await pendingTimers(p.id)).map((x) => x.event)).toEqual([
      'xstate.after.approvalSla.partnership-mou.senior_management_review',
      'xstate.after.approvalEscalation.partnership-mou.senior_management_review',
    ]);
    p = await sendFromCurrent(t, p.id, 'REQUEST_CHANGES', actors.approver, { comment: 'Add the course outline.' });
    expect(p.state).toBe('proposal');
    expect(await pendingTimers(p.id)).toEqual([]);
    t.clock.set('2026-05-05T09:00:00.000Z');
    p = await sendFromCurrent(t, p.id, 'SUBMIT_FOR_APPROVAL', actors.manager);
    expect((await pendingTimers(p.id)).map((x) => [x.event, x.dueAt])).toEqual([
      ['xstate.after.approvalSla.partnership-mou.senior_management_review', '2026-05-19T09:00:00.000Z'],
      ['xstate.after.approvalEscalation.partnership-mou.senior_management_review', '2026-06-02T09:00:00.000Z'],
    ]);
  });

  it('refuses a stale version and writes nothing but the audited refusal', async () => {
    const p = await createProposal(t);
    const rowsBefore = await dataSource.getRepository(AuditEvent).count();
    const attempt = partnerships.send(p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: actors.manager, expectedVersion: p.version + 1 });
    await expectRefusal(attempt, 'VERSION_MISMATCH');
    const after = await partnerships.get(p.id);
    expect(after).toMatchObject({ state: 'proposal', version: 1 });
    expect(await pendingTimers(p.id)).toEqual([]);
    const newRows = await dataSource.getRepository(AuditEvent).find({ where: {}, order: { seq: 'ASC' }, skip: rowsBefore });
    expect(newRows.map((r) => [r.action, r.outcome, JSON.parse(r.payload).code])).toEqual([['SUBMIT_FOR_APPROVAL', 'denied', 'VERSION_MISMATCH']]);
  });

  it('applies exactly one of two interleaved sends on one partnership', async () => {
    const p = await createProposal(t);
    const input = { type: 'SUBMIT_FOR_APPROVAL', actor: actors.manager, expectedVersion: p.version };
    const results = await Promise.allSettled([partnerships.send(p.id, input), partnerships.send(p.id, { ...input, type: 'WITHDRAW' })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as DomainError).code).toBe('VERSION_MISMATCH');
    const history = (await partnerships.history(p.id)).items;
    expect(history.filter((h) => h.outcome === 'ok' && h.action !== 'CREATE')).toHaveLength(1);
    expect((await partnerships.get(p.id)).version).toBe(2);
  });

  it('refuses self-approval, double approval and a decision without a comment, and audits each refusal', async () => {
    let p = await createProposal(t, { requiredApprovals: 2 }, { by: actors.managerApprover });
    p = await sendFromCurrent(t, p.id, 'SUBMIT_FOR_APPROVAL', actors.managerApprover);
    await expectRefusal(sendFromCurrent(t, p.id, 'APPROVE', actors.managerApprover), 'SEPARATION_OF_DUTIES');
    p = await sendFromCurrent(t, p.id, 'APPROVE', actors.approver);
    await expectRefusal(sendFromCurrent(t, p.id, 'APPROVE', actors.approver), 'GUARD_FAILED');
    await expectRefusal(sendFromCurrent(t, p.id, 'REQUEST_CHANGES', actors.approver2), 'GUARD_FAILED');
    await expectRefusal(sendFromCurrent(t, p.id, 'APPROVE', actors.manager), 'FORBIDDEN');
    await expectRefusal(sendFromCurrent(t, p.id, 'SHARE_DRAFT', actors.manager), 'EVENT_NOT_ALLOWED');
    const denied = (await partnerships.history(p.id)).items.filter((h) => h.outcome === 'denied');
    expect(denied.map((d) => [d.action, JSON.parse(d.payload).code])).toEqual([
      ['APPROVE', 'SEPARATION_OF_DUTIES'],
      ['APPROVE', 'GUARD_FAILED'],
      ['REQUEST_CHANGES', 'GUARD_FAILED'],
      ['APPROVE', 'FORBIDDEN'],
      ['SHARE_DRAFT', 'EVENT_NOT_ALLOWED'],
    ]);
    expect((await partnerships.get(p.id)).context.approvals).toHaveLength(1);
  });

  it('edits only what the state allows', async () => {
    let p = await createProposal(t);
    p = await partnerships.updateDetails(p.id, { summary: 'A sharper summary.' }, actors.manager, p.version);
    expect(p).toMatchObject({ summary: 'A sharper summary.', version: 2 });
    p = await sendFromCurrent(t, p.id, 'SUBMIT_FOR_APPROVAL', actors.manager);
    await expectRefusal(partnerships.updateDetails(p.id, { summary: 'Changed under review' }, actors.manager, p.version), 'EVENT_NOT_ALLOWED');
    p = await partnerships.updateDetails(p.id, { notes: 'Met the dean again.' }, actors.manager, p.version);
    expect(p).toMatchObject({ summary: 'A sharper summary.', notes: 'Met the dean again.' });
  });

  it('fires a timer once even when two pollers run at the same time', async () => {
    t.clock.set('2026-03-02T09:00:00.000Z');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const p = await createProposal(t);
      ids.push((await sendFromCurrent(t, p.id, 'SUBMIT_FOR_APPROVAL', actors.manager)).id);
    }
    t.clock.set('2026-04-30T00:00:00.000Z');
    const [a, b] = await Promise.all([timers.fireDue(), timers.fireDue()]);
    expect(a + b).toBeGreaterThanOrEqual(5);
    for (const id of ids) {
      const fired = (await partnerships.history(id)).items.filter((h) => h.action.startsWith('xstate.after.approvalSla'));
      expect(fired).toHaveLength(1);
      expect((await partnerships.get(id)).overdue).toBe(true);
    }
    expect(await timers.fireDue()).toBe(0);
  });
});
