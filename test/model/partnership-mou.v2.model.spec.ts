import type { AnyMachineSnapshot } from 'xstate';
import { getShortestPaths, getSimplePaths, joinPaths } from 'xstate/graph';
import { canonicalJson, sha256Hex } from '../../src/common/canonical-json.js';
import { DAY_MS } from '../../src/common/clock.js';
import { startOfDate } from '../../src/common/dates.js';
import { toDotted, WorkflowEngine } from '../../src/workflow-engine/engine.js';
import { WorkflowRegistry } from '../../src/workflow-engine/workflow-registry.js';
import { SYSTEM_ACTOR, type Actor, type EngineEvent, type InstanceState, type WorkflowContext } from '../../src/workflow-engine/workflow.types.js';
import { last, modelOf, modelTests, scenarioOf, timerEvent, traversalOf, type WorkflowModel } from '../support/model-testing.js';

/*
 * Model-based tests of partnership-mou v2 (SPEC "Workflows evolve"): what v1 does, plus an MOU
 * signed before the system recorded straight into force by an admin, and the escalation of a review
 * that waits twice its deadline. xstate/graph walks the machine built from the JSON; every path is
 * replayed through WorkflowEngine.send, the code path the service uses.
 */

const registry = WorkflowRegistry.loadDirectory('workflows');
const definition = registry.get('partnership-mou', 2).definition;
const engine = new WorkflowEngine();

const START = '2026-01-05T09:00:00.000Z';
const INPUT = { context: { requiredApprovals: 2 }, at: START };

const m1: Actor = { id: 'm1', roles: ['manager'] };
const a1: Actor = { id: 'a1', roles: ['approver'] };
const a2: Actor = { id: 'a2', roles: ['approver'] };
const admin: Actor = { id: 'ad', roles: ['admin'] };
const ACTORS = [m1, a1, a2, admin];

const SUBJECT = {
  summary: 'Annual named lecture and a co-created course on organized crime',
  proposedActivities: [{ kind: 'annual_lecture', title: 'Annual named lecture' }],
};
const CONTENT_HASH = sha256Hex(canonicalJson(SUBJECT));
const AUTHORS = ['m1'];
const LIMITS = { maxTermYears: 10 };
const AGREED = { effectiveFrom: '2026-03-01', expiresOn: '2029-02-28' };
const EXISTING = {
  effectiveFrom: '2024-09-01',
  expiresOn: '2028-08-31',
  signatures: [
    { party: 'partner', signatory: 'Rector', signedOn: '2024-08-20' },
    { party: 'own', signatory: 'Executive Director', signedOn: '2024-08-25' },
  ],
};

const iso = (ms: number) => new Date(ms).toISOString();
const approvalsOf = (context: WorkflowContext) => (context.approvals ?? []) as Array<{ by: string }>;
const signaturesOf = (context: WorkflowContext) => (context.signatures ?? {}) as Record<string, unknown>;
const listLength = (value: unknown) => (Array.isArray(value) ? value.length : 0);

/** When each timer falls due, written from the SPEC rather than from the vocabulary. */
const timerDue: WorkflowModel['timerDue'] = {
  approvalSla: (c) => iso(Date.parse(String(c.submittedAt)) + Number(c.approvalSlaDays) * DAY_MS),
  approvalEscalation: (c) => iso(Date.parse(String(c.submittedAt)) + 2 * Number(c.approvalSlaDays) * DAY_MS),
  renewalWindow: (c) => iso(startOfDate(String(c.expiresOn)) - Number(c.renewalLeadDays) * DAY_MS),
  termExpiry: (c) => iso(startOfDate(String(c.expiresOn)) + DAY_MS),
};

