import { DAY_MS } from '../common/clock.js';
import { addDaysToDate, addYearsToDate, dateOf, isIsoDate, startOfDate } from '../common/dates.js';
import type { DelegationTerm, EngineEvent, NamedRef, WorkflowContext } from './workflow.types.js';

/**
 * The named, pure building blocks that workflow files refer to. A guard answers yes or no, an
 * update returns the context fields an action changes, a delay returns milliseconds from the
 * event's instant. Effects are only named here: the engine returns them and a service carries
 * them out, so nothing in this file touches the outside world.
 */
export interface Scope {
  context: WorkflowContext;
  event: EngineEvent;
}

type Params = Record<string, unknown> | undefined;
export type GuardFn = (scope: Scope, params: Params) => boolean;
export type UpdateFn = (scope: Scope, params: Params) => WorkflowContext;
export type DelayFn = (scope: Scope) => number;

/** Reads a dotted path such as `event.data.signedOn` from the scope. */
export function readPath(scope: Scope, path: string): unknown {
  let value: unknown = scope;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

function stringParam(params: Params, name: string): string {
  const value = params?.[name];
  if (typeof value !== 'string') throw new TypeError(`param "${name}" must be a string`);
  return value;
}

function refType(ref: NamedRef): string {
  return typeof ref === 'string' ? ref : ref.type;
}

function refParams(ref: NamedRef): Params {
  return typeof ref === 'string' ? undefined : ref.params;
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** A rule as a guard states it: whether the event passes, and if not, why in plain words. */
interface GuardRule {
  test: GuardFn;
  /** Why the rule refuses the event, for the person who sent it. */
  reason: (scope: Scope, params: Params) => string;
  /** The refusal's code when it is not GUARD_FAILED (422). */
  code?: RefusalCode;
  /** It depends only on who sends the event (and the facts the service adds to it), so lists of available events can honour it. */
  aboutActor?: boolean;
  /** With these params it reads only the instance and the day of the event, not the payload: a list of available events that knows the day honours it. */
  aboutInstance?: (params: Params) => boolean;
  /**
   * The events the rule holds for whatever guards their transition names: a rule about every event
   * of a kind, which definitions published before it could not name.
   */
  standing?: (scope: Scope) => boolean;
}

type RefusalCode = 'GUARD_FAILED' | 'SEPARATION_OF_DUTIES' | 'FORBIDDEN';

/** A guard's refusal: its name, the code it maps to, and why in plain words. */
export interface GuardRefusal {
  rule: string;
  code: RefusalCode;
  reason: string;
}

/** How a refusal names the fields the definitions' guards read, in the words of the forms that send them. */
const FIELD_WORDS: Record<string, string> = {
  'event.subject.summary': 'the summary',
  'event.subject.proposedActivities': 'proposed activities',
  'event.data.effectiveFrom': 'the date the MOU takes effect',
  'event.data.expiresOn': 'the expiry date',
  'context.expiresOn': 'the current expiry date',
  'event.data.signedOn': 'the signing date',
  'event.data.date': 'the new date',
  'context.date': 'the date it is scheduled for',
};

/** How a refusal names the field at a path: in words when FIELD_WORDS has them; otherwise `event.data.x` as `x`, `context.x` as `the current x`. */
function fieldWords(path: string): string {
  if (Object.hasOwn(FIELD_WORDS, path)) return FIELD_WORDS[path];
  const name = path.split('.').pop() ?? path;
  return path.startsWith('context.') ? `the current ${name}` : name;
}

/** Whoever wrote what approvers judge: the submitter, the authors recorded at submission, and the authors the event names. */
export function authorsOf({ context, event }: Scope): string[] {
  return [context.submittedBy, ...list(context.authors), ...list(event.authors)].filter((id): id is string => typeof id === 'string');
}

/** Approvals of the content as it stands (its hash): one bound to another content hash no longer counts. */
export function currentApprovals(context: WorkflowContext, contentHash: string | undefined): Array<{ by: string; actorId?: string }> {
  return list<{ by: string; actorId?: string; contentHash?: string | null }>(context.approvals).filter(
    (a) => (a.contentHash ?? null) === (contentHash ?? null),
  );
}

/** Whom the event concerns as a decider: its sender and, when they decide for someone under a delegation, that person. */
export function peopleOf(event: EngineEvent): string[] {
  return event.onBehalfOf ? [event.actor.id, event.onBehalfOf.id] : [event.actor.id];
}

/** A delegation is in force on the inclusive UTC days it names, unless it was ended before `at`. */
export function delegationInForce(delegation: DelegationTerm, at: string): boolean {
  const day = dateOf(at);
  return delegation.startsOn <= day && day <= delegation.endsOn && (delegation.endedAt === null || delegation.endedAt > at);
}

/** Why no delegation the event carries lets its sender decide for the principal on the event's day. */
function delegationProblem({ event }: Scope): string {
  const delegations = list<DelegationTerm>(event.onBehalfOf?.delegations);
  const today = dateOf(event.at);
  const next = delegations.filter((d) => d.startsOn > today && d.endedAt === null).sort((a, b) => a.startsOn.localeCompare(b.startsOn))[0];
  if (next) return `the delegation to you starts on ${next.startsOn}, not before`;
  const ended = delegations.find((d) => d.endedAt !== null && d.endedAt <= event.at && d.startsOn <= today && today <= d.endsOn);
  if (ended) return `the delegation to you was ended on ${dateOf(ended.endedAt as string)}`;
  return `you hold no delegation from the person you decide for in force today (${today}): only their delegate decides for them, on the days it names`;
}

/**
 * What is wrong with the pair of dates, or undefined. Under an event's term limits the pair is a
 * term (or the current expiry and a renewed one): `to` must also not have passed on the event's
 * day, and may lie at most `maxTermYears` after `from`.
 */
function datesProblem(scope: Scope, params: Params): string | undefined {
  const [fromPath, toPath] = [stringParam(params, 'from'), stringParam(params, 'to')];
  const [from, to] = [readPath(scope, fromPath), readPath(scope, toPath)];
  if (!isIsoDate(from)) return `${fieldWords(fromPath)} must be a real date written YYYY-MM-DD`;
  if (!isIsoDate(to)) return `${fieldWords(toPath)} must be a real date written YYYY-MM-DD`;
  if (to <= from) return `${fieldWords(toPath)} (${to}) must come after ${fieldWords(fromPath)} (${from})`;
  const limits = scope.event.limits;
  if (limits === undefined) return undefined;
  const today = dateOf(scope.event.at);
  if (to < today) return `the term would already have ended: ${fieldWords(toPath)} (${to}) is before today (${today})`;
  const max = limits.maxTermYears;
  if (max !== undefined && to > addYearsToDate(from, max)) {
    return `a term lasts at most ${max} years: ${fieldWords(toPath)} (${to}) is more than ${max} years after ${fieldWords(fromPath)} (${from})`;
  }
  return undefined;
}

/** What is wrong with the signatures of an MOU recorded as signed before the system, or undefined. */
function existingSignaturesProblem({ event }: Scope): string | undefined {
  const signatures = event.data?.signatures;
  if (!Array.isArray(signatures)) return 'signatures must list who signed for each party';
  const today = dateOf(event.at);
  for (const party of ['partner', 'own'] as const) {
    const signed = (signatures as Array<Record<string, unknown> | null>).filter((s) => s?.party === party);
    if (signed.length !== 1) return `the ${party} party must have signed exactly once (${signed.length} signatures given)`;
    const [{ signatory, signedOn }] = signed as Array<Record<string, unknown>>;
    if (!isPresent(signatory)) return `the ${party} party's signatory must not be empty`;
    if (!isIsoDate(signedOn) || signedOn > today) return `the ${party} party's signing date must be a real date no later than today (${today})`;
  }
  if (signatures.length !== 2) return 'signatures must list one signature for each party, partner and own';
  return undefined;
}

const guardRules: Record<string, GuardRule> = {
  /** Every listed path holds a non-empty value. */
  fieldsPresent: {
    test: (scope, params) => list<string>(params?.fields).every((f) => isPresent(readPath(scope, f))),
    reason: (scope, params) =>
      `${list<string>(params?.fields)
        .filter((f) => !isPresent(readPath(scope, f)))
        .map(fieldWords)
        .join(', ')} must not be empty`,
  },
  /** The list at `field` has at least `min` items. */
  minItems: {
    test: (scope, params) => list(readPath(scope, stringParam(params, 'field'))).length >= Number(params?.min ?? 1),
    reason: (_, params) => `needs at least ${Number(params?.min ?? 1)} of ${fieldWords(stringParam(params, 'field'))}`,
  },
  /**
   * Separation of duties: whoever wrote what approvers judge (the creator, the submitter, whoever
   * edited it since the last submission) never decides on it. The name is the one published
   * definitions use; events without `authors` (recorded before authors were) check the submitter.
   */
  notSubmitter: {
    test: (scope) => !peopleOf(scope.event).some((id) => authorsOf(scope).includes(id)),
    reason: ({ event }) =>
      event.onBehalfOf
        ? 'whoever created, edited or submitted a proposal cannot decide on it, in their own right or as a delegate, and nobody decides for them: someone else must'
        : 'whoever created, edited or submitted a proposal cannot decide on it: someone else must',
    code: 'SEPARATION_OF_DUTIES',
    aboutActor: true,
  },
  /**
   * One person counts once: an approval of the content as it stands, not yet given by this approver,
   * nor by or for the person a delegate decides for (a delegate who approved in their own right
   * does not approve again for someone else, nor the other way round).
   */
  notAlreadyApproved: {
    test: ({ context, event }) => {
      const people = peopleOf(event);
      return !currentApprovals(context, event.contentHash).some((a) => people.includes(a.by) || (a.actorId !== undefined && people.includes(a.actorId)));
    },
    reason: ({ event }) =>
      event.onBehalfOf
        ? 'you, or the person you decide for, already approved this proposal as it stands; one person counts once'
        : 'you have already approved this proposal as it stands; one approver counts once',
    aboutActor: true,
  },
  /**
   * Deciding for someone else (`onBehalfOf`) only under a delegation from that person to the
   * sender, in force on the event's day. Delegations do not chain: only the ones the principal
   * gave the sender count, never one the sender was given by someone else's delegate.
   */
  actsUnderDelegation: {
    test: ({ event }) => list<DelegationTerm>(event.onBehalfOf?.delegations).some((d) => delegationInForce(d, event.at)),
    reason: delegationProblem,
    code: 'FORBIDDEN',
    aboutActor: true,
    standing: ({ event }) => event.onBehalfOf !== undefined,
  },
  /** An approver who names the content hash they read approves only that content. */
  approvedContentIsCurrent: {
    test: ({ event }) => {
      const seen = event.data?.contentHash;
      return seen === undefined || seen === event.contentHash;
    },
    reason: () => 'the proposal (or its organization) changed after you read it: read it again, then decide',
  },
  /** Enough approvals of the content as it stands. */
  quorumReached: {
    test: ({ context, event }) => currentApprovals(context, event.contentHash).length >= Number(context.requiredApprovals),
    reason: ({ context }) => `needs ${Number(context.requiredApprovals)} approvals of the proposal as it stands`,
  },
  /** Both dates are real dates and `to` comes strictly after `from`; under the event's term limits, also a term's bounds. */
  datesOrdered: {
    test: (scope, params) => datesProblem(scope, params) === undefined,
    reason: (scope, params) => datesProblem(scope, params) ?? 'the dates are in order',
  },
  /** A real date no later than the day of the event. */
  notInFuture: {
    test: (scope, params) => {
      const value = readPath(scope, stringParam(params, 'field'));
      return isIsoDate(value) && value <= dateOf(scope.event.at);
    },
    reason: (scope, params) => `${fieldWords(stringParam(params, 'field'))} must be a real date no later than today (${dateOf(scope.event.at)})`,
    aboutInstance: (params) => stringParam(params, 'field').startsWith('context.'),
  },
  partyNotSigned: {
    test: ({ context, event }) => {
      const party = event.data?.party;
      const signatures = (context.signatures ?? {}) as Record<string, unknown>;
      return (party === 'partner' || party === 'own') && !signatures[party];
    },
    reason: ({ event }) => {
      const party = event.data?.party;
      return party === 'partner' || party === 'own' ? `the ${party} party has already signed` : 'party must be partner or own';
    },
  },
  /**
   * An MOU signed before the system (RECORD_EXISTING): one signature of each party, each with a
   * signatory and a real signing date no later than the day it is recorded.
   */
  existingSignatures: {
    test: (scope) => existingSignaturesProblem(scope) === undefined,
    reason: (scope) => existingSignaturesProblem(scope) ?? 'the signatures are complete',
  },
  bothPartiesSigned: {
    test: ({ context }) => {
      const signatures = (context.signatures ?? {}) as Record<string, unknown>;
      return Boolean(signatures.partner) && Boolean(signatures.own);
    },
    reason: () => 'both parties must sign',
  },
  /** Composite guard: JSON cannot express XState's `and`, so the vocabulary has its own. */
  all: {
    test: (scope, params) => list<NamedRef>(params?.guards).every((g) => evaluateGuard(g, scope)),
    reason: () => 'every rule it lists must hold',
  },
};

export const guards: Record<string, GuardFn> = Object.fromEntries(Object.entries(guardRules).map(([name, rule]) => [name, rule.test]));

/**
 * Whether the guards of `ref` (looking inside `all`) that are about who sends the event let this
 * sender send it, and, when the list `knowsDay` (the scope's `at` is now), those about the instance
 * and the day ("Mark held" is not offered before the day it is scheduled for); the others are left
 * to the send. The list of available events honours these.
 */
export function actorGuardsAllow(ref: NamedRef | undefined, scope: Scope, knowsDay = false): boolean {
  if (ref === undefined) return true;
  if (refType(ref) === 'all') return list<NamedRef>(refParams(ref)?.guards).every((inner) => actorGuardsAllow(inner, scope, knowsDay));
  const rule = guardRules[refType(ref)];
  const judgedNow = rule?.aboutActor === true || (knowsDay && rule?.aboutInstance?.(refParams(ref)) === true);
  return !judgedNow || evaluateGuard(ref, scope);
}

export function evaluateGuard(ref: NamedRef, scope: Scope): boolean {
  const guard = guards[refType(ref)];
  if (!guard) throw new TypeError(`unknown guard "${refType(ref)}"`);
  return guard(scope, refParams(ref));
}

/** The first named guard, looking inside `all`, that refuses; undefined when all pass. */
export function firstFailingGuard(ref: NamedRef, scope: Scope): string | undefined {
  return guardRefusal(ref, scope)?.rule;
}

/** The first standing rule that holds for this event and refuses it; undefined when none does. */
export function standingRefusal(scope: Scope): GuardRefusal | undefined {
  for (const [name, rule] of Object.entries(guardRules)) {
    if (rule.standing?.(scope) && !rule.test(scope, undefined)) return { rule: name, code: rule.code ?? 'GUARD_FAILED', reason: rule.reason(scope, undefined) };
  }
  return undefined;
}

/** The first guard, looking inside `all`, that refuses, with its code and its reason in plain words; undefined when all pass. */
export function guardRefusal(ref: NamedRef, scope: Scope): GuardRefusal | undefined {
  const [first] = guardRefusals(ref, scope);
  return first && { rule: first.rule, code: first.code, reason: first.reason };
}

/** Every rule of `ref` (each rule an `all` lists, however nested) that refuses the event, in the order the definition lists them. */
export function guardRefusals(ref: NamedRef, scope: Scope): Array<GuardRefusal & { reads: string[] }> {
  if (refType(ref) === 'all') return list<NamedRef>(refParams(ref)?.guards).flatMap((inner) => guardRefusals(inner, scope));
  if (evaluateGuard(ref, scope)) return [];
  const rule = guardRules[refType(ref)];
  return [{ rule: refType(ref), code: rule.code ?? 'GUARD_FAILED', reason: rule.reason(scope, refParams(ref)), reads: pathsIn(refParams(ref)) }];
}

/** The `event.` and `context.` paths a rule's parameters name, so a refusal about a missing field is not said twice. */
function pathsIn(params: unknown): string[] {
  if (typeof params === 'string') return /^(event|context)\./.test(params) ? [params] : [];
  if (Array.isArray(params)) return params.flatMap(pathsIn);
  if (params && typeof params === 'object') return Object.values(params).flatMap(pathsIn);
  return [];
}

/** Guards nested in an `all`, so the registry can check every name. */
export function guardNames(ref: NamedRef): string[] {
  const own = refType(ref);
  if (own !== 'all') return [own];
  return [own, ...list<NamedRef>(refParams(ref)?.guards).flatMap(guardNames)];
}

const by = (event: EngineEvent) => ({ by: event.actor.id, at: event.at });

/**
 * The uploaded document an event names (`data.documentId`), with the name and hash the service read for it (`data.document`); undefined for an event that
 * names none, as every event recorded before uploads did, so those replay as they were.
 */
function uploadedDocument(event: EngineEvent): { id: string; name: string; sha256: string } | undefined {
  const id = event.data?.documentId;
  const document = event.data?.document as { name?: unknown; sha256?: unknown } | undefined;
  if (typeof id !== 'string' || typeof document?.name !== 'string' || typeof document.sha256 !== 'string') return undefined;
  return { id, name: document.name, sha256: document.sha256 };
}

/** Whom a decision counts for (`by`) and, when a delegate sent it for them, who did (`actorId`). */
const decidedBy = (event: EngineEvent) => (event.onBehalfOf ? { by: event.onBehalfOf.id, actorId: event.actor.id, at: event.at } : by(event));

export const updates: Record<string, UpdateFn> = {
  /** Fixes who submitted, who wrote what they submitted, and its approval settings; earlier approvals no longer count. */
  recordSubmission: ({ context, event }) => ({
    submittedBy: event.actor.id,
    submittedAt: event.at,
    ...(event.authors ? { authors: event.authors } : {}),
    requiredApprovals: event.subject?.requiredApprovals ?? context.requiredApprovals,
    approvalSlaDays: event.subject?.approvalSlaDays ?? context.approvalSlaDays,
    approvals: [],
    overdue: false,
  }),
  recordApproval: ({ context, event }) => ({
    approvals: [...list(context.approvals), { ...decidedBy(event), contentHash: event.contentHash ?? null }],
  }),
  recordDecision: ({ context, event }) => ({
    decisions: [
      ...list(context.decisions),
      { decision: event.type, ...decidedBy(event), comment: event.comment ?? null, contentHash: event.contentHash ?? null },
    ],
  }),
  markOverdue: () => ({ overdue: true }),
  clearOverdue: () => ({ overdue: false }),
  /** The review has waited twice its approval deadline: every admin was told. */
  markEscalated: ({ event }) => ({ escalatedAt: event.at }),
  clearEscalated: () => ({ escalatedAt: null }),
  recordDraft: ({ context, event }) => {
    const drafts = list(context.drafts);
    const document = (event.data?.document ?? {}) as Record<string, unknown>;
    const uploaded = uploadedDocument(event);
    return {
      drafts: [
        ...drafts,
        {
          version: drafts.length + 1,
          name: document.name,
          sha256: document.sha256,
          url: document.url ?? null,
          sharedBy: event.actor.id,
          sharedAt: event.at,
          ...(uploaded ? { documentId: uploaded.id } : {}),
        },
      ],
    };
  },
  /** The term, and the agreed text when it is an uploaded draft: the one named, else the latest draft shared if it was uploaded. */
  recordAgreedTerm: ({ context, event }) => {
    const effectiveFrom = String(event.data?.effectiveFrom);
    const expiresOn = String(event.data?.expiresOn);
    const named = uploadedDocument(event);
    const latest = list<{ documentId?: string; sha256: string }>(context.drafts).at(-1);
    const agreedText = named
      ? { documentId: named.id, sha256: named.sha256 }
      : latest?.documentId
        ? { documentId: latest.documentId, sha256: latest.sha256 }
        : undefined;
    return {
      effectiveFrom,
      expiresOn,
      terms: [{ number: 1, effectiveFrom, expiresOn, kind: 'agreed', ...by(event) }],
      signatures: { partner: null, own: null },
      ...(agreedText ? { agreedText } : {}),
    };
  },
  /**
   * An MOU signed before the system, recorded as such: its term (of kind `existing`), both
   * signatures, who recorded it, and the signed copy when one was uploaded.
   */
  recordExisting: ({ event }) => {
    const effectiveFrom = String(event.data?.effectiveFrom);
    const expiresOn = String(event.data?.expiresOn);
    const signedCopy = uploadedDocument(event);
    const recorded = { recordedBy: event.actor.id, recordedAt: event.at };
    const signatureOf = (party: string) => {
      const found = list<Record<string, unknown>>(event.data?.signatures).find((s) => s.party === party) ?? {};
      return { signatory: found.signatory, signedOn: found.signedOn, ...recorded };
    };
    return {
      effectiveFrom,
      expiresOn,
      terms: [{ number: 1, effectiveFrom, expiresOn, kind: 'existing', ...by(event) }],
      signatures: { partner: signatureOf('partner'), own: signatureOf('own') },
      recordedExisting: { ...by(event), ...(signedCopy ? { document: signedCopy } : {}) },
      ...(signedCopy ? { agreedText: { documentId: signedCopy.id, sha256: signedCopy.sha256 } } : {}),
    };
  },
  recordSignature: ({ context, event }) => {
    const party = String(event.data?.party);
    const signedCopy = uploadedDocument(event);
    return {
      signatures: {
        ...((context.signatures ?? {}) as Record<string, unknown>),
        [party]: {
          signatory: event.data?.signatory,
          signedOn: event.data?.signedOn,
          recordedBy: event.actor.id,
          recordedAt: event.at,
          ...(signedCopy ? { document: signedCopy } : {}),
        },
      },
    };
  },
  recordRenewal: ({ context, event }) => {
    const terms = list<Record<string, unknown>>(context.terms);
    const effectiveFrom = addDaysToDate(String(context.expiresOn), 1);
    const expiresOn = String(event.data?.expiresOn);
    return {
      effectiveFrom,
      expiresOn,
      terms: [...terms, { number: terms.length + 1, effectiveFrom, expiresOn, kind: 'renewed', ...by(event) }],
    };
  },
  /** A programme's delivery period, kept as its one term: sessions are the occurrences due within it. */
  recordDeliveryPeriod: ({ event }) => {
    const effectiveFrom = String(event.data?.startsOn);
    const expiresOn = String(event.data?.endsOn);
    return { effectiveFrom, expiresOn, terms: [{ number: 1, effectiveFrom, expiresOn, kind: 'delivery', ...by(event) }] };
  },
  recordTermination: ({ event }) => ({ termination: { ...by(event), comment: event.comment ?? null } }),
  recordSchedule: ({ event }) => ({ date: event.data?.date, venue: event.data?.venue ?? null }),
  recordPostponement: ({ context, event }) => ({
    postponements: [...list(context.postponements), { from: context.date, to: event.data?.date, ...by(event), comment: event.comment ?? null }],
    date: event.data?.date,
    venue: event.data?.venue ?? context.venue ?? null,
  }),
  /** The date moved earlier (recurring-activity v2): kept apart from postponements, which only ever move it later. */
  recordBringingForward: ({ context, event }) => ({
    broughtForward: [...list(context.broughtForward), { from: context.date, to: event.data?.date, ...by(event), comment: event.comment ?? null }],
    date: event.data?.date,
    venue: event.data?.venue ?? context.venue ?? null,
  }),
  recordHeld: ({ event }) => ({
    report: event.data?.report,
    attendance: event.data?.attendance ?? null,
    heldRecordedBy: event.actor.id,
  }),
  recordCancellation: ({ event }) => ({ cancellation: { ...by(event), comment: event.comment ?? null } }),
  recordCompletion: ({ context, event }) => ({ completions: [...list(context.completions), { ...by(event), comment: event.comment ?? null }] }),
  recordReopening: ({ context, event }) => ({
    reopenings: [...list(context.reopenings), { ...by(event), comment: event.comment ?? null }],
    cancellation: null,
  }),
};

/** Effects the engine hands back for a service to carry out in the same transaction. Re-entry repeats them, so handlers are idempotent. */
export const effects: ReadonlySet<string> = new Set(['ensureActivityOccurrences', 'cancelFutureOccurrences']);

function untilInstant(targetMs: number, event: EngineEvent): number {
  return targetMs - Date.parse(event.at);
}

export const delays: Record<string, DelayFn> = {
  approvalSla: ({ context }) => Number(context.approvalSlaDays) * DAY_MS,
  /** Twice the approval deadline: a review still waiting then is escalated to the admins. */
  approvalEscalation: ({ context }) => 2 * Number(context.approvalSlaDays) * DAY_MS,
  /** `renewalLeadDays` before the day the current term expires. */
  renewalWindow: ({ context, event }) => untilInstant(startOfDate(String(context.expiresOn)) - Number(context.renewalLeadDays) * DAY_MS, event),
  /** The term runs through `expiresOn`, so it ends at the start of the next day (UTC). */
  termExpiry: ({ context, event }) => untilInstant(startOfDate(addDaysToDate(String(context.expiresOn), 1)), event),
  /** The start of a follow-up's due day (UTC): from then on it is due. */
  followUpDue: ({ context, event }) => untilInstant(startOfDate(String(context.dueOn)), event),
  /** `graceDays` after the due date, or after the scheduled date when that is later. */
  graceExpired: ({ context, event }) => {
    const due = String(context.dueOn);
    const date = isIsoDate(context.date) && context.date > due ? context.date : due;
    return untilInstant(startOfDate(addDaysToDate(date, Number(context.graceDays) + 1)), event);
  },
};

/**
 * The settings each guard or delay reads from the context. Their defaults come from the
 * definition's `machine.context` and nowhere else, so the registry refuses a definition that uses
 * one of these names without giving the setting a number there.
 */
export const contextSettings: Record<string, string[]> = {
  quorumReached: ['requiredApprovals'],
  approvalSla: ['approvalSlaDays'],
  approvalEscalation: ['approvalSlaDays'],
  renewalWindow: ['renewalLeadDays'],
  graceExpired: ['graceDays'],
};

export { refType, refParams };
