import type { AnyMachineSnapshot } from 'xstate';
import { getShortestPaths, getSimplePaths, joinPaths } from 'xstate/graph';
import { canonicalJson, sha256Hex } from '../../src/common/canonical-json.js';
import { DAY_MS } from '../../src/common/clock.js';
import { startOfDate } from '../../src/common/dates.js';
import { toDotted, WorkflowEngine } from '../../src/workflow-engine/engine.js';
import { modelTests, last, modelOf, refusal, scenarioOf, timerEvent, traversalOf, type StepSpec, type WorkflowModel } from '../support/model-testing.js';
import { WorkflowRegistry } from '../../src/workflow-engine/workflow-registry.js';
import { SYSTEM_ACTOR, type Actor, type EngineEvent, type InstanceState, type WorkflowContext } from '../../src/workflow-engine/workflow.types.js';

/*
 * Model-based tests of partnership-mou v1: xstate/graph walks the machine built from the JSON, with
 * concrete events for every event the definition names, and every path it finds is replayed
 * through WorkflowEngine.send, the code path the service uses.
 */

const definition = WorkflowRegistry.loadDirectory('workflows').get('partnership-mou', 1).definition;
const engine = new WorkflowEngine();

const START = '2026-01-05T09:00:00.000Z';
const INPUT = { context: { requiredApprovals: 2 }, at: START };

const m1: Actor = { id: 'm1', roles: ['manager'] };
/** A manager who is also an approver: when m2 submits, m2 must not approve. */
const m2: Actor = { id: 'm2', roles: ['manager', 'approver'] };
const a1: Actor = { id: 'a1', roles: ['approver'] };
const a2: Actor = { id: 'a2', roles: ['approver'] };
const ACTORS = [m1, m2, a1, a2];

const SUBJECT = {
  summary: 'Annual named lecture and a co-created course on organized crime',
  proposedActivities: [{ kind: 'annual_lecture', title: 'Annual named lecture' }],
};
const CONTENT_HASH = sha256Hex(canonicalJson(SUBJECT));
/** The proposal as it stands after a change (its organization renamed, say). */
const CHANGED_HASH = sha256Hex(canonicalJson({ ...SUBJECT, summary: 'Changed after the first approval' }));
/** Who wrote the proposal: m1 created it. */
const AUTHORS = ['m1'];
/** The bounds the service sets on every partnership event. */
const LIMITS = { maxTermYears: 10 };
const AGREED = { effectiveFrom: '2026-03-01', expiresOn: '2029-02-28' };
const RENEWED_UNTIL = '2032-02-28';

const iso = (ms: number) => new Date(ms).toISOString();
const approvalsOf = (context: WorkflowContext) => (context.approvals ?? []) as Array<{ by: string }>;
const signaturesOf = (context: WorkflowContext) => (context.signatures ?? {}) as Record<string, unknown>;
const listLength = (value: unknown) => (Array.isArray(value) ? value.length : 0);

/** When each timer falls due, written from the SPEC rather than from the vocabulary. */
const timerDue: WorkflowModel['timerDue'] = {
  approvalSla: (c) => iso(Date.parse(String(c.submittedAt)) + Number(c.approvalSlaDays) * DAY_MS),
  renewalWindow: (c) => iso(startOfDate(String(c.expiresOn)) - Number(c.renewalLeadDays) * DAY_MS),
  termExpiry: (c) => iso(startOfDate(String(c.expiresOn)) + DAY_MS),
};