const payloads: WorkflowModel['payloads'] = {
  SUBMIT_FOR_APPROVAL: () => [{ at: '2026-01-06T09:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH, authors: AUTHORS, limits: LIMITS }],
  RECORD_EXISTING: () => [{ at: '2026-01-06T10:00:00.000Z', limits: LIMITS, data: EXISTING }],
  APPROVE: () => [{ at: '2026-01-08T09:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH, authors: AUTHORS, limits: LIMITS }],
  REQUEST_CHANGES: () => [{ at: '2026-01-08T10:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH, authors: AUTHORS, comment: 'Name the focal point' }],
  REJECT: () => [{ at: '2026-01-08T11:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH, authors: AUTHORS, comment: 'Outside our mandate' }],
  WITHDRAW: () => [{ at: '2026-01-09T09:00:00.000Z' }],
  SHARE_DRAFT: () => [{ at: '2026-01-20T09:00:00.000Z', data: { document: { name: 'mou-draft.pdf', sha256: sha256Hex('MOU draft') } } }],
  AGREE_TEXT: () => [{ at: '2026-02-10T09:00:00.000Z', limits: LIMITS, data: AGREED }],
  RECORD_SIGNATURE: () => [
    { at: '2026-02-21T15:00:00.000Z', data: { party: 'own', signatory: 'Executive Director', signedOn: '2026-02-20' } },
    { at: '2026-02-21T15:00:00.000Z', data: { party: 'partner', signatory: 'Rector', signedOn: '2026-02-21' } },
  ],
  TERMINATE: () => [{ at: '2027-06-01T09:00:00.000Z', comment: 'The programme was closed' }],
  RENEW: (c) => [{ at: '2028-06-01T09:00:00.000Z', limits: LIMITS, data: { expiresOn: c.expiresOn === AGREED.expiresOn ? '2032-02-28' : '2031-08-31' } }],
};

function serializeState(snapshot: AnyMachineSnapshot): string {
  const context = snapshot.context as WorkflowContext;
  const signatures = signaturesOf(context);
  return JSON.stringify({
    value: toDotted(snapshot.value),
    submittedBy: context.submittedBy,
    submittedAt: context.submittedAt,
    approvers: approvalsOf(context)
      .map((a) => a.by)
      .sort(),
    overdue: context.overdue,
    escalated: context.escalatedAt !== null,
    existing: context.recordedExisting !== null,
    signed: ['own', 'partner'].filter((party) => signatures[party]),
    drafts: Math.min(listLength(context.drafts), 2),
    expiresOn: context.expiresOn,
  });
}

/** What must hold after every step; each broken rule is named. */
function invariantViolations({ value, context }: InstanceState): string[] {
  const approvals = approvalsOf(context);
  const violations = approvals.filter((a) => a.by === context.submittedBy).map((a) => `${a.by} approved their own submission`);
  if (context.escalatedAt !== null && value !== 'senior_management_review') violations.push(`escalated outside the review, in ${value}`);
  if (value.startsWith('in_force')) {
    const signatures = signaturesOf(context);
    if (!signatures.own || !signatures.partner) violations.push('in force without both signatures');
    const existing = context.recordedExisting !== null;
    // an MOU signed before the system comes into force without the review; any other only through the quorum
    if (!existing && new Set(approvals.map((a) => a.by)).size < Number(context.requiredApprovals)) violations.push('in force without the quorum');
    const [first] = (context.terms ?? []) as Array<{ kind: string }>;
    if (existing !== (first?.kind === 'existing')) violations.push(`recorded existing: ${existing}, but its first term is of kind ${first?.kind}`);
  }
  return violations;
}

const model = modelOf({ engine, definition, input: INPUT, actors: ACTORS, payloads, timerDue, serializeState, invariantViolations });
const traversal = traversalOf(model);
const shortestPaths = getShortestPaths(model.machine, traversal);

/* As for v1, simple paths in two phases: the approval loop, and everything from the first draft on (one actor a role). */
const APPROVAL_PHASE = new Set(['proposal', 'senior_management_review']);
const approvalPaths = getSimplePaths(model.machine, { ...traversal, stopWhen: (s) => !APPROVAL_PHASE.has(toDotted(s.value)) });
const toDrafting = shortestPaths.find((path) => toDotted(path.state.value) === 'mou_drafting');
if (!toDrafting) throw new Error('no path reaches mou_drafting');
const agreementPaths = getSimplePaths(model.machine, {
  ...traversal,
  fromState: toDrafting.state,
  filterEvents: (_, event) => [m1.id, a1.id, SYSTEM_ACTOR.id].includes((event as EngineEvent).actor.id),
}).map((path) => joinPaths(toDrafting, path));
/* And every simple path of an MOU recorded as signed before the system. */
const toRecorded = shortestPaths.find((path) => path.steps.some((step) => step.event.type === 'RECORD_EXISTING'));
if (!toRecorded) throw new Error('no path records an existing MOU');
const recordedPaths = getSimplePaths(model.machine, { ...traversal, fromState: toRecorded.state }).map((path) => joinPaths(toRecorded, path));
const allPaths = [...shortestPaths, ...approvalPaths, ...agreementPaths, ...recordedPaths];

describe('partnership-mou v2, model-based', () => {
  modelTests(model, allPaths, {
    states: ['in_force', 'in_force.active', 'in_force.renewal_due', 'expired'],
    transitions: [
      'proposal on.RECORD_EXISTING[0]',
      'senior_management_review after.approvalSla[0]',
      'senior_management_review after.approvalEscalation[0]',
      'in_force after.termExpiry[0]',
      'in_force.renewal_due on.RENEW[0]',
    ],
  });

  it('walks every phase: the approval loop, the agreement from the first draft on, and a recorded MOU to its end', () => {
    expect([approvalPaths.length, agreementPaths.length, recordedPaths.length].every((n) => n > 0)).toBe(true);
    const ends = new Set(recordedPaths.map((path) => toDotted(path.state.value)));
    expect([...ends].sort()).toEqual(['expired', 'in_force.active', 'in_force.renewal_due', 'terminated']);
  });
});

const { eventFor, play, refusalOf: refusalOfEvent } = scenarioOf(model);
const refusalOf = (state: InstanceState, type: string, actor: Actor, overrides: Partial<EngineEvent> = {}) =>
  refusalOfEvent(state, eventFor(state, type, actor, overrides));

const SLA = timerEvent(definition, 'approvalSla', 'senior_management_review');
const ESCALATION = timerEvent(definition, 'approvalEscalation', 'senior_management_review');
const RENEWAL_WINDOW = timerEvent(definition, 'renewalWindow', 'in_force.active');
const TERM_EXPIRY = timerEvent(definition, 'termExpiry', 'in_force');

describe('partnership-mou v2, what it adds to v1', () => {
  it('keeps v1 as it was: a second file, v1 unchanged beside it', () => {
    expect(registry.get('partnership-mou', 1).hash).not.toBe(registry.get('partnership-mou', 2).hash);
    expect(registry.latest('partnership-mou').definition.version).toBe(2);
    expect(registry.get('partnership-mou', 1).definition.machine.states.proposal.on?.RECORD_EXISTING).toBeUndefined();
  });

  it('records an MOU signed before the system straight into force, as such, and schedules its renewal and expiry', () => {
    const recorded = last(play(['RECORD_EXISTING', admin]));
    expect(recorded.value).toBe('in_force.active');
    expect(recorded.effects).toEqual([{ type: 'ensureActivityOccurrences', params: {} }]);
    expect(recorded.context).toMatchObject({
      effectiveFrom: '2024-09-01',
      expiresOn: '2028-08-31',
      terms: [{ number: 1, kind: 'existing', by: 'ad', effectiveFrom: '2024-09-01', expiresOn: '2028-08-31' }],
      signatures: { partner: { signatory: 'Rector', signedOn: '2024-08-20' }, own: { signatory: 'Executive Director', signedOn: '2024-08-25' } },
      recordedExisting: { by: 'ad', at: '2026-01-06T10:00:00.000Z' },
      submittedBy: null,
      approvals: [],
    });
    expect(new Map(recorded.schedule.map((t) => [t.event, t.dueAt]))).toEqual(
      new Map([
        [TERM_EXPIRY, '2028-09-01T00:00:00.000Z'],
        [RENEWAL_WINDOW, '2028-06-02T00:00:00.000Z'],
      ]),
    );
  });

  it('lets only an admin record an existing MOU, only from a proposal, and only with a live term and both signatures', () => {
    const start = engine.start(definition, INPUT);
    expect(refusalOf(start, 'RECORD_EXISTING', m1)).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['admin'] } });
    expect(refusalOf(start, 'RECORD_EXISTING', admin, { data: { ...EXISTING, expiresOn: '2025-12-31' } })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'datesOrdered', reason: 'the term would already have ended: the expiry date (2025-12-31) is before today (2026-01-06)' },
    });
    expect(refusalOf(start, 'RECORD_EXISTING', admin, { data: { ...EXISTING, signatures: EXISTING.signatures.slice(0, 1) } })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'existingSignatures', reason: 'the own party must have signed exactly once (0 signatures given)' },
    });
    const { signatures, ...withoutSignatures } = EXISTING;
    expect(signatures).toHaveLength(2);
    expect(refusalOf(start, 'RECORD_EXISTING', admin, { data: withoutSignatures })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'requires', missing: ['data.signatures'] },
    });
    const submitted = last(play(['SUBMIT_FOR_APPROVAL', m1]));
    expect(refusalOf(submitted, 'RECORD_EXISTING', admin)).toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
    expect(engine.availableEvents(definition, start, admin)).toEqual(['RECORD_EXISTING']);
  });

  it('escalates a review still waiting at twice its deadline, and clears both marks on the way out', () => {
    const [, submitted, overdue, escalated, approved, done] = play(
      ['SUBMIT_FOR_APPROVAL', m1],
      [SLA, SYSTEM_ACTOR],
      [ESCALATION, SYSTEM_ACTOR],
      ['APPROVE', a1],
      ['APPROVE', a2],
    );
    expect(new Map(submitted.schedule.map((t) => [t.event, t.dueAt]))).toEqual(
      new Map([
        [SLA, '2026-01-20T09:00:00.000Z'],
        [ESCALATION, '2026-02-03T09:00:00.000Z'],
      ]),
    );
    expect(overdue.context).toMatchObject({ overdue: true, escalatedAt: null });
    expect(escalated).toMatchObject({ value: 'senior_management_review', changed: true, schedule: [], cancel: [] });
    expect(escalated.context).toMatchObject({ overdue: true, escalatedAt: '2026-02-03T09:00:00.000Z' });
    expect(approved.context.escalatedAt).toBe('2026-02-03T09:00:00.000Z');
    expect(done.value).toBe('mou_drafting');
    expect(done.context).toMatchObject({ overdue: false, escalatedAt: null });
  });

  it('cancels both review timers when the review ends early', () => {
    const withdrawn = last(play(['SUBMIT_FOR_APPROVAL', m1], ['WITHDRAW', m1]));
    expect([...withdrawn.cancel].sort()).toEqual([ESCALATION, SLA].sort());
  });

  it('lets programme, focal point, notes and owner be edited while in force, and nothing once ended', () => {
    const inForce = last(play(['RECORD_EXISTING', admin]));
    expect(engine.editableFields(definition, inForce.value).sort()).toEqual(['focalPoint', 'notes', 'ownerId', 'programme']);
    expect(engine.editableFields(definition, 'in_force.renewal_due').sort()).toEqual(['focalPoint', 'notes', 'ownerId', 'programme']);
    expect(engine.editableFields(definition, 'terminated')).toEqual([]);
    expect(engine.editableFields(registry.get('partnership-mou', 1).definition, 'in_force.active')).toEqual([]);
  });
});
