import { DAY_MS } from '../common/clock.js';
import {
  actorGuardsAllow,
  delays,
  delegationInForce,
  effects,
  evaluateGuard,
  firstFailingGuard,
  guardNames,
  guardRefusal,
  guards,
  isPresent,
  readPath,
  standingRefusal,
  updates,
  type Scope,
} from './vocabulary.js';
import type { DelegationTerm, EngineEvent, NamedRef, Principal, WorkflowContext } from './workflow.types.js';

const AT = '2026-03-10T15:00:00.000Z';
const a1 = { id: 'a1', roles: ['approver'] };
/** The 2026-03-10 of AT falls in it: a delegation from p1 to the sender a1. */
const inForce: DelegationTerm = { id: 'd1', startsOn: '2026-03-10', endsOn: '2026-03-20', endedAt: null };
const forP1 = (...delegations: DelegationTerm[]): Principal => ({ id: 'p1', roles: ['approver'], delegations });

/** A scope with a deeply frozen context, so an update that mutates its input throws. */
function scope(context: WorkflowContext = {}, event: Partial<EngineEvent> = {}): Scope {
  return { context: deepFreeze(structuredClone(context)), event: { type: 'TEST', actor: a1, at: AT, ...event } };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const guard = (name: string, s: Scope, params?: Record<string, unknown>) => evaluateGuard({ type: name, params }, s);
const update = (name: string, s: Scope, params?: Record<string, unknown>) => updates[name](s, params);
/** The instant a delay measured from the event's `at` falls on. */
const dueAt = (name: string, s: Scope) => new Date(Date.parse(s.event.at) + delays[name](s)).toISOString();

const INVALID_DATES = ['2026-02-30', '2026-13-01', '2026-3-1', '2026-03-01T00:00:00.000Z', '', null, undefined, 20260301];

const guardCases: Record<string, () => void> = {
  fieldsPresent: () => {
    const fields = ['event.subject.summary', 'event.comment'];
    expect(guard('fieldsPresent', scope({}, { subject: { summary: 'A lecture' }, comment: 'ok' }), { fields })).toBe(true);
    for (const summary of ['', '   ', null, undefined, []]) {
      expect(guard('fieldsPresent', scope({}, { subject: { summary }, comment: 'ok' }), { fields })).toBe(false);
    }
    expect(guard('fieldsPresent', scope({}, { subject: { summary: 'A lecture' } }), { fields })).toBe(false);
  },
  minItems: () => {
    const params = { field: 'event.subject.proposedActivities', min: 2 };
    expect(guard('minItems', scope({}, { subject: { proposedActivities: [{}, {}] } }), params)).toBe(true);
    expect(guard('minItems', scope({}, { subject: { proposedActivities: [{}] } }), params)).toBe(false);
    expect(guard('minItems', scope({}, { subject: { proposedActivities: 'two' } }), params)).toBe(false);
    // min defaults to 1
    expect(guard('minItems', scope({}, { subject: { proposedActivities: [{}] } }), { field: params.field })).toBe(true);
    expect(guard('minItems', scope({}, { subject: {} }), { field: params.field })).toBe(false);
    expect(() => guard('minItems', scope(), { min: 1 })).toThrow('param "field" must be a string');
  },
  notSubmitter: () => {
    expect(guard('notSubmitter', scope({ submittedBy: 'm1' }))).toBe(true);
    expect(guard('notSubmitter', scope({ submittedBy: 'a1' }))).toBe(false);
    // whoever wrote the proposal: its authors as recorded at submission, and as the event names them
    expect(guard('notSubmitter', scope({ submittedBy: 'm1', authors: ['m2', 'a1'] }))).toBe(false);
    expect(guard('notSubmitter', scope({ submittedBy: 'm1', authors: ['m2'] }, { authors: ['a1'] }))).toBe(false);
    expect(guard('notSubmitter', scope({ submittedBy: 'm1', authors: ['m2'] }, { authors: ['m3'] }))).toBe(true);
    // a delegate decides for neither a proposal they wrote nor one the person they decide for wrote
    expect(guard('notSubmitter', scope({ submittedBy: 'm1' }, { onBehalfOf: forP1(inForce) }))).toBe(true);
    expect(guard('notSubmitter', scope({ submittedBy: 'a1' }, { onBehalfOf: forP1(inForce) }))).toBe(false);
    expect(guard('notSubmitter', scope({ submittedBy: 'p1' }, { onBehalfOf: forP1(inForce) }))).toBe(false);
  },
  notAlreadyApproved: () => {
    expect(guard('notAlreadyApproved', scope({ approvals: [] }))).toBe(true);
    expect(guard('notAlreadyApproved', scope({ approvals: [{ by: 'a2' }] }))).toBe(true);
    expect(guard('notAlreadyApproved', scope({ approvals: [{ by: 'a2' }, { by: 'a1' }] }))).toBe(false);
    // an approval of content that has since changed no longer counts, so its approver may approve again
    expect(guard('notAlreadyApproved', scope({ approvals: [{ by: 'a1', contentHash: 'h1' }] }, { contentHash: 'h1' }))).toBe(false);
    expect(guard('notAlreadyApproved', scope({ approvals: [{ by: 'a1', contentHash: 'h1' }] }, { contentHash: 'h2' }))).toBe(true);
    // one person counts once, whoever sent their approval: the principal's own, or one a delegate gave for them
    const onBehalfOf = forP1(inForce);
    expect(guard('notAlreadyApproved', scope({ approvals: [{ by: 'a2' }] }, { onBehalfOf }))).toBe(true);
    expect(guard('notAlreadyApproved', scope({ approvals: [{ by: 'p1' }] }, { onBehalfOf }))).toBe(false);
    expect(guard('notAlreadyApproved', scope({ approvals: [{ by: 'p1', actorId: 'a2' }] }, { onBehalfOf }))).toBe(false);
    // a delegate who approved in their own right approves for no one else, nor in their own right after approving for someone
    expect(guard('notAlreadyApproved', scope({ approvals: [{ by: 'a1' }] }, { onBehalfOf }))).toBe(false);
    expect(guard('notAlreadyApproved', scope({ approvals: [{ by: 'p1', actorId: 'a1' }] }))).toBe(false);
    expect(guard('notAlreadyApproved', scope({ approvals: [{ by: 'p2', actorId: 'a1' }] }, { onBehalfOf }))).toBe(false);
  },
  actsUnderDelegation: () => {
    expect(guard('actsUnderDelegation', scope({}, { onBehalfOf: forP1(inForce) }))).toBe(true);
    expect(guard('actsUnderDelegation', scope({}, { onBehalfOf: forP1() }))).toBe(false);
    expect(guard('actsUnderDelegation', scope({}, { onBehalfOf: forP1({ ...inForce, startsOn: '2026-03-11' }) }))).toBe(false);
    expect(guard('actsUnderDelegation', scope({}, { onBehalfOf: forP1({ ...inForce, startsOn: '2026-03-01', endsOn: '2026-03-09' }) }))).toBe(false);
    expect(guard('actsUnderDelegation', scope({}, { onBehalfOf: forP1({ ...inForce, endedAt: '2026-03-10T14:59:59.999Z' }) }))).toBe(false);
    expect(guard('actsUnderDelegation', scope({}, { onBehalfOf: forP1({ ...inForce, endedAt: '2026-03-10T15:00:00.001Z' }) }))).toBe(true);
    expect(guard('actsUnderDelegation', scope({}, { onBehalfOf: forP1({ ...inForce, endsOn: '2026-03-09' }, inForce) }))).toBe(true);
  },
  approvedContentIsCurrent: () => {
    expect(guard('approvedContentIsCurrent', scope({}, { contentHash: 'h1' }))).toBe(true);
    expect(guard('approvedContentIsCurrent', scope({}, { contentHash: 'h1', data: { contentHash: 'h1' } }))).toBe(true);
    expect(guard('approvedContentIsCurrent', scope({}, { contentHash: 'h2', data: { contentHash: 'h1' } }))).toBe(false);
    expect(guard('approvedContentIsCurrent', scope({}, { data: { contentHash: 'h1' } }))).toBe(false);
  },
  quorumReached: () => {
    expect(guard('quorumReached', scope({ requiredApprovals: 2, approvals: [{ by: 'a1' }] }))).toBe(false);
    expect(guard('quorumReached', scope({ requiredApprovals: 2, approvals: [{ by: 'a1' }, { by: 'a2' }] }))).toBe(true);
    // only approvals of the content as it stands count
    const approvals = [
      { by: 'a1', contentHash: 'h1' },
      { by: 'a2', contentHash: 'h2' },
    ];
    expect(guard('quorumReached', scope({ requiredApprovals: 2, approvals }, { contentHash: 'h2' }))).toBe(false);
    expect(guard('quorumReached', scope({ requiredApprovals: 2, approvals: [...approvals, { by: 'a1', contentHash: 'h2' }] }, { contentHash: 'h2' }))).toBe(
      true,
    );
  },
  datesOrdered: () => {
    const params = { from: 'context.expiresOn', to: 'event.data.expiresOn' };
    expect(guard('datesOrdered', scope({ expiresOn: '2029-02-28' }, { data: { expiresOn: '2029-03-01' } }), params)).toBe(true);
    expect(guard('datesOrdered', scope({ expiresOn: '2029-02-28' }, { data: { expiresOn: '2029-02-28' } }), params)).toBe(false);
    expect(guard('datesOrdered', scope({ expiresOn: '2029-02-28' }, { data: { expiresOn: '2028-12-31' } }), params)).toBe(false);
    for (const invalid of INVALID_DATES) {
      expect(guard('datesOrdered', scope({ expiresOn: '2029-02-28' }, { data: { expiresOn: invalid } }), params)).toBe(false);
      expect(guard('datesOrdered', scope({ expiresOn: invalid }, { data: { expiresOn: '2099-01-01' } }), params)).toBe(false);
    }
    // under an event's term limits: a term that has not ended on the event's day (2026-03-10), at most maxTermYears long
    const term = { from: 'event.data.effectiveFrom', to: 'event.data.expiresOn' };
    const limits = { maxTermYears: 10 };
    const agreed = (effectiveFrom: string, expiresOn: string, withLimits = true) =>
      guard('datesOrdered', scope({}, { data: { effectiveFrom, expiresOn }, ...(withLimits ? { limits } : {}) }), term);
    expect(agreed('2026-04-01', '2036-04-01')).toBe(true);
    expect(agreed('2026-04-01', '2036-04-02')).toBe(false);
    expect(agreed('2024-02-29', '2034-02-28')).toBe(true);
    expect(agreed('2024-02-29', '2034-03-01')).toBe(false);
    expect(agreed('2020-01-01', '2026-03-10')).toBe(true);
    expect(agreed('2020-01-01', '2026-03-09')).toBe(false);
    // an event recorded without limits is judged as it was accepted
    expect(agreed('2026-04-01', '9999-12-31', false)).toBe(true);
    expect(agreed('2020-01-01', '2020-12-31', false)).toBe(true);
    expect(guard('datesOrdered', scope({ expiresOn: '2029-02-28' }, { data: { expiresOn: '2039-02-28' }, limits }), params)).toBe(true);
    expect(guard('datesOrdered', scope({ expiresOn: '2029-02-28' }, { data: { expiresOn: '2039-03-01' }, limits }), params)).toBe(false);
  },
  notInFuture: () => {
    const params = { field: 'event.data.signedOn' };
    // the event happens on 2026-03-10 (UTC): that day is not in the future, the next one is
    expect(guard('notInFuture', scope({}, { data: { signedOn: '2026-03-10' } }), params)).toBe(true);
    expect(guard('notInFuture', scope({}, { data: { signedOn: '2025-12-31' } }), params)).toBe(true);
    expect(guard('notInFuture', scope({}, { data: { signedOn: '2026-03-11' } }), params)).toBe(false);
    expect(guard('notInFuture', scope({}, { at: '2026-03-10T23:59:59.999Z', data: { signedOn: '2026-03-11' } }), params)).toBe(false);
    for (const invalid of INVALID_DATES) expect(guard('notInFuture', scope({}, { data: { signedOn: invalid } }), params)).toBe(false);
  },
  partyNotSigned: () => {
    const signatures = { own: { signatory: 'Director' }, partner: null };
    expect(guard('partyNotSigned', scope({ signatures }, { data: { party: 'partner' } }))).toBe(true);
    expect(guard('partyNotSigned', scope({ signatures }, { data: { party: 'own' } }))).toBe(false);
    for (const party of ['witness', 'toString', undefined]) expect(guard('partyNotSigned', scope({ signatures }, { data: { party } }))).toBe(false);
  },
  existingSignatures: () => {
    const partner = { party: 'partner', signatory: 'Rector', signedOn: '2023-08-20' };
    const own = { party: 'own', signatory: 'Executive Director', signedOn: '2023-08-25' };
    const reason = (signatures: unknown) => guardRefusal({ type: 'existingSignatures' }, scope({}, { data: { signatures } }))?.reason;
    expect(guard('existingSignatures', scope({}, { data: { signatures: [partner, own] } }))).toBe(true);
    // signed on the day it is recorded: the latest day that is not in the future
    expect(guard('existingSignatures', scope({}, { data: { signatures: [{ ...partner, signedOn: '2026-03-10' }, own] } }))).toBe(true);
    expect(reason([partner, own])).toBeUndefined();
    expect(reason([partner])).toBe('the own party must have signed exactly once (0 signatures given)');
    expect(reason([partner, partner, own])).toBe('the partner party must have signed exactly once (2 signatures given)');
    expect(reason([partner, { ...own, signatory: '  ' }])).toBe("the own party's signatory must not be empty");
    expect(reason([{ ...partner, signedOn: '2026-03-11' }, own])).toBe("the partner party's signing date must be a real date no later than today (2026-03-10)");
    expect(reason([partner, own, { party: 'witness', signatory: 'Notary', signedOn: '2023-08-25' }])).toBe(
      'signatures must list one signature for each party, partner and own',
    );
    for (const signatures of [undefined, 'both', { partner, own }]) expect(reason(signatures)).toBe('signatures must list who signed for each party');
    for (const invalid of INVALID_DATES)
      expect(guard('existingSignatures', scope({}, { data: { signatures: [{ ...partner, signedOn: invalid }, own] } }))).toBe(false);
  },
  bothPartiesSigned: () => {
    expect(guard('bothPartiesSigned', scope({ signatures: { own: null, partner: null } }))).toBe(false);
    expect(guard('bothPartiesSigned', scope({ signatures: { own: { signatory: 'Director' }, partner: null } }))).toBe(false);
    expect(guard('bothPartiesSigned', scope({ signatures: { own: { signatory: 'Director' }, partner: { signatory: 'Rector' } } }))).toBe(true);
  },
  all: () => {
    const s = scope({ submittedBy: 'm1', approvals: [{ by: 'a1' }] });
    expect(guard('all', s, { guards: ['notSubmitter'] })).toBe(true);
    expect(guard('all', s, { guards: ['notSubmitter', 'notAlreadyApproved'] })).toBe(false);
    expect(guard('all', s, { guards: ['notSubmitter', { type: 'all', params: { guards: ['notAlreadyApproved'] } }] })).toBe(false);
  },
};

describe('vocabulary guards', () => {
  it('has a test for every guard', () => {
    expect(Object.keys(guardCases).sort()).toEqual(Object.keys(guards).sort());
  });

  for (const [name, check] of Object.entries(guardCases)) it(name, check);

  it('evaluateGuard takes a name or a {type, params} and refuses an unknown name', () => {
    expect(evaluateGuard('notSubmitter', scope({ submittedBy: 'm1' }))).toBe(true);
    expect(evaluateGuard({ type: 'notSubmitter' }, scope({ submittedBy: 'a1' }))).toBe(false);
    expect(() => evaluateGuard('isFriday', scope())).toThrow(new TypeError('unknown guard "isFriday"'));
  });

  it('guardRefusal says in plain words why a rule refuses, with the code the rule maps to', () => {
    expect(guardRefusal('notSubmitter', scope({ submittedBy: 'a1' }))).toEqual({
      rule: 'notSubmitter',
      code: 'SEPARATION_OF_DUTIES',
      reason: 'whoever created, edited or submitted a proposal cannot decide on it: someone else must',
    });
    const term = { type: 'datesOrdered', params: { from: 'event.data.effectiveFrom', to: 'event.data.expiresOn' } };
    const limits = { maxTermYears: 10 };
    expect(guardRefusal(term, scope({}, { data: { effectiveFrom: '2026-04-01', expiresOn: '9999-12-31' }, limits }))).toEqual({
      rule: 'datesOrdered',
      code: 'GUARD_FAILED',
      reason: 'a term lasts at most 10 years: the expiry date (9999-12-31) is more than 10 years after the date the MOU takes effect (2026-04-01)',
    });
    expect(guardRefusal(term, scope({}, { data: { effectiveFrom: '2020-01-01', expiresOn: '2020-12-31' }, limits }))?.reason).toBe(
      'the term would already have ended: the expiry date (2020-12-31) is before today (2026-03-10)',
    );
    const renewal = { type: 'datesOrdered', params: { from: 'context.expiresOn', to: 'event.data.expiresOn' } };
    expect(guardRefusal(renewal, scope({ expiresOn: '2029-02-28' }, { data: { expiresOn: '2029-02-01' } }))?.reason).toBe(
      'the expiry date (2029-02-01) must come after the current expiry date (2029-02-28)',
    );
    expect(guardRefusal(term, scope({}, { data: { effectiveFrom: '2026-04-01', expiresOn: '2036-04-01' }, limits }))).toBeUndefined();
  });

  it('delegationInForce counts the first and the last day whole, in UTC, and nothing after the delegation ended', () => {
    const delegation: DelegationTerm = { id: 'd1', startsOn: '2026-03-10', endsOn: '2026-03-12', endedAt: null };
    expect(delegationInForce(delegation, '2026-03-09T23:59:59.999Z')).toBe(false);
    expect(delegationInForce(delegation, '2026-03-10T00:00:00.000Z')).toBe(true);
    expect(delegationInForce(delegation, '2026-03-12T23:59:59.999Z')).toBe(true);
    expect(delegationInForce(delegation, '2026-03-13T00:00:00.000Z')).toBe(false);
    expect(delegationInForce({ ...delegation, endedAt: '2026-03-11T08:00:00.000Z' }, '2026-03-11T07:59:59.999Z')).toBe(true);
    expect(delegationInForce({ ...delegation, endedAt: '2026-03-11T08:00:00.000Z' }, '2026-03-11T08:00:00.000Z')).toBe(false);
  });

  it('standingRefusal holds every event sent for someone else to a delegation in force, whatever guards its transition names', () => {
    expect(standingRefusal(scope())).toBeUndefined();
    expect(standingRefusal(scope({}, { onBehalfOf: forP1(inForce) }))).toBeUndefined();
    const refusal = (...delegations: DelegationTerm[]) => standingRefusal(scope({}, { onBehalfOf: forP1(...delegations) }));
    expect(refusal()).toEqual({
      rule: 'actsUnderDelegation',
      code: 'FORBIDDEN',
      reason: 'you hold no delegation from the person you decide for in force today (2026-03-10): only their delegate decides for them, on the days it names',
    });
    expect(refusal({ ...inForce, startsOn: '2026-03-15' })?.reason).toBe('the delegation to you starts on 2026-03-15, not before');
    expect(refusal({ ...inForce, endedAt: '2026-03-10T09:30:00.000Z' })?.reason).toBe('the delegation to you was ended on 2026-03-10');
    // a guard named by a definition does not stand on its own
    expect(standingRefusal(scope({ submittedBy: 'a1' }))).toBeUndefined();
  });

  it('firstFailingGuard names the first leaf that refuses, looking inside nested `all`', () => {
    const ref: NamedRef = {
      type: 'all',
      params: {
        guards: [
          { type: 'fieldsPresent', params: { fields: ['event.comment'] } },
          { type: 'all', params: { guards: ['notSubmitter', 'notAlreadyApproved'] } },
          'notAlreadyApproved',
        ],
      },
    };
    expect(firstFailingGuard(ref, scope({ submittedBy: 'a1', approvals: [{ by: 'a1' }] }, { comment: 'fine' }))).toBe('notSubmitter');
    expect(firstFailingGuard(ref, scope({ submittedBy: 'm1', approvals: [{ by: 'a1' }] }, { comment: 'fine' }))).toBe('notAlreadyApproved');
    expect(firstFailingGuard(ref, scope({ submittedBy: 'a1', approvals: [] }, {}))).toBe('fieldsPresent');
    expect(firstFailingGuard(ref, scope({ submittedBy: 'm1', approvals: [] }, { comment: 'fine' }))).toBeUndefined();
    expect(firstFailingGuard('bothPartiesSigned', scope({ signatures: {} }))).toBe('bothPartiesSigned');
  });

  it('actorGuardsAllow judges only the guards about who sends, looking inside nested `all`', () => {
    const ref: NamedRef = { type: 'all', params: { guards: ['quorumReached', { type: 'all', params: { guards: ['notAlreadyApproved'] } }, 'notSubmitter'] } };
    expect(actorGuardsAllow(ref, scope({ submittedBy: 'm1', approvals: [], requiredApprovals: 2 }))).toBe(true);
    expect(actorGuardsAllow(ref, scope({ submittedBy: 'm1', approvals: [{ by: 'a1' }], requiredApprovals: 2 }))).toBe(false);
    expect(actorGuardsAllow(ref, scope({ submittedBy: 'a1', approvals: [] }))).toBe(false);
    expect(actorGuardsAllow('bothPartiesSigned', scope({ signatures: {} }))).toBe(true);
    expect(actorGuardsAllow(undefined, scope())).toBe(true);
  });

  it('guardNames lists every name, nested ones included, for the registry to check', () => {
    expect(guardNames({ type: 'all', params: { guards: ['notSubmitter', { type: 'all', params: { guards: [{ type: 'isFriday' }] } }] } })).toEqual([
      'all',
      'notSubmitter',
      'all',
      'isFriday',
    ]);
    expect(guardNames('quorumReached')).toEqual(['quorumReached']);
  });

  it('readPath and isPresent read dotted paths and tell empty from present', () => {
    const s = scope({ signatures: { own: null } }, { data: { document: { name: 'mou.pdf' } } });
    expect(readPath(s, 'event.data.document.name')).toBe('mou.pdf');
    expect(readPath(s, 'event.data.missing.name')).toBeUndefined();
    expect(readPath(s, 'context.signatures.own.signatory')).toBeUndefined();
    expect([0, false, 'x', ['x'], {}].map(isPresent)).toEqual([true, true, true, true, true]);
    expect([undefined, null, '', '  ', []].map(isPresent)).toEqual([false, false, false, false, false]);
  });
});

const updateCases: Record<string, () => void> = {
  recordSubmission: () => {
    const context = { requiredApprovals: 1, approvalSlaDays: 14, approvals: [{ by: 'a2' }], overdue: true };
    expect(update('recordSubmission', scope(context, { actor: { id: 'm1', roles: ['manager'] } }))).toEqual({
      submittedBy: 'm1',
      submittedAt: AT,
      requiredApprovals: 1,
      approvalSlaDays: 14,
      approvals: [],
      overdue: false,
    });
    // who wrote the submitted content, when the event names them
    expect(update('recordSubmission', scope(context, { actor: { id: 'm1', roles: ['manager'] }, authors: ['m0', 'm2'] }))).toMatchObject({
      submittedBy: 'm1',
      authors: ['m0', 'm2'],
    });
    // the approval settings of the submitted content are fixed with it
    expect(update('recordSubmission', scope(context, { subject: { requiredApprovals: 3, approvalSlaDays: 7 } }))).toMatchObject({
      requiredApprovals: 3,
      approvalSlaDays: 7,
    });
  },
  recordApproval: () => {
    expect(update('recordApproval', scope({ approvals: [{ by: 'a2', at: 'earlier', contentHash: null }] }, { contentHash: 'h1' }))).toEqual({
      approvals: [
        { by: 'a2', at: 'earlier', contentHash: null },
        { by: 'a1', at: AT, contentHash: 'h1' },
      ],
    });
    expect(update('recordApproval', scope({}))).toEqual({ approvals: [{ by: 'a1', at: AT, contentHash: null }] });
    // a delegate's approval is the principal's, and names who sent it
    expect(update('recordApproval', scope({}, { onBehalfOf: forP1(inForce), contentHash: 'h1' }))).toEqual({
      approvals: [{ by: 'p1', actorId: 'a1', at: AT, contentHash: 'h1' }],
    });
  },
  recordDecision: () => {
    expect(update('recordDecision', scope({ decisions: [] }, { type: 'REJECT', comment: 'Out of scope', contentHash: 'h1' }))).toEqual({
      decisions: [{ decision: 'REJECT', by: 'a1', at: AT, comment: 'Out of scope', contentHash: 'h1' }],
    });
    expect(update('recordDecision', scope({ decisions: [] }, { type: 'REJECT', comment: 'No', onBehalfOf: forP1(inForce) }))).toEqual({
      decisions: [{ decision: 'REJECT', by: 'p1', actorId: 'a1', at: AT, comment: 'No', contentHash: null }],
    });
  },
  markOverdue: () => expect(update('markOverdue', scope({ overdue: false }))).toEqual({ overdue: true }),
  clearOverdue: () => expect(update('clearOverdue', scope({ overdue: true }))).toEqual({ overdue: false }),
  recordDraft: () => {
    const first = update('recordDraft', scope({ drafts: [] }, { data: { document: { name: 'v1.pdf', sha256: 'aa' } } }));
    expect(first).toEqual({ drafts: [{ version: 1, name: 'v1.pdf', sha256: 'aa', url: null, sharedBy: 'a1', sharedAt: AT }] });
    const second = update('recordDraft', scope(first, { data: { document: { name: 'v2.pdf', sha256: 'bb', url: 'https://files.example/v2' } } }));
    expect((second.drafts as Array<{ version: number; url: string | null }>).map((d) => [d.version, d.url])).toEqual([
      [1, null],
      [2, 'https://files.example/v2'],
    ]);
  },
  recordAgreedTerm: () => {
    const context = { signatures: { own: { signatory: 'stale' }, partner: null } };
    expect(update('recordAgreedTerm', scope(context, { data: { effectiveFrom: '2026-03-01', expiresOn: '2029-02-28' } }))).toEqual({
      effectiveFrom: '2026-03-01',
      expiresOn: '2029-02-28',
      terms: [{ number: 1, effectiveFrom: '2026-03-01', expiresOn: '2029-02-28', kind: 'agreed', by: 'a1', at: AT }],
      signatures: { partner: null, own: null },
    });
  },
  recordDeliveryPeriod: () => {
    // A programme's delivery period is its one term, so that its sessions fall due within it as an MOU's activities do.
    expect(update('recordDeliveryPeriod', scope({ terms: [] }, { data: { startsOn: '2026-04-01', endsOn: '2026-06-30' } }))).toEqual({
      effectiveFrom: '2026-04-01',
      expiresOn: '2026-06-30',
      terms: [{ number: 1, effectiveFrom: '2026-04-01', expiresOn: '2026-06-30', kind: 'delivery', by: 'a1', at: AT }],
    });
  },
  recordSignature: () => {
    const own = { signatory: 'Director', signedOn: '2026-03-09', recordedBy: 'm1', recordedAt: 'earlier' };
    const event = { data: { party: 'partner', signatory: 'Rector', signedOn: '2026-03-10' } };
    expect(update('recordSignature', scope({ signatures: { own, partner: null } }, event))).toEqual({
      signatures: { own, partner: { signatory: 'Rector', signedOn: '2026-03-10', recordedBy: 'a1', recordedAt: AT } },
    });
  },
  recordRenewal: () => {
    const agreed = { number: 1, effectiveFrom: '2026-03-01', expiresOn: '2028-02-28', kind: 'agreed' };
    // the new term starts the day after the old one ends, here a leap day
    expect(update('recordRenewal', scope({ expiresOn: '2028-02-28', terms: [agreed] }, { data: { expiresOn: '2031-02-28' } }))).toEqual({
      effectiveFrom: '2028-02-29',
      expiresOn: '2031-02-28',
      terms: [agreed, { number: 2, effectiveFrom: '2028-02-29', expiresOn: '2031-02-28', kind: 'renewed', by: 'a1', at: AT }],
    });
  },
  recordTermination: () => {
    expect(update('recordTermination', scope({}, { comment: 'Closed' }))).toEqual({ termination: { by: 'a1', at: AT, comment: 'Closed' } });
  },
  recordSchedule: () => {
    expect(update('recordSchedule', scope({}, { data: { date: '2026-06-10', venue: 'Hall B' } }))).toEqual({ date: '2026-06-10', venue: 'Hall B' });
    expect(update('recordSchedule', scope({}, { data: { date: '2026-06-10' } }))).toEqual({ date: '2026-06-10', venue: null });
  },
  recordPostponement: () => {
    const context = { date: '2026-06-10', venue: 'Hall B', postponements: [] };
    expect(update('recordPostponement', scope(context, { comment: 'Ill', data: { date: '2026-06-17' } }))).toEqual({
      postponements: [{ from: '2026-06-10', to: '2026-06-17', by: 'a1', at: AT, comment: 'Ill' }],
      date: '2026-06-17',
      venue: 'Hall B',
    });
    expect(update('recordPostponement', scope(context, { data: { date: '2026-06-17', venue: 'Hall C' } }))).toMatchObject({
      venue: 'Hall C',
      postponements: [{ comment: null }],
    });
  },
  recordBringingForward: () => {
    const context = { date: '2026-06-10', venue: 'Hall B', postponements: [{ from: '2026-06-03', to: '2026-06-10' }], broughtForward: [] };
    expect(update('recordBringingForward', scope(context, { comment: 'Hall free', data: { date: '2026-06-01' } }))).toEqual({
      broughtForward: [{ from: '2026-06-10', to: '2026-06-01', by: 'a1', at: AT, comment: 'Hall free' }],
      date: '2026-06-01',
      venue: 'Hall B',
    });
    // An occurrence whose context began on v1 has no list yet.
    expect(update('recordBringingForward', scope({ date: '2026-06-10' }, { data: { date: '2026-06-01', venue: 'Hall C' } }))).toMatchObject({
      venue: 'Hall C',
      broughtForward: [{ comment: null }],
    });
  },
  recordExisting: () => {
    const signatures = [
      { party: 'own', signatory: 'Executive Director', signedOn: '2023-08-25' },
      { party: 'partner', signatory: 'Rector', signedOn: '2023-08-20' },
    ];
    const data = { effectiveFrom: '2023-09-01', expiresOn: '2028-08-31', signatures };
    const recorded = { recordedBy: 'a1', recordedAt: AT };
    expect(update('recordExisting', scope({}, { data }))).toEqual({
      effectiveFrom: '2023-09-01',
      expiresOn: '2028-08-31',
      terms: [{ number: 1, effectiveFrom: '2023-09-01', expiresOn: '2028-08-31', kind: 'existing', by: 'a1', at: AT }],
      signatures: {
        partner: { signatory: 'Rector', signedOn: '2023-08-20', ...recorded },
        own: { signatory: 'Executive Director', signedOn: '2023-08-25', ...recorded },
      },
      recordedExisting: { by: 'a1', at: AT },
    });
    // an uploaded signed copy is the agreed text, and is named with the record
    const document = { name: 'signed-mou.pdf', sha256: 'c'.repeat(64) };
    expect(update('recordExisting', scope({}, { data: { ...data, documentId: 'doc-1', document } }))).toMatchObject({
      recordedExisting: { by: 'a1', at: AT, document: { id: 'doc-1', ...document } },
      agreedText: { documentId: 'doc-1', sha256: 'c'.repeat(64) },
    });
  },
  markEscalated: () => {
    expect(update('markEscalated', scope({ escalatedAt: null }))).toEqual({ escalatedAt: AT });
  },
  clearEscalated: () => {
    expect(update('clearEscalated', scope({ escalatedAt: AT }))).toEqual({ escalatedAt: null });
  },
  recordHeld: () => {
    expect(update('recordHeld', scope({}, { data: { report: 'Held', attendance: 80 } }))).toEqual({ report: 'Held', attendance: 80, heldRecordedBy: 'a1' });
    expect(update('recordHeld', scope({}, { data: { report: 'Held' } }))).toEqual({ report: 'Held', attendance: null, heldRecordedBy: 'a1' });
  },
  recordCancellation: () => {
    expect(update('recordCancellation', scope({}, { comment: 'MOU terminated' }))).toEqual({ cancellation: { by: 'a1', at: AT, comment: 'MOU terminated' } });
  },
  recordCompletion: () => {
    const earlier = { by: 'm1', at: '2026-01-01T00:00:00.000Z', comment: null };
    expect(update('recordCompletion', scope({ completions: [earlier] }, { comment: 'Workplan received' }))).toEqual({
      completions: [earlier, { by: 'a1', at: AT, comment: 'Workplan received' }],
    });
    expect(update('recordCompletion', scope({}))).toEqual({ completions: [{ by: 'a1', at: AT, comment: null }] });
  },
  recordReopening: () => {
    const cancelled = { cancellation: { by: 'm1', at: AT, comment: 'Not needed' }, reopenings: [] };
    expect(update('recordReopening', scope(cancelled, { comment: 'Needed after all' }))).toEqual({
      reopenings: [{ by: 'a1', at: AT, comment: 'Needed after all' }],
      cancellation: null,
    });
  },
};

describe('vocabulary updates', () => {
  it('has a test for every update', () => {
    expect(Object.keys(updateCases).sort()).toEqual(Object.keys(updates).sort());
  });

  for (const [name, check] of Object.entries(updateCases)) it(`${name} returns the fields it changes and leaves its input alone`, check);

  it('names effects apart from updates, for the service to carry out', () => {
    expect([...effects].sort()).toEqual(['cancelFutureOccurrences', 'ensureActivityOccurrences']);
    for (const name of effects) expect(updates[name]).toBeUndefined();
  });
});

const delayCases: Record<string, () => void> = {
  approvalSla: () => {
    expect(delays.approvalSla(scope({ approvalSlaDays: 14 }))).toBe(14 * DAY_MS);
    expect(delays.approvalSla(scope({ approvalSlaDays: 3 }))).toBe(3 * DAY_MS);
  },
  approvalEscalation: () => {
    expect(delays.approvalEscalation(scope({ approvalSlaDays: 14 }))).toBe(28 * DAY_MS);
    expect(dueAt('approvalEscalation', scope({ approvalSlaDays: 7 }))).toBe('2026-03-24T15:00:00.000Z');
  },
  renewalWindow: () => {
    expect(dueAt('renewalWindow', scope({ expiresOn: '2029-02-28', renewalLeadDays: 90 }))).toBe('2028-11-30T00:00:00.000Z');
    expect(dueAt('renewalWindow', scope({ expiresOn: '2029-02-28', renewalLeadDays: 30 }))).toBe('2029-01-29T00:00:00.000Z');
    // an instant, whenever it is measured from
    expect(dueAt('renewalWindow', scope({ expiresOn: '2029-02-28', renewalLeadDays: 90 }, { at: '2027-07-01T08:15:00.000Z' }))).toBe(
      '2028-11-30T00:00:00.000Z',
    );
  },
  termExpiry: () => {
    expect(dueAt('termExpiry', scope({ expiresOn: '2029-02-28' }))).toBe('2029-03-01T00:00:00.000Z');
    expect(dueAt('termExpiry', scope({ expiresOn: '2028-02-28' }))).toBe('2028-02-29T00:00:00.000Z');
    expect(dueAt('termExpiry', scope({ expiresOn: '2026-12-31' }))).toBe('2027-01-01T00:00:00.000Z');
  },
  graceExpired: () => {
    expect(dueAt('graceExpired', scope({ dueOn: '2026-06-01', graceDays: 30, date: null }))).toBe('2026-07-02T00:00:00.000Z');
    // scheduled before the due date: the grace period still runs from the due date
    expect(dueAt('graceExpired', scope({ dueOn: '2026-06-01', graceDays: 30, date: '2026-05-20' }))).toBe('2026-07-02T00:00:00.000Z');
    // scheduled or postponed past it: from that date
    expect(dueAt('graceExpired', scope({ dueOn: '2026-06-01', graceDays: 30, date: '2026-06-24' }))).toBe('2026-07-25T00:00:00.000Z');
    expect(dueAt('graceExpired', scope({ dueOn: '2026-06-01', graceDays: 10 }))).toBe('2026-06-12T00:00:00.000Z');
  },
  followUpDue: () => {
    expect(dueAt('followUpDue', scope({ dueOn: '2026-06-01' }))).toBe('2026-06-01T00:00:00.000Z');
    // reopened after its due day: due at once (a delay in the past)
    expect(dueAt('followUpDue', scope({ dueOn: '2024-12-05' }, { at: '2026-01-01T09:00:00.000Z' }))).toBe('2024-12-05T00:00:00.000Z');
  },
};

describe('vocabulary delays', () => {
  it('has a test for every delay', () => {
    expect(Object.keys(delayCases).sort()).toEqual(Object.keys(delays).sort());
  });

  for (const [name, check] of Object.entries(delayCases)) it(name, check);
});