/** Valid payloads for every event of the definition; a new event without one fails the model. */
const payloads: WorkflowModel['payloads'] = {
  SUBMIT_FOR_APPROVAL: () => [{ at: '2026-01-06T09:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH, authors: AUTHORS, limits: LIMITS }],
  APPROVE: () => [
    { at: '2026-01-08T09:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH, authors: AUTHORS, limits: LIMITS, data: { contentHash: CONTENT_HASH } },
  ],
  REQUEST_CHANGES: () => [
    {
      at: '2026-01-08T10:00:00.000Z',
      subject: SUBJECT,
      contentHash: CONTENT_HASH,
      authors: AUTHORS,
      limits: LIMITS,
      comment: 'Name the focal point at the university',
    },
  ],
  REJECT: () => [
    { at: '2026-01-08T11:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH, authors: AUTHORS, limits: LIMITS, comment: 'Outside our mandate' },
  ],
  WITHDRAW: () => [{ at: '2026-01-09T09:00:00.000Z', comment: 'The university withdrew' }],
  SHARE_DRAFT: () => [{ at: '2026-01-20T09:00:00.000Z', data: { document: { name: 'mou-draft.pdf', sha256: sha256Hex('MOU draft') } } }],
  AGREE_TEXT: () => [{ at: '2026-02-10T09:00:00.000Z', limits: LIMITS, data: AGREED }],
  RECORD_SIGNATURE: () => [
    { at: '2026-02-21T15:00:00.000Z', data: { party: 'own', signatory: 'Executive Director', signedOn: '2026-02-20' } },
    // signed the day the signature is recorded: the latest day that is not in the future
    { at: '2026-02-21T15:00:00.000Z', data: { party: 'partner', signatory: 'Rector', signedOn: '2026-02-21' } },
  ],
  TERMINATE: () => [{ at: '2027-06-01T09:00:00.000Z', comment: 'The programme was closed' }],
  RENEW: () => [{ at: '2028-12-01T09:00:00.000Z', limits: LIMITS, comment: 'Renewed for three years', data: { expiresOn: RENEWED_UNTIL } }],
};

/**
 * The state key of the graph: the value plus the bounded part of the context that guards and the
 * model's payloads read (who submitted and when, who approved, overdue, who signed, the end of the
 * term), and a capped count of drafts so that sharing another draft shows up as a step. The events
 * of a path are built from the first state the graph met with a key, so the key must hold all that.
 */
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
    signed: ['own', 'partner'].filter((party) => signatures[party]),
    drafts: Math.min(listLength(context.drafts), 2),
    expiresOn: context.expiresOn,
  });
}

/** What must hold after every step; each broken rule is named. */
function invariantViolations({ value, context }: InstanceState): string[] {
  const approvals = approvalsOf(context);
  const violations = approvals.filter((a) => a.by === context.submittedBy).map((a) => `${a.by} approved their own submission`);
  if (value.startsWith('in_force')) {
    const approvers = new Set(approvals.map((a) => a.by));
    if (approvers.size !== approvals.length) violations.push('an approver counted twice');
    if (approvers.size < Number(context.requiredApprovals))
      violations.push(`in force with ${approvers.size} of ${String(context.requiredApprovals)} approvals`);
    const signatures = signaturesOf(context);
    if (!signatures.own || !signatures.partner) violations.push('in force without both signatures');
  }
  return violations;
}

const model = modelOf({ engine, definition, input: INPUT, actors: ACTORS, payloads, timerDue, serializeState, invariantViolations });
const traversal = traversalOf(model);
const shortestPaths = getShortestPaths(model.machine, traversal);

/*
 * Simple paths of the whole machine run to six figures, so they are taken in two phases: every
 * simple path through the approval loop (proposal ⇄ review, overdue, resubmission, each order of
 * approvers), up to the first state past it; and every simple path from the first MOU draft on,
 * each joined to the shortest path that reaches that draft.
 */
const APPROVAL_PHASE = new Set(['proposal', 'senior_management_review']);
const approvalPaths = getSimplePaths(model.machine, { ...traversal, stopWhen: (s) => !APPROVAL_PHASE.has(toDotted(s.value)) });
const toDrafting = shortestPaths.find((path) => toDotted(path.state.value) === 'mou_drafting');
if (!toDrafting) throw new Error('no path reaches mou_drafting');
// past approval no guard reads who acts, so one actor per role keeps the count down
const agreementPaths = getSimplePaths(model.machine, {
  ...traversal,
  fromState: toDrafting.state,
  filterEvents: (_, event) => [m1.id, a1.id, SYSTEM_ACTOR.id].includes((event as EngineEvent).actor.id),
}).map((path) => joinPaths(toDrafting, path));
const simplePaths = [...approvalPaths, ...agreementPaths];
const allPaths = [...shortestPaths, ...simplePaths];
describe('partnership-mou v1, model-based', () => {
  modelTests(model, allPaths, {
    states: ['in_force', 'in_force.active', 'in_force.renewal_due', 'expired'],
    transitions: [
      'senior_management_review always[0]',
      'senior_management_review after.approvalSla[0]',
      'mou_negotiation on.SHARE_DRAFT[0]',
      'in_force after.termExpiry[0]',
      'in_force.renewal_due on.RENEW[0]',
    ],
  });

  it('walks both phases: paths through the approval loop, and paths from the first draft on', () => {
    expect(approvalPaths.length).toBeGreaterThan(0);
    expect(agreementPaths.length).toBeGreaterThan(0);
  });

  it('reaches in_force only through two distinct approvers who are not the submitter, even when the submitter is an approver', () => {
    const inForce = allPaths.filter((path) => toDotted(path.state.value).startsWith('in_force'));
    const bySubmitter = new Map<string, string[][]>();
    for (const path of inForce) {
      const context = path.state.context as WorkflowContext;
      const approvers = approvalsOf(context)
        .map((a) => a.by)
        .sort();
      bySubmitter.set(String(context.submittedBy), [...(bySubmitter.get(String(context.submittedBy)) ?? []), approvers]);
    }
    expect(new Set(bySubmitter.get('m2')?.map((a) => a.join()))).toEqual(new Set(['a1,a2']));
    expect(new Set(bySubmitter.get('m1')?.map((a) => a.join()))).toEqual(new Set(['a1,a2', 'a1,m2', 'a2,m2']));
  });
});

const { eventFor, play, refusalOf: refusalOfEvent } = scenarioOf(model);

function refusalOf(state: InstanceState, type: string, actor: Actor, overrides: Partial<EngineEvent> = {}, variant = 0) {
  return refusalOfEvent(state, eventFor(state, type, actor, overrides, variant));
}

const SLA = timerEvent(definition, 'approvalSla', 'senior_management_review');
const RENEWAL_WINDOW = timerEvent(definition, 'renewalWindow', 'in_force.active');
const TERM_EXPIRY = timerEvent(definition, 'termExpiry', 'in_force');

const APPROVED: StepSpec[] = [
  ['SUBMIT_FOR_APPROVAL', m1],
  ['APPROVE', a1],
  ['APPROVE', a2],
];
const SIGNED: StepSpec[] = [...APPROVED, ['SHARE_DRAFT', m1], ['AGREE_TEXT', m1], ['RECORD_SIGNATURE', m1, {}, 0], ['RECORD_SIGNATURE', m1, {}, 1]];

describe('partnership-mou v1, refusals', () => {
  const submittedByM2 = last(play(['SUBMIT_FOR_APPROVAL', m2]));

  it('refuses a decision by the submitter, even one who is an approver, as SEPARATION_OF_DUTIES', () => {
    for (const type of ['APPROVE', 'REQUEST_CHANGES', 'REJECT']) {
      expect(refusalOf(submittedByM2, type, m2)).toMatchObject({ code: 'SEPARATION_OF_DUTIES', details: { rule: 'notSubmitter' } });
    }
    expect(last(play(['SUBMIT_FOR_APPROVAL', m2], ['APPROVE', a1])).context.approvals).toEqual([
      { by: 'a1', at: '2026-01-08T09:00:00.000Z', contentHash: CONTENT_HASH },
    ]);
  });

  it('refuses a decision by whoever wrote the proposal (its creator, an editor since the last submission), even when someone else submitted it', () => {
    for (const author of [['m2'], ['m1', 'm2']]) {
      const submitted = last(play(['SUBMIT_FOR_APPROVAL', m1, { authors: author }]));
      for (const type of ['APPROVE', 'REQUEST_CHANGES', 'REJECT']) {
        // the authors were recorded at submission: a later event that names none still refuses them
        expect(refusalOf(submitted, type, m2, { authors: [] })).toMatchObject({ code: 'SEPARATION_OF_DUTIES', details: { rule: 'notSubmitter' } });
      }
      expect(engine.availableEvents(definition, submitted, m2, { authors: [] })).toEqual(['WITHDRAW']);
    }
    // the creator as the decision's event names it, for a proposal submitted before authors were recorded
    const submitted = last(play(['SUBMIT_FOR_APPROVAL', m1, { authors: undefined }]));
    expect(refusalOf(submitted, 'APPROVE', m2, { authors: ['m2'] })).toMatchObject({ code: 'SEPARATION_OF_DUTIES' });
    expect(last(play(['SUBMIT_FOR_APPROVAL', m1], ['APPROVE', m2])).context.approvals).toEqual([
      { by: 'm2', at: '2026-01-08T09:00:00.000Z', contentHash: CONTENT_HASH },
    ]);
  });

  it('counts only approvals of the content as it stands: an approval of content that has since changed no longer counts', () => {
    const changed = { contentHash: CHANGED_HASH, data: { contentHash: CHANGED_HASH } };
    const [, , firstApproved, secondApproved, again] = play(['SUBMIT_FOR_APPROVAL', m1], ['APPROVE', a1], ['APPROVE', a2, changed], ['APPROVE', a1, changed]);
    expect(firstApproved.value).toBe('senior_management_review');
    expect(secondApproved.value).toBe('senior_management_review');
    // its approver may approve the content as it stands, and then the quorum of two is reached
    expect(again.value).toBe('mou_drafting');
    expect(refusalOf(secondApproved, 'APPROVE', a2, changed)).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'notAlreadyApproved' } });
    expect(refusalOf(secondApproved, 'APPROVE', a1, { data: { contentHash: CONTENT_HASH }, contentHash: CHANGED_HASH })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'approvedContentIsCurrent' },
    });
  });

  it('counts one approver once', () => {
    const once = last(play(['SUBMIT_FOR_APPROVAL', m1], ['APPROVE', a1]));
    expect(once.value).toBe('senior_management_review');
    expect(refusalOf(once, 'APPROVE', a1)).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'notAlreadyApproved' } });
  });

  it('refuses an approval of content other than the current proposal', () => {
    expect(refusalOf(submittedByM2, 'APPROVE', a1, { data: { contentHash: sha256Hex('an older proposal') } })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'approvedContentIsCurrent' },
    });
  });

  it('refuses REQUEST_CHANGES and REJECT without a comment, naming the missing field', () => {
    for (const type of ['REQUEST_CHANGES', 'REJECT']) {
      for (const comment of [undefined, '   ']) {
        expect(refusalOf(submittedByM2, type, a1, { comment })).toMatchObject({
          code: 'GUARD_FAILED',
          details: { rule: 'requires', missing: ['comment'] },
        });
      }
    }
  });

  it('refuses a submission without a summary or without a proposed activity', () => {
    const start = engine.start(definition, INPUT);
    expect(refusalOf(start, 'SUBMIT_FOR_APPROVAL', m1, { subject: { ...SUBJECT, summary: '' } })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'fieldsPresent' },
    });
    expect(refusalOf(start, 'SUBMIT_FOR_APPROVAL', m1, { subject: { ...SUBJECT, proposedActivities: [] } })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'minItems' },
    });
  });

  it('names every problem of a submission at once, the first as a refusal of one always did', () => {
    const start = engine.start(definition, INPUT);
    const refused = refusalOf(start, 'SUBMIT_FOR_APPROVAL', m1, { subject: { ...SUBJECT, summary: ' ', proposedActivities: [] } });
    expect(refused).toMatchObject({
      code: 'GUARD_FAILED',
      details: {
        rule: 'fieldsPresent',
        reason: expect.stringContaining('summary'),
        problems: [
          { rule: 'fieldsPresent', reason: expect.stringContaining('summary') },
          { rule: 'minItems', reason: expect.stringContaining('activit') },
        ],
      },
    });
    // One problem: no list, as before.
    expect(refusalOf(start, 'SUBMIT_FOR_APPROVAL', m1, { subject: { ...SUBJECT, proposedActivities: [] } })).not.toHaveProperty('details.problems');
  });

  it('names a missing field and every other rule the event breaks, but not a rule over the missing field itself', () => {
    const negotiating = last(play(...APPROVED, ['SHARE_DRAFT', m1]));
    const agreed = last(play(...APPROVED, ['SHARE_DRAFT', m1], ['AGREE_TEXT', m1]));
    // A signature with no signatory, dated in the future: both at once.
    const refused = refusalOf(agreed, 'RECORD_SIGNATURE', m1, { data: { party: 'partner', signedOn: '2999-01-01' } });
    expect(refused).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'requires', missing: ['data.signatory'], problems: [{ rule: 'requires', missing: ['data.signatory'] }, { rule: 'notInFuture' }] },
    });
    // An agreed text with neither date: the date rules over them say nothing the missing fields do not.
    const undated = refusalOf(negotiating, 'AGREE_TEXT', m1, { data: {} });
    expect(undated).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'requires' } });
    expect(undated).not.toHaveProperty('details.problems');
  });

  it('refuses an event from a role that may not send it as FORBIDDEN', () => {
    expect(refusalOf(submittedByM2, 'APPROVE', m1)).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['approver'] } });
    expect(refusalOf(submittedByM2, 'WITHDRAW', a1)).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['manager'] } });
    const inForce = last(play(...SIGNED));
    expect(refusalOf(inForce, 'TERMINATE', m1)).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['approver'] } });
  });

  it('refuses an event the state does not know as EVENT_NOT_ALLOWED, listing what this actor may send', () => {
    const start = engine.start(definition, INPUT);
    expect(refusalOf(start, 'AGREE_TEXT', m1)).toMatchObject({
      code: 'EVENT_NOT_ALLOWED',
      details: { state: 'proposal', allowedEvents: ['SUBMIT_FOR_APPROVAL', 'WITHDRAW'] },
    });
    // the submitter may not decide, so only WITHDRAW is offered to m2 although m2 is an approver
    expect(refusalOf(submittedByM2, 'SHARE_DRAFT', m2)).toMatchObject({
      code: 'EVENT_NOT_ALLOWED',
      details: { state: 'senior_management_review', allowedEvents: ['WITHDRAW'] },
    });
    expect(refusalOf(submittedByM2, 'SHARE_DRAFT', a1)).toMatchObject({
      details: { allowedEvents: ['APPROVE', 'REJECT', 'REQUEST_CHANGES'] },
    });
    // names that every JS object inherits are not events of the definition
    for (const type of ['constructor', 'toString', '__proto__']) {
      expect(refusal(() => engine.send(definition, start, { type, actor: m1, at: START }))).toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
    }
    const inheritedTimer = { type: timerEvent(definition, 'constructor', 'senior_management_review'), actor: SYSTEM_ACTOR, at: START };
    expect(refusal(() => engine.send(definition, submittedByM2, inheritedTimer))).toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
    const withdrawn = last(play(['WITHDRAW', m1]));
    expect(refusalOf(withdrawn, 'SUBMIT_FOR_APPROVAL', m1)).toMatchObject({
      code: 'EVENT_NOT_ALLOWED',
      details: { state: 'withdrawn', allowedEvents: [] },
    });
  });

  it('refuses a draft without the document name or hash', () => {
    const approved = last(play(...APPROVED));
    expect(refusalOf(approved, 'SHARE_DRAFT', m1, { data: { document: { name: 'mou.pdf' } } })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'requires', missing: ['data.document.sha256'] },
    });
  });

  it('refuses an agreed text whose term ends before it starts', () => {
    const negotiating = last(play(...APPROVED, ['SHARE_DRAFT', m1]));
    expect(refusalOf(negotiating, 'AGREE_TEXT', m1, { data: { effectiveFrom: '2026-03-01', expiresOn: '2026-03-01' } })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'datesOrdered' },
    });
  });

  it('refuses a term that has already ended, or that lasts longer than the maximum the event carries', () => {
    const negotiating = last(play(...APPROVED, ['SHARE_DRAFT', m1]));
    // the text is agreed on 2026-02-10
    const ended = refusalOf(negotiating, 'AGREE_TEXT', m1, { data: { effectiveFrom: '2025-01-01', expiresOn: '2026-02-09' } });
    expect(ended).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'datesOrdered', reason: 'the term would already have ended: the expiry date (2026-02-09) is before today (2026-02-10)' },
    });
    const endless = refusalOf(negotiating, 'AGREE_TEXT', m1, { data: { effectiveFrom: '2026-03-01', expiresOn: '9999-12-31' } });
    expect(endless).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'datesOrdered' } });
    expect(endless.message).toBe(
      'AGREE_TEXT refused by rule datesOrdered: a term lasts at most 10 years: the expiry date (9999-12-31) is more than 10 years after the date the MOU takes effect (2026-03-01)',
    );
    expect(refusalOf(negotiating, 'AGREE_TEXT', m1, { data: { effectiveFrom: '2026-03-01', expiresOn: '2036-03-02' } })).toMatchObject({
      details: { rule: 'datesOrdered' },
    });
    expect(last(play(...APPROVED, ['SHARE_DRAFT', m1], ['AGREE_TEXT', m1, { data: { effectiveFrom: '2026-03-01', expiresOn: '2036-03-01' } }])).value).toBe(
      'awaiting_signatures',
    );
    // the bound is the event's: one recorded without limits (before there were any) is judged as it was accepted
    expect(
      last(play(...APPROVED, ['SHARE_DRAFT', m1], ['AGREE_TEXT', m1, { limits: undefined, data: { effectiveFrom: '2026-03-01', expiresOn: '9999-12-31' } }]))
        .value,
    ).toBe('awaiting_signatures');
    const renewalDue = last(play(...SIGNED, [RENEWAL_WINDOW, SYSTEM_ACTOR]));
    expect(refusalOf(renewalDue, 'RENEW', a1, { data: { expiresOn: '2039-03-01' } })).toMatchObject({ details: { rule: 'datesOrdered' } });
    expect(engine.send(definition, renewalDue, eventFor(renewalDue, 'RENEW', a1, { data: { expiresOn: '2039-02-28' } })).value).toBe('in_force.active');
  });

  it('refuses a second signature for the same party, a signature dated in the future, and an unknown party', () => {
    const ownSigned = last(play(...SIGNED.slice(0, -1)));
    expect(ownSigned.value).toBe('awaiting_signatures');
    expect(refusalOf(ownSigned, 'RECORD_SIGNATURE', m1, {}, 0)).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'partyNotSigned' } });
    const partner = { party: 'partner', signatory: 'Rector' };
    expect(refusalOf(ownSigned, 'RECORD_SIGNATURE', m1, { data: { ...partner, signedOn: '2026-02-22' } })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'notInFuture' },
    });
    expect(refusalOf(ownSigned, 'RECORD_SIGNATURE', m1, { data: { ...partner, party: 'witness', signedOn: '2026-02-21' } })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'partyNotSigned' },
    });
  });

  it('refuses a renewal that does not extend the term', () => {
    const renewalDue = last(play(...SIGNED, [RENEWAL_WINDOW, SYSTEM_ACTOR]));
    expect(renewalDue.value).toBe('in_force.renewal_due');
    expect(refusalOf(renewalDue, 'RENEW', a1, { data: { expiresOn: AGREED.expiresOn } })).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'datesOrdered' },
    });
  });

  it('refuses a timer event from anyone but system, and a timer of a state that is not active', () => {
    expect(refusalOf(submittedByM2, SLA, m1)).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['system'] } });
    expect(refusalOf(submittedByM2, SLA, a1)).toMatchObject({ code: 'FORBIDDEN' });
    const early = { type: TERM_EXPIRY, actor: SYSTEM_ACTOR, at: '2029-03-01T00:00:00.000Z' };
    expect(refusal(() => engine.send(definition, submittedByM2, early))).toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
  });
});

