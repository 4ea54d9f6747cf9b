import { DAY_MS } from '../common/clock.js';
import { addDaysToDate, dateOf, isIsoDate, startOfDate } from '../common/dates.js';
import type { EngineEvent, NamedRef, WorkflowContext } from './workflow.types.js';

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

export const guards: Record<string, GuardFn> = {
  /** Every listed path holds a non-empty value. */
  fieldsPresent: (scope, params) => list<string>(params?.fields).every((f) => isPresent(readPath(scope, f))),
  /** The list at `field` has at least `min` items. */
  minItems: (scope, params) => list(readPath(scope, stringParam(params, 'field'))).length >= Number(params?.min ?? 1),
  /** Separation of duties: whoever submitted a proposal never decides on it. */
  notSubmitter: ({ context, event }) => context.submittedBy !== event.actor.id,
  /** One approver counts once. */
  notAlreadyApproved: ({ context, event }) =>
    !list<{ by: string }>(context.approvals).some((a) => a.by === event.actor.id),
  /** An approver who names the content hash they read approves only that content. */
  approvedContentIsCurrent: ({ event }) => {
    const seen = event.data?.contentHash;
    return seen === undefined || seen === event.contentHash;
  },
  quorumReached: ({ context }) => list(context.approvals).length >= Number(context.requiredApprovals ?? 1),
  /** Both dates are real dates and `to` comes strictly after `from`. */
  datesOrdered: (scope, params) => {
    const from = readPath(scope, stringParam(params, 'from'));
    const to = readPath(scope, stringParam(params, 'to'));
    return isIsoDate(from) && isIsoDate(to) && to > from;
  },
  /** A real date no later than the day of the event. */
  notInFuture: (scope, params) => {
    const value = readPath(scope, stringParam(params, 'field'));
    return isIsoDate(value) && value <= dateOf(scope.event.at);
  },
  partyNotSigned: ({ context, event }) => {
    const party = event.data?.party;
    const signatures = (context.signatures ?? {}) as Record<string, unknown>;
    return (party === 'partner' || party === 'own') && !signatures[party];
  },
  bothPartiesSigned: ({ context }) => {
    const signatures = (context.signatures ?? {}) as Record<string, unknown>;
    return Boolean(signatures.partner) && Boolean(signatures.own);
  },
  /** Composite guard: JSON cannot express XState's `and`, so the vocabulary has its own. */
  all: (scope, params) => list<NamedRef>(params?.guards).every((g) => evaluateGuard(g, scope)),
};

export function evaluateGuard(ref: NamedRef, scope: Scope): boolean {
  const guard = guards[refType(ref)];
  if (!guard) throw new TypeError(`unknown guard "${refType(ref)}"`);
  return guard(scope, refParams(ref));
}

/** The first named guard, looking inside `all`, that refuses; undefined when all pass. */
export function firstFailingGuard(ref: NamedRef, scope: Scope): string | undefined {
  if (refType(ref) === 'all') {
    for (const inner of list<NamedRef>(refParams(ref)?.guards)) {
      const failing = firstFailingGuard(inner, scope);
      if (failing) return failing;
    }
    return undefined;
  }
  return evaluateGuard(ref, scope) ? undefined : refType(ref);
}

/** Guards nested in an `all`, so the registry can check every name. */
export function guardNames(ref: NamedRef): string[] {
  const own = refType(ref);
  if (own !== 'all') return [own];
  return [own, ...list<NamedRef>(refParams(ref)?.guards).flatMap(guardNames)];
}

const by = (event: EngineEvent) => ({ by: event.actor.id, at: event.at });

export const updates: Record<string, UpdateFn> = {
  /** Fixes who submitted and the approval settings of the content submitted; earlier approvals no longer count. */
  recordSubmission: ({ context, event }) => ({
    submittedBy: event.actor.id,
    submittedAt: event.at,
    requiredApprovals: event.subject?.requiredApprovals ?? context.requiredApprovals,
    approvalSlaDays: event.subject?.approvalSlaDays ?? context.approvalSlaDays,
    approvals: [],
    overdue: false,
  }),
  recordApproval: ({ context, event }) => ({
    approvals: [...list(context.approvals), { ...by(event), contentHash: event.contentHash ?? null }],
  }),
  recordDecision: ({ context, event }) => ({
    decisions: [
      ...list(context.decisions),
      { decision: event.type, ...by(event), comment: event.comment ?? null, contentHash: event.contentHash ?? null },
    ],
  }),
  markOverdue: () => ({ overdue: true }),
  clearOverdue: () => ({ overdue: false }),
  recordDraft: ({ context, event }) => {
    const drafts = list(context.drafts);
    const document = (event.data?.document ?? {}) as Record<string, unknown>;
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
        },
      ],
    };
  },
  recordAgreedTerm: ({ event }) => {
    const effectiveFrom = String(event.data?.effectiveFrom);
    const expiresOn = String(event.data?.expiresOn);
    return {
      effectiveFrom,
      expiresOn,
      terms: [{ number: 1, effectiveFrom, expiresOn, kind: 'agreed', ...by(event) }],
      signatures: { partner: null, own: null },
    };
  },
  recordSignature: ({ context, event }) => {
    const party = String(event.data?.party);
    return {
      signatures: {
        ...((context.signatures ?? {}) as Record<string, unknown>),
        [party]: { signatory: event.data?.signatory, signedOn: event.data?.signedOn, recordedBy: event.actor.id, recordedAt: event.at },
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
  recordTermination: ({ event }) => ({ termination: { ...by(event), comment: event.comment ?? null } }),
  recordSchedule: ({ event }) => ({ date: event.data?.date, venue: event.data?.venue ?? null }),
  recordPostponement: ({ context, event }) => ({
    postponements: [...list(context.postponements), { from: context.date, to: event.data?.date, ...by(event), comment: event.comment ?? null }],
    date: event.data?.date,
    venue: event.data?.venue ?? context.venue ?? null,
  }),
  recordHeld: ({ event }) => ({
    report: event.data?.report,
    attendance: event.data?.attendance ?? null,
    heldRecordedBy: event.actor.id,
  }),
  recordCancellation: ({ event }) => ({ cancellation: { ...by(event), comment: event.comment ?? null } }),
};

/** Effects the engine hands back for a service to carry out in the same transaction. Re-entry repeats them, so handlers are idempotent. */
export const effects: ReadonlySet<string> = new Set(['ensureActivityOccurrences', 'cancelFutureOccurrences']);

function untilInstant(targetMs: number, event: EngineEvent): number {
  return targetMs - Date.parse(event.at);
}

export const delays: Record<string, DelayFn> = {
  approvalSla: ({ context }) => Number(context.approvalSlaDays ?? 14) * DAY_MS,
  /** `renewalLeadDays` before the day the current term expires. */
  renewalWindow: ({ context, event }) =>
    untilInstant(startOfDate(String(context.expiresOn)) - Number(context.renewalLeadDays ?? 90) * DAY_MS, event),
  /** The term runs through `expiresOn`, so it ends at the start of the next day (UTC). */
  termExpiry: ({ context, event }) => untilInstant(startOfDate(addDaysToDate(String(context.expiresOn), 1)), event),
  /** `graceDays` after the due date, or after the scheduled date when that is later. */
  graceExpired: ({ context, event }) => {
    const due = String(context.dueOn);
    const date = isIsoDate(context.date) && context.date > due ? context.date : due;
    return untilInstant(startOfDate(addDaysToDate(date, Number(context.graceDays ?? 30) + 1)), event);
  },
};

export { refType, refParams };