describe('partnership-mou v1, timers and effects', () => {
  it('schedules the approval SLA approvalSlaDays after the submission, in absolute time', () => {
    const [, submitted] = play(['SUBMIT_FOR_APPROVAL', m1, { at: '2026-01-06T09:30:00.000Z' }]);
    expect(submitted.schedule).toEqual([{ event: SLA, dueAt: '2026-01-20T09:30:00.000Z' }]);
    expect(submitted.cancel).toEqual([]);
    const faster = engine.start(definition, { context: { approvalSlaDays: 3 }, at: START });
    const next = engine.send(definition, faster, eventFor(faster, 'SUBMIT_FOR_APPROVAL', m1));
    expect(next.schedule).toEqual([{ event: SLA, dueAt: '2026-01-09T09:00:00.000Z' }]);
  });

  it('takes the quorum and the SLA from the submitted content when it names them', () => {
    const subject = { ...SUBJECT, requiredApprovals: 1, approvalSlaDays: 5 };
    const [, submitted, approved] = play(['SUBMIT_FOR_APPROVAL', m1, { subject }], ['APPROVE', a1, { subject }]);
    expect(submitted.schedule).toEqual([{ event: SLA, dueAt: '2026-01-11T09:00:00.000Z' }]);
    expect(approved.value).toBe('mou_drafting');
  });

  it('leaves no timer behind for a state entered and left in the same step', () => {
    // a quorum of zero (the service never allows it) passes through the review within the submission
    const [, submitted] = play(['SUBMIT_FOR_APPROVAL', m1, { subject: { ...SUBJECT, requiredApprovals: 0 } }]);
    expect(submitted).toMatchObject({ value: 'mou_drafting', schedule: [], cancel: [] });
  });

  it('marks the review overdue when the SLA fires, without leaving it, and clears the mark on the way out', () => {
    const [, , overdue, approved] = play(['SUBMIT_FOR_APPROVAL', m1], [SLA, SYSTEM_ACTOR], ['APPROVE', a1]);
    expect(overdue).toMatchObject({ value: 'senior_management_review', changed: true, schedule: [], cancel: [], effects: [] });
    expect(overdue.context.overdue).toBe(true);
    expect(approved.context.overdue).toBe(true);
    const rejected = engine.send(definition, approved, eventFor(approved, 'REJECT', a2));
    expect(rejected).toMatchObject({ value: 'rejected', cancel: [SLA], schedule: [] });
    expect(rejected.context.overdue).toBe(false);
  });

  it('cancels the SLA when the quorum is reached, and schedules a new one on resubmission', () => {
    const approved = last(play(...APPROVED));
    expect(approved).toMatchObject({ value: 'mou_drafting', cancel: [SLA], schedule: [] });
    const [, , sentBack, resubmitted] = play(
      ['SUBMIT_FOR_APPROVAL', m1],
      ['REQUEST_CHANGES', a1],
      ['SUBMIT_FOR_APPROVAL', m1, { at: '2026-02-02T08:00:00.000Z' }],
    );
    expect(sentBack).toMatchObject({ value: 'proposal', cancel: [SLA], schedule: [] });
    expect(resubmitted.schedule).toEqual([{ event: SLA, dueAt: '2026-02-16T08:00:00.000Z' }]);
  });

  it('on the second signature enters in_force, asks for the activity series and schedules renewal and expiry', () => {
    const inForce = last(play(...SIGNED));
    expect(inForce.value).toBe('in_force.active');
    expect(inForce.effects).toEqual([{ type: 'ensureActivityOccurrences', params: {} }]);
    // the term runs through 2029-02-28; the renewal window opens 90 days before that day
    expect(new Map(inForce.schedule.map((t) => [t.event, t.dueAt]))).toEqual(
      new Map([
        [TERM_EXPIRY, '2029-03-01T00:00:00.000Z'],
        [RENEWAL_WINDOW, '2028-11-30T00:00:00.000Z'],
      ]),
    );
    expect(inForce.schedule).toHaveLength(2);
  });

  it('on renewal keeps the earlier term and moves both timers to the new term', () => {
    const [renewalDue, renewed] = play(...SIGNED, [RENEWAL_WINDOW, SYSTEM_ACTOR], ['RENEW', a1]).slice(-2);
    expect(renewed.context.expiresOn).toBe(RENEWED_UNTIL);
    expect(renewalDue).toMatchObject({ value: 'in_force.renewal_due', schedule: [] });
    expect(renewalDue.cancel).not.toContain(TERM_EXPIRY);
    expect(renewed.value).toBe('in_force.active');
    expect(renewed.cancel).toContain(TERM_EXPIRY);
    expect(new Map(renewed.schedule.map((t) => [t.event, t.dueAt]))).toEqual(
      new Map([
        [TERM_EXPIRY, '2032-02-29T00:00:00.000Z'],
        [RENEWAL_WINDOW, '2031-11-30T00:00:00.000Z'],
      ]),
    );
    expect(renewed.effects).toEqual([{ type: 'ensureActivityOccurrences', params: {} }]);
    expect(renewed.context).toMatchObject({ effectiveFrom: '2029-03-01', expiresOn: '2032-02-28' });
    expect(renewed.context.terms).toEqual([
      expect.objectContaining({ number: 1, effectiveFrom: '2026-03-01', expiresOn: '2029-02-28', kind: 'agreed' }),
      expect.objectContaining({ number: 2, effectiveFrom: '2029-03-01', expiresOn: '2032-02-28', kind: 'renewed', by: 'a1' }),
    ]);
  });

  it('on termination cancels both timers and the future occurrences', () => {
    const terminated = last(play(...SIGNED, ['TERMINATE', a1]));
    expect(terminated.value).toBe('terminated');
    expect([...terminated.cancel].sort()).toEqual([RENEWAL_WINDOW, TERM_EXPIRY].sort());
    expect(terminated.schedule).toEqual([]);
    expect(terminated.effects).toEqual([{ type: 'cancelFutureOccurrences', params: {} }]);
    expect(terminated.context.termination).toEqual({ by: 'a1', at: '2027-06-01T09:00:00.000Z', comment: 'The programme was closed' });
  });

  it('expires when the term ends, cancelling the renewal window that has not fired', () => {
    const expired = last(play(...SIGNED, [TERM_EXPIRY, SYSTEM_ACTOR]));
    expect(expired).toMatchObject({ value: 'expired', schedule: [], effects: [] });
    // cancelling the timer that just fired is harmless: its row is already gone
    expect([...expired.cancel].sort()).toEqual([RENEWAL_WINDOW, TERM_EXPIRY].sort());
  });
});
