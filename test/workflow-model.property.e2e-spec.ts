import fc from 'fast-check';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type request from 'supertest';
import { TimersService } from '../src/timers/timers.service.js';
import { WorkflowEngine } from '../src/workflow-engine/engine.js';
import { definedStates, randomWalk } from '../src/workflow-engine/model-testing.js';
import { sampleModel } from '../src/workflow-engine/model-walk.js';
import type { WorkflowDefinition } from '../src/workflow-engine/workflow.types.js';
import { ROLE_USERS, type ApiApp, type UserName } from './support/api.js';
import { createApiAppWithOrganization } from './support/factories.js';
import { testDatabaseKind } from './support/test-app.js';
import { versionFiles, workflowsDir, workflowVersions } from './support/workflow-versions.js';

/**
 * Hostile input, stateful: random sequences of partnership events, edits and the passing of
 * time, by random users (the manager-approver included), with valid and broken payloads and
 * right, stale or missing If-Match, sent over HTTP and checked against a small model of the
 * `partnership-mou` workflow. Every answer must be the one the model predicts (accepted exactly
 * when the model allows it, with its state and version), no answer is a 500, and whatever the
 * service reports never shows an illegal stage, a self-approval, or an MOU in force without its
 * quorum and both signatures. Each run is a fresh partnership on one shared app.
 *
 * PROPERTY_RUNS selects the number of runs (300 by default), PROPERTY_SEED the seed.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const SEED = Number(process.env.PROPERTY_SEED ?? 6_062_026);
const START = Date.parse('2026-03-02T09:00:00.000Z');
const DAY_MS = 86_400_000;

const STATES = [
  'proposal',
  'senior_management_review',
  'mou_drafting',
  'mou_negotiation',
  'awaiting_signatures',
  'in_force.active',
  'in_force.renewal_due',
  'expired',
  'terminated',
  'rejected',
  'withdrawn',
] as const;
type State = (typeof STATES)[number];

const EVENTS = [
  'SUBMIT_FOR_APPROVAL',
  'WITHDRAW',
  'APPROVE',
  'REQUEST_CHANGES',
  'REJECT',
  'SHARE_DRAFT',
  'AGREE_TEXT',
  'RECORD_SIGNATURE',
  'TERMINATE',
  'RENEW',
] as const;
type EventType = (typeof EVENTS)[number];

/** Which events each state takes, and who may send them (SPEC's table). */
const ALLOWED: Record<State, readonly EventType[]> = {
  proposal: ['SUBMIT_FOR_APPROVAL', 'WITHDRAW'],
  senior_management_review: ['APPROVE', 'REQUEST_CHANGES', 'REJECT', 'WITHDRAW'],
  mou_drafting: ['SHARE_DRAFT', 'WITHDRAW'],
  mou_negotiation: ['SHARE_DRAFT', 'AGREE_TEXT', 'WITHDRAW'],
  awaiting_signatures: ['RECORD_SIGNATURE', 'WITHDRAW'],
  'in_force.active': ['TERMINATE'],
  'in_force.renewal_due': ['RENEW', 'TERMINATE'],
  expired: [],
  terminated: [],
  rejected: [],
  withdrawn: [],
};
const ROLE_OF: Record<EventType, 'manager' | 'approver'> = {
  SUBMIT_FOR_APPROVAL: 'manager',
  WITHDRAW: 'manager',
  APPROVE: 'approver',
  REQUEST_CHANGES: 'approver',
  REJECT: 'approver',
  SHARE_DRAFT: 'manager',
  AGREE_TEXT: 'manager',
  RECORD_SIGNATURE: 'manager',
  TERMINATE: 'approver',
  RENEW: 'approver',
};
/** The event that moves each state along the main line. */
const FORWARD: Partial<Record<State, EventType>> = {
  proposal: 'SUBMIT_FOR_APPROVAL',
  senior_management_review: 'APPROVE',
  mou_drafting: 'SHARE_DRAFT',
  mou_negotiation: 'AGREE_TEXT',
  awaiting_signatures: 'RECORD_SIGNATURE',
  'in_force.renewal_due': 'RENEW',
};
const EDITABLE: Record<State, readonly string[]> = {
  proposal: ['title', 'summary', 'requiredApprovals', 'notes'],
  senior_management_review: ['notes'],
  mou_drafting: ['notes'],
  mou_negotiation: ['notes'],
  awaiting_signatures: ['notes'],
  // partnership-mou v2: the details stay editable while the MOU is in force
  'in_force.active': ['notes'],
  'in_force.renewal_due': ['notes'],
  expired: [],
  terminated: [],
  rejected: [],
  withdrawn: [],
};

type TimerName = 'approvalSla' | 'approvalEscalation' | 'renewalWindow' | 'termExpiry';

interface Model {
  state: State;
  version: number;
  /** Refusals SPEC wants audited (403, 409, 412, 422). */
  denied: number;
  hasSummary: boolean;
  requiredApprovals: number;
  approvalSlaDays: number;
  submittedBy: string | null;
  creator: string;
  /** Who edited what approvers judge since the last submission. */
  editors: string[];
  /** Who wrote the content under review (its creator and editors), fixed at submission: none of them decides on it. */
  authors: string[];
  quorum: number;
  approvals: string[];
  signed: { partner: boolean; own: boolean };
  expiresOn: string | null;
  overdue: boolean;
  timers: Array<{ name: TimerName; dueAt: number }>;
}

interface Real {
  api: ApiApp;
  id: string;
  contentHash: string;
}

type Expected = { status: 200 } | { status: number; code: string; rule?: string };

type Variant = 'valid' | 'missing' | 'guardFail' | 'badFormat' | 'extraData' | 'unknownField' | 'longComment' | 'otherParty';
type IfMatch = 'right' | 'stale' | 'missing';

/** States visited over the whole run: the suite asserts it reached every one. */
const visited = new Set<string>();
const statusesSeen = new Map<number, number>();

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const addDays = (date: string, days: number) => dateOf(Date.parse(`${date}T00:00:00.000Z`) + days * DAY_MS);
const startOf = (date: string) => Date.parse(`${date}T00:00:00.000Z`);

function refused(m: Model, expected: Expected): Expected {
  if ([403, 409, 412, 422].includes(expected.status)) m.denied += 1;
  return expected;
}

/** How many active approvers may decide a proposal these people wrote (SPEC: the quorum asked cannot exceed them). */
function decidersBesides(ids: Record<UserName, string>, authors: string[]): number {
  return USERS.filter((user) => ROLES[user].includes('approver') && !authors.includes(ids[user])).length;
}

/** What an event request should get, in the order the service checks. */
function expectEvent(m: Model, userId: string, user: UserName, type: string, body: EventBody, ifMatch: IfMatch, now: number): Expected {
  // If-Match is read before the body's validation finishes, so a missing one wins over a malformed body.
  if (ifMatch === 'missing') return { status: 428, code: 'PRECONDITION_REQUIRED' };
  if (body.dtoInvalid || body.dataInvalid) return { status: 400, code: 'VALIDATION_FAILED' };
  if (ifMatch === 'stale') return refused(m, { status: 412, code: 'VERSION_MISMATCH' });
  const event = type as EventType;
  if (!ALLOWED[m.state].includes(event)) return refused(m, { status: 409, code: 'EVENT_NOT_ALLOWED' });
  if (!ROLES[user].includes(ROLE_OF[event])) return refused(m, { status: 403, code: 'FORBIDDEN' });
  if (body.missingRequired) return refused(m, { status: 422, code: 'GUARD_FAILED', rule: 'requires' });
  const guard = failingGuard(m, userId, event, body, now);
  if (guard === 'notSubmitter') return refused(m, { status: 403, code: 'SEPARATION_OF_DUTIES', rule: guard });
  if (guard) return refused(m, { status: 422, code: 'GUARD_FAILED', rule: guard });
  return { status: 200 };
}

function failingGuard(m: Model, userId: string, event: EventType, body: EventBody, now: number): string | undefined {
  const data = body.data ?? {};
  switch (event) {
    case 'SUBMIT_FOR_APPROVAL':
      return m.hasSummary ? undefined : 'fieldsPresent';
    case 'APPROVE':
      if (isAuthor(m, userId)) return 'notSubmitter';
      if (m.approvals.includes(userId)) return 'notAlreadyApproved';
      return data.contentHash === undefined || body.contentHashIsCurrent ? undefined : 'approvedContentIsCurrent';
    case 'REQUEST_CHANGES':
    case 'REJECT':
      return isAuthor(m, userId) ? 'notSubmitter' : undefined;
    case 'AGREE_TEXT':
      return isTerm(data.effectiveFrom, data.expiresOn, now) ? undefined : 'datesOrdered';
    case 'RECORD_SIGNATURE':
      if (m.signed[data.party as 'partner' | 'own']) return 'partyNotSigned';
      return isDate(data.signedOn) && String(data.signedOn) <= dateOf(now) ? undefined : 'notInFuture';
    case 'RENEW':
      return isTerm(m.expiresOn, data.expiresOn, now) ? undefined : 'datesOrdered';
    default:
      return undefined;
  }
}

/** Whoever wrote what approvers judge never decides on it. */
function isAuthor(m: Model, userId: string): boolean {
  return m.submittedBy === userId || m.creator === userId || m.authors.includes(userId);
}

/** SPEC: a term ends after it starts, has not already ended, and lasts at most MAX_TERM_YEARS (10). */
function isTerm(from: unknown, to: unknown, now: number): boolean {
  if (!isDate(from) || !isDate(to) || String(to) <= String(from) || String(to) < dateOf(now)) return false;
  const [year, rest] = [Number(String(from).slice(0, 4)), String(from).slice(4)];
  const tenYearsOn = rest === '-02-29' ? `${year + 10}-02-28` : `${year + 10}${rest}`;
  return String(to) <= tenYearsOn;
}

function isDate(value: unknown): boolean {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(startOf(value)) && dateOf(startOf(value)) === value;
}

function inForceTimers(expiresOn: string): Model['timers'] {
  return [
    { name: 'renewalWindow', dueAt: startOf(expiresOn) - 90 * DAY_MS },
    { name: 'termExpiry', dueAt: startOf(addDays(expiresOn, 1)) },
  ];
}

/** The model's step for an accepted event. */
function applyEvent(m: Model, userId: string, event: EventType, body: EventBody, now: number): void {
  const data = body.data ?? {};
  m.version += 1;
  const leaveReview = () => {
    m.timers = [];
    m.overdue = false;
  };
  switch (event) {
    case 'SUBMIT_FOR_APPROVAL':
      Object.assign(m, { state: 'senior_management_review', submittedBy: userId, approvals: [], quorum: m.requiredApprovals, overdue: false });
      Object.assign(m, { authors: [m.creator, ...m.editors], editors: [] });
      // partnership-mou v2: the review is escalated to the admins at twice its deadline
      m.timers = [
        { name: 'approvalSla', dueAt: now + m.approvalSlaDays * DAY_MS },
        { name: 'approvalEscalation', dueAt: now + 2 * m.approvalSlaDays * DAY_MS },
      ];
      break;
    case 'WITHDRAW':
      leaveReview();
      m.state = 'withdrawn';
      break;
    case 'APPROVE':
      m.approvals.push(userId);
      if (m.approvals.length >= m.quorum) {
        leaveReview();
        m.state = 'mou_drafting';
      }
      break;
    case 'REQUEST_CHANGES':
      leaveReview();
      m.state = 'proposal';
      break;
    case 'REJECT':
      leaveReview();
      m.state = 'rejected';
      break;
    case 'SHARE_DRAFT':
      m.state = 'mou_negotiation';
      break;
    case 'AGREE_TEXT':
      Object.assign(m, { state: 'awaiting_signatures', expiresOn: data.expiresOn, signed: { partner: false, own: false } });
      break;
    case 'RECORD_SIGNATURE':
      m.signed[data.party as 'partner' | 'own'] = true;
      if (m.signed.partner && m.signed.own) {
        m.state = 'in_force.active';
        m.timers = inForceTimers(m.expiresOn as string);
      }
      break;
    case 'TERMINATE':
      m.timers = [];
      m.state = 'terminated';
      break;
    case 'RENEW':
      m.expiresOn = String(data.expiresOn);
      m.state = 'in_force.active';
      m.timers = inForceTimers(m.expiresOn);
      break;
  }
}

/** Fires the model's timers that are due at `now`, oldest first, as the poller does. */
function fireDue(m: Model, now: number): void {
  for (;;) {
    const due = m.timers.filter((t) => t.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt)[0];
    if (!due) return;
    m.timers = m.timers.filter((t) => t !== due);
    m.version += 1;
    if (due.name === 'approvalSla') m.overdue = true;
    else if (due.name === 'approvalEscalation') continue;
    else if (due.name === 'renewalWindow') m.state = 'in_force.renewal_due';
    else {
      m.state = 'expired';
      m.timers = [];
    }
  }
}

interface EventBody {
  body: Record<string, unknown>;
  data?: Record<string, unknown>;
  dtoInvalid?: boolean;
  dataInvalid?: boolean;
  missingRequired?: boolean;
  contentHashIsCurrent?: boolean;
}

const HASH = 'ab'.repeat(32);
const NEEDS_COMMENT = ['REQUEST_CHANGES', 'REJECT', 'TERMINATE'];
const EVENT_NAME = /^[A-Z][A-Z_]{1,63}$/;

/** A concrete body for an event and a variant, from the model and today's date. */
function eventBody(type: string, variant: Variant, m: Model, real: Real, today: string, pick: number): EventBody {
  const comment = NEEDS_COMMENT.includes(type) && variant !== 'missing' ? 'Because.' : undefined;
  const withComment = (data?: Record<string, unknown>, extra: Partial<EventBody> = {}): EventBody => ({
    body: { type, ...(comment ? { comment } : {}), ...(data !== undefined ? { data } : {}) },
    data,
    ...extra,
  });
  if (variant === 'unknownField') return { ...withComment(), body: { ...withComment().body, isAdmin: true }, dtoInvalid: true };
  if (variant === 'longComment') return { body: { type, comment: 'x'.repeat(5001) }, dtoInvalid: true };
  if (variant === 'extraData') return withComment({ ...(withComment(validData(type, m, today, pick)).data ?? {}), sneaky: 1 }, { dataInvalid: true });
  switch (type) {
    case 'APPROVE':
      if (variant === 'badFormat') return withComment({ contentHash: 'not-a-hash' }, { dataInvalid: true });
      if (variant === 'guardFail') return withComment({ contentHash: 'f'.repeat(64) }, { contentHashIsCurrent: false });
      return pick % 2 === 0 ? withComment() : withComment({ contentHash: real.contentHash }, { contentHashIsCurrent: true });
    case 'SHARE_DRAFT':
      if (variant === 'badFormat') return withComment({ document: { name: 'draft', sha256: 'NOT HEX' } }, { dataInvalid: true });
      if (variant === 'missing') return withComment(pick % 2 === 0 ? undefined : { document: { name: 'draft' } }, { missingRequired: true });
      return withComment(validData(type, m, today, pick));
    case 'AGREE_TEXT': {
      if (variant === 'badFormat') return withComment({ effectiveFrom: '2026/04/01', expiresOn: '2029-03-31' }, { dataInvalid: true });
      if (variant === 'missing') return withComment({ effectiveFrom: today }, { missingRequired: true });
      // out of order, or already ended
      if (variant === 'guardFail' && pick % 2 === 0) return withComment({ effectiveFrom: today, expiresOn: addDays(today, -(pick % 40)) });
      if (variant === 'guardFail') return withComment({ effectiveFrom: addDays(today, -800), expiresOn: addDays(today, -1 - (pick % 40)) });
      return withComment(validData(type, m, today, pick));
    }
    case 'RECORD_SIGNATURE': {
      const party = m.signed.partner && !m.signed.own ? 'own' : 'partner';
      if (variant === 'badFormat') return withComment({ party: 'both', signatory: 'Dean', signedOn: today }, { dataInvalid: true });
      if (variant === 'missing') return withComment({ party, signedOn: today }, { missingRequired: true });
      if (variant === 'guardFail') return withComment({ party, signatory: 'Dean', signedOn: addDays(today, 1 + (pick % 30)) });
      if (variant === 'otherParty') return withComment({ party: party === 'own' ? 'partner' : 'own', signatory: 'Dean', signedOn: today });
      return withComment(validData(type, m, today, pick));
    }
    case 'RENEW': {
      if (variant === 'badFormat') return withComment({ expiresOn: 'soon' }, { dataInvalid: true });
      if (variant === 'missing') return withComment(undefined, { missingRequired: true });
      if (variant === 'guardFail') return withComment({ expiresOn: addDays(m.expiresOn ?? today, -(pick % 60)) });
      return withComment(validData(type, m, today, pick));
    }
    default:
      // Events that take no data, and names that are no event at all.
      if (variant === 'badFormat') return withComment({ note: 'x' }, { dataInvalid: true });
      return withComment(undefined, { missingRequired: variant === 'missing' && NEEDS_COMMENT.includes(type) });
  }
}

function validData(type: string, m: Model, today: string, pick: number): Record<string, unknown> | undefined {
  switch (type) {
    case 'SHARE_DRAFT':
      return { document: { name: `MOU draft ${pick}.docx`, sha256: HASH, ...(pick % 3 === 0 ? { url: 'https://files.example.org/mou.docx' } : {}) } };
    case 'AGREE_TEXT': {
      const effectiveFrom = addDays(today, (pick % 500) - 400);
      // ends after today, within ten years of its start
      return { effectiveFrom, expiresOn: addDays(effectiveFrom > today ? effectiveFrom : today, 1 + ((pick * 7919) % 1500)) };
    }
    case 'RECORD_SIGNATURE':
      return { party: m.signed.partner && !m.signed.own ? 'own' : 'partner', signatory: 'Vice-Chancellor', signedOn: addDays(today, -(pick % 20)) };
    case 'RENEW':
      return { expiresOn: addDays(m.expiresOn ?? today, 1 + (pick % 1500)) };
    default:
      return undefined;
  }
}

/** A stale version when there is one, else one from the future. */
function wrongVersion(m: Model, pick: number): number {
  return m.version > 1 && pick % 2 === 0 ? m.version - 1 : m.version + 1;
}

/** Checks an answer against the model's prediction, then the invariants of what the service reports. */
function checkAnswer(label: string, response: request.Response, expected: Expected, m: Model, real: Real): void {
  statusesSeen.set(response.status, (statusesSeen.get(response.status) ?? 0) + 1);
  const got = { status: response.status, code: response.body?.code, rule: response.body?.details?.rule };
  const want = { status: expected.status, code: 'code' in expected ? expected.code : undefined, rule: 'rule' in expected ? expected.rule : undefined };
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${label}: expected ${JSON.stringify(want)}, got ${response.status} ${JSON.stringify(response.body)} (model ${JSON.stringify(m)})`);
  }
  if (response.status !== 200) return;
  checkView(label, response.body, m, real);
  if (response.headers.etag !== `"${m.version}"`) throw new Error(`${label}: ETag ${response.headers.etag}, model version ${m.version}`);
}

function checkView(label: string, view: Record<string, unknown> & { state: string; version: number }, m: Model, real: Real): void {
  const fail = (what: string) => {
    throw new Error(`${label}: ${what} (view ${JSON.stringify(view)}, model ${JSON.stringify(m)})`);
  };
  visited.add(view.state);
  if (!(STATES as readonly string[]).includes(view.state)) fail(`illegal stage ${view.state}`);
  if (view.state !== m.state || view.version !== m.version) fail(`state/version ${view.state}/${view.version}, model ${m.state}/${m.version}`);
  if (view.overdue !== m.overdue) fail(`overdue ${String(view.overdue)}, model ${String(m.overdue)}`);
  const approvals = view.approvals as Array<{ by: string }>;
  if (approvals.some((a) => a.by === view.submittedBy)) fail('the submitter approved their own proposal');
  if (new Set(approvals.map((a) => a.by)).size !== approvals.length) fail('one approver counted twice');
  if (view.state.startsWith('in_force') || view.state === 'expired' || (view.state === 'terminated' && view.currentTerm)) {
    const signatures = view.signatures as { partner: unknown; own: unknown };
    if (!signatures.partner || !signatures.own) fail('in force without both signatures');
    if (approvals.length < (view.requiredApprovals as number)) fail('in force without its quorum');
  }
  real.contentHash = view.contentHash as string;
}

class EventCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly mode: 'step' | 'forward' | 'allowed' | 'any',
    readonly typeIndex: number,
    readonly userIndex: number,
    readonly variant: Variant,
    readonly ifMatch: IfMatch,
    readonly pick: number,
  ) {}

  /** A main-line step waits while the state has none (an MOU in force moves on by time). */
  check(m: Readonly<Model>): boolean {
    return (this.mode !== 'forward' && this.mode !== 'step') || FORWARD[m.state] !== undefined;
  }

  /** The event to send: along the main line, one the state takes, or any name at all. */
  private type(m: Model): string {
    const allowed = ALLOWED[m.state];
    if ((this.mode === 'forward' || this.mode === 'step') && FORWARD[m.state]) return FORWARD[m.state] as string;
    if (this.mode !== 'any' && allowed.length > 0) return allowed[this.typeIndex % allowed.length];
    const any = [...EVENTS, 'FLY_AWAY', 'approve', 'XSTATE_AFTER', 'xstate.after.approvalSla.partnership-mou.senior_management_review'];
    return any[this.typeIndex % any.length];
  }

  /**
   * A step goes to someone the model says may take it; main-line and allowed events to someone
   * holding the role (who may still be the submitter, or have approved already); the rest to anyone.
   */
  private user(type: string, m: Model, ids: Record<UserName, string>): UserName {
    const role = ROLE_OF[type as EventType];
    let holders = this.mode !== 'any' && role ? USERS.filter((u) => ROLES[u].includes(role)) : USERS;
    // a step's approver is one who may still approve, while there is one (a quorum of 3 with the creator an approver has none left)
    const eligible = holders.filter((u) => !isAuthor(m, ids[u]) && !m.approvals.includes(ids[u]));
    if (this.mode === 'step' && type === 'APPROVE' && eligible.length > 0) holders = eligible;
    return holders[this.userIndex % holders.length];
  }

  async run(m: Model, real: Real): Promise<void> {
    const type = this.type(m);
    const user = this.user(type, m, real.api.ids);
    const userId = real.api.ids[user];
    const now = real.api.clock.now().getTime();
    const payload = eventBody(type, this.variant, m, real, dateOf(now), this.pick);
    if (!EVENT_NAME.test(type)) payload.dtoInvalid = true;
    const expected = expectEvent(m, userId, user, type, payload, this.ifMatch, now);
    let call = real.api.as(user).post(`/api/partnerships/${real.id}/events`);
    if (this.ifMatch !== 'missing') call = call.set('If-Match', `"${this.ifMatch === 'right' ? m.version : wrongVersion(m, this.pick)}"`);
    const response = await call.send(payload.body);
    if (expected.status === 200) applyEvent(m, userId, type as EventType, payload, now);
    checkAnswer(this.toString(), response, expected, m, real);
  }

  toString(): string {
    return `Event(${this.mode}#${this.typeIndex}, user#${this.userIndex}, ${this.variant}, If-Match ${this.ifMatch}, ${this.pick})`;
  }
}

/** The patched fields that approvers judge: whoever edits them becomes an author of the next submission. */
const JUDGED = ['title', 'summary', 'requiredApprovals'];

const PATCHES: Record<string, { valid: (pick: number) => unknown; invalid: unknown }> = {
  notes: { valid: (pick) => `note ${pick}`, invalid: 42 },
  title: { valid: (pick) => `Renamed partnership ${pick}`, invalid: '' },
  summary: { valid: (pick) => `Summary ${pick}`, invalid: { text: 'x' } },
  requiredApprovals: { valid: (pick) => 1 + (pick % 3), invalid: 9 },
};

class PatchCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly field: string,
    readonly valid: boolean,
    readonly userIndex: number,
    readonly ifMatch: IfMatch,
    readonly pick: number,
  ) {}

  check(): boolean {
    return true;
  }

  async run(m: Model, real: Real): Promise<void> {
    const user = USERS[this.userIndex % USERS.length];
    const value = this.valid ? PATCHES[this.field].valid(this.pick) : PATCHES[this.field].invalid;
    const expected = this.expect(m, user, value, real);
    let call = real.api.as(user).patch(`/api/partnerships/${real.id}`);
    if (this.ifMatch !== 'missing') call = call.set('If-Match', `"${this.ifMatch === 'right' ? m.version : wrongVersion(m, this.pick)}"`);
    const response = await call.send({ [this.field]: value });
    if (expected.status === 200) {
      m.version += 1;
      if (JUDGED.includes(this.field) && !m.editors.includes(real.api.ids[user])) m.editors.push(real.api.ids[user]);
      if (this.field === 'summary') m.hasSummary = true;
      if (this.field === 'requiredApprovals') m.requiredApprovals = value as number;
    }
    checkAnswer(this.toString(), response, expected, m, real);
  }

  private expect(m: Model, user: UserName, value: unknown, real: Real): Expected {
    if (!ROLES[user].includes('manager')) return refused(m, { status: 403, code: 'FORBIDDEN' });
    if (this.ifMatch === 'missing') return { status: 428, code: 'PRECONDITION_REQUIRED' };
    if (!this.valid) return { status: 400, code: 'VALIDATION_FAILED' };
    if (this.ifMatch === 'stale') return refused(m, { status: 412, code: 'VERSION_MISMATCH' });
    if (!EDITABLE[m.state].includes(this.field)) return refused(m, { status: 409, code: 'EVENT_NOT_ALLOWED' });
    if (this.field === 'requiredApprovals' && (value as number) > decidersBesides(real.api.ids, [m.creator, ...m.editors, real.api.ids[user]])) {
      return refused(m, { status: 422, code: 'QUORUM_UNREACHABLE' });
    }
    return { status: 200 };
  }

  toString(): string {
    return `Patch(${this.field}, ${this.valid ? 'valid' : 'invalid'}, user#${this.userIndex}, If-Match ${this.ifMatch}, ${this.pick})`;
  }
}

/** Time passes to just after this partnership's next timer (or further), and the poller runs. */
class TickCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly extraDays: number) {}

  check(): boolean {
    return true;
  }

  async run(m: Model, real: Real): Promise<void> {
    const now = real.api.clock.now().getTime();
    const next = Math.min(...m.timers.map((t) => t.dueAt));
    const target = Math.max(now, Number.isFinite(next) ? next + 60_000 : now) + this.extraDays * DAY_MS;
    real.api.clock.set(new Date(target));
    await real.api.get(TimersService).fireDue();
    fireDue(m, target);
    const response = await real.api.as('auditor').get(`/api/partnerships/${real.id}`);
    checkAnswer(this.toString(), response, { status: 200 }, m, real);
  }

  toString(): string {
    return `Tick(+${this.extraDays}d)`;
  }
}

const ifMatchArb = fc.constantFrom<IfMatch>('right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'stale', 'missing');
const pickArb = fc.nat({ max: 10_000 });
const variantArb = (valid: number) =>
  fc.oneof(
    { arbitrary: fc.constant<Variant>('valid'), weight: valid },
    { arbitrary: fc.constantFrom<Variant>('missing', 'guardFail', 'badFormat', 'extraData', 'unknownField', 'longComment', 'otherParty'), weight: 1 },
  );

const commandArb = fc.oneof(
  {
    arbitrary: fc.tuple(fc.nat(20), fc.nat(20), variantArb(6), ifMatchArb, pickArb).map(([t, u, v, i, p]) => new EventCommand('forward', t, u, v, i, p)),
    weight: 8,
  },
  {
    arbitrary: fc.tuple(fc.nat(20), fc.nat(20), variantArb(3), ifMatchArb, pickArb).map(([t, u, v, i, p]) => new EventCommand('allowed', t, u, v, i, p)),
    weight: 2,
  },
  {
    arbitrary: fc.tuple(fc.nat(20), fc.nat(20), variantArb(1), ifMatchArb, pickArb).map(([t, u, v, i, p]) => new EventCommand('any', t, u, v, i, p)),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...Object.keys(PATCHES)), fc.boolean(), fc.nat(20), ifMatchArb, pickArb)
      .map(([f, v, u, i, p]) => new PatchCommand(f, v || p % 5 !== 0, u, i, p)),
    weight: 2,
  },
  { arbitrary: fc.constantFrom(0, 0, 0, 40, 400).map((d) => new TickCommand(d)), weight: 2 },
);

const setupArb = fc.record({
  creator: fc.constantFrom<UserName>('manager', 'manager2', 'managerApprover'),
  requiredApprovals: fc.integer({ min: 1, max: 3 }),
  approvalSlaDays: fc.integer({ min: 1, max: 30 }),
  // Now and then a proposal without a summary, which cannot be submitted until an edit adds one.
  hasSummary: fc.constantFrom(true, true, true, false),
  steps: fc.nat(10),
  pick: pickArb,
});

/** The signed-in users of `createApiApp`, in its order, and their roles. */
const USERS = Object.keys(ROLE_USERS) as UserName[];
const ROLES: Record<UserName, readonly string[]> = ROLE_USERS;

describe('the partnership workflow against its model, over HTTP', () => {
  let api: ApiApp;
  let organizationId: string;

  beforeAll(async () => {
    // Hostile sequences send thousands of writes a minute; the limit is not what is under test.
    ({ api, organizationId } = await createApiAppWithOrganization({ RATE_LIMIT_WRITES_PER_MINUTE: '10000000' }));
  });

  afterAll(() => api.close());

  it(`agrees with the model over ${RUNS} random sequences (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(setupArb, fc.commands([commandArb], { maxCommands: 12 }), async (generated, commands) => {
        // A proposal asks for no more approvals than the approvers who did not write it (its creator may be one).
        const setup = { ...generated, requiredApprovals: Math.min(generated.requiredApprovals, decidersBesides(api.ids, [api.ids[generated.creator]])) };
        api.clock.set(new Date(START));
        const created = await api
          .as(setup.creator)
          .post('/api/partnerships')
          .send({
            title: 'Model-checked partnership',
            organizationId,
            ...(setup.hasSummary ? { summary: 'An annual lecture and a research visit.' } : {}),
            proposedActivities: [{ kind: 'annual_lecture', title: 'Annual lecture', recurrence: { frequency: 'yearly', month: 10, day: 15 } }],
            requiredApprovals: setup.requiredApprovals,
            approvalSlaDays: setup.approvalSlaDays,
          });
        if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
        const model: Model = {
          state: 'proposal',
          version: 1,
          denied: 0,
          hasSummary: setup.hasSummary,
          requiredApprovals: setup.requiredApprovals,
          approvalSlaDays: setup.approvalSlaDays,
          submittedBy: null,
          creator: api.ids[setup.creator],
          editors: [],
          authors: [],
          quorum: setup.requiredApprovals,
          approvals: [],
          signed: { partner: false, own: false },
          expiresOn: null,
          overdue: false,
          timers: [],
        };
        const real: Real = { api, id: created.body.id, contentHash: created.body.contentHash };
        // A run starts with up to ten valid main-line steps, so its random commands also meet the later states.
        const steps = Array.from({ length: setup.steps }, (_, i) => new EventCommand('step', 0, i, 'valid', 'right', setup.pick + i));
        await fc.asyncModelRun(() => ({ model, real }), [...steps, ...commands]);
        // The history holds one `ok` row per change (the version) and one `denied` row per audited refusal,
        // besides its occurrences' rows; it comes a page at a time.
        const history: Array<{ outcome: string; toState: string; entityType: string }> = [];
        for (let total = Infinity; history.length < total;) {
          const page = (await api.as('auditor').get(`/api/partnerships/${real.id}/history?limit=200&offset=${history.length}`).expect(200)).body;
          if (page.items.length === 0) throw new Error(`history page at ${history.length} of ${page.total} is empty`);
          history.push(...page.items);
          total = page.total;
        }
        const own = history.filter((h) => h.entityType !== 'occurrence');
        const changes = own.filter((h) => h.outcome === 'ok');
        const rows = { ok: changes.length, denied: own.length - changes.length, lastState: changes.at(-1)?.toState };
        if (JSON.stringify(rows) !== JSON.stringify({ ok: model.version, denied: model.denied, lastState: model.state })) {
          throw new Error(`history ${JSON.stringify(rows)}, model version ${model.version}, ${model.denied} audited refusals, state ${model.state}`);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect([...statusesSeen.keys()].filter((status) => status >= 500)).toEqual([]);
    expect([...visited].sort()).toEqual([...STATES].sort());
    const verify = await api.as('auditor').get('/api/audit/verify').expect(200);
    expect(verify.body).toMatchObject({ ok: true });
  }, 600_000);
});

// ---------------------------------------------------------------------------------------------
// follow-up v1: random sequences of its events and the passing of time, by random users, with
// right, stale or missing If-Match, against a small model. Its owner is an approver (the role
// `owner` is theirs for this one follow-up); managers may act on it too; nobody else.

const FOLLOW_UP_RUNS = Math.max(20, Math.round(RUNS / 5));
const FOLLOW_UP_EVENTS = ['COMPLETE', 'CANCEL', 'REOPEN'] as const;
const FOLLOW_UP_ALLOWED: Record<string, readonly string[]> = { open: ['COMPLETE', 'CANCEL'], done: ['REOPEN'], cancelled: ['REOPEN'] };
const FOLLOW_UP_USERS: readonly UserName[] = ['approver', 'approver2', 'manager', 'auditor', 'managerApprover'];
const FOLLOW_UP_DUE = '2026-03-12';

interface FollowUpModel {
  state: 'open' | 'done' | 'cancelled';
  version: number;
  overdue: boolean;
  /** The model's clock, in days after START. */
  day: number;
}

type FollowUpStep =
  | { kind: 'event'; type: (typeof FOLLOW_UP_EVENTS)[number]; user: UserName; comment: boolean; ifMatch: 'right' | 'stale' | 'missing' }
  | { kind: 'wait'; days: number };

const followUpStepArb: fc.Arbitrary<FollowUpStep> = fc.oneof(
  fc.record({
    kind: fc.constant('event' as const),
    type: fc.constantFrom(...FOLLOW_UP_EVENTS),
    user: fc.constantFrom(...FOLLOW_UP_USERS),
    comment: fc.boolean(),
    ifMatch: fc.constantFrom('right' as const, 'right' as const, 'right' as const, 'stale' as const, 'missing' as const),
  }),
  fc.record({ kind: fc.constant('wait' as const), days: fc.integer({ min: 1, max: 8 }) }),
);

/** The status the model predicts for an event, and the model after it. */
function followUpPrediction(model: FollowUpModel, step: Extract<FollowUpStep, { kind: 'event' }>): number {
  if (step.ifMatch === 'missing') return 428;
  if (step.ifMatch === 'stale') return 412;
  if (!FOLLOW_UP_ALLOWED[model.state].includes(step.type)) return 409;
  const mayAct = step.user === 'approver' || ROLE_USERS[step.user].some((role) => role === 'manager');
  if (!mayAct) return 403;
  if (step.type === 'CANCEL' && !step.comment) return 422;
  return 200;
}

/** Whether the due-date timer has fired for an open follow-up by the model's day. */
const dueBy = (day: number) => new Date(START + day * DAY_MS).toISOString() >= `${FOLLOW_UP_DUE}T00:00:00.000Z`;

describe('the follow-up workflow against its model, over HTTP', () => {
  let api: ApiApp;
  let engagementId: string;
  const seen = new Map<number, number>();

  beforeAll(async () => {
    let organizationId: string;
    ({ api, organizationId } = await createApiAppWithOrganization({ RATE_LIMIT_WRITES_PER_MINUTE: '10000000' }));
    engagementId = (
      await api
        .as('manager')
        .post('/api/engagements')
        .send({ kind: 'meeting', title: 'Model-checked meeting', startsOn: '2026-03-01', organizationIds: [organizationId] })
        .expect(201)
    ).body.id as string;
  });

  afterAll(() => api.close());

  it(`agrees with the model over ${FOLLOW_UP_RUNS} random sequences (seed ${SEED})`, async () => {
    const states = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(followUpStepArb, { maxLength: 14 }), async (steps) => {
        api.clock.set(new Date(START));
        const created = await api
          .as('manager')
          .post(`/api/engagements/${engagementId}/follow-ups`)
          .send({ title: 'Model-checked follow-up', ownerId: api.ids.approver, dueOn: FOLLOW_UP_DUE });
        if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
        const id = created.body.id as string;
        const model: FollowUpModel = { state: 'open', version: 1, overdue: false, day: 0 };
        for (const step of steps) {
          if (step.kind === 'wait') {
            model.day += step.days;
            api.clock.set(new Date(START + model.day * DAY_MS));
            await api.get(TimersService).fireDue();
            if (model.state === 'open' && !model.overdue && dueBy(model.day)) {
              model.overdue = true;
              model.version += 1;
            }
          } else {
            const expected = followUpPrediction(model, step);
            let sent = api.as(step.user).post(`/api/follow-ups/${id}/events`);
            if (step.ifMatch !== 'missing') sent = sent.set('If-Match', `"${step.ifMatch === 'stale' ? model.version + 1 : model.version}"`);
            const answer = await sent.send({ type: step.type, ...(step.comment ? { comment: 'Model-checked.' } : {}) });
            seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
            if (answer.status !== expected) throw new Error(`${step.type} by ${step.user} in ${model.state}: ${answer.status}, the model says ${expected}`);
            if (expected === 200) {
              model.state = step.type === 'COMPLETE' ? 'done' : step.type === 'CANCEL' ? 'cancelled' : 'open';
              model.version += 1;
              model.overdue = false;
              // Reopened on or after its due day: its timer is due at once.
              if (model.state === 'open' && dueBy(model.day)) {
                await api.get(TimersService).fireDue();
                model.overdue = true;
                model.version += 1;
              }
            }
          }
          const real = (await api.as('auditor').get(`/api/follow-ups/${id}`).expect(200)).body as { state: string; version: number; overdue: boolean };
          states.add(real.state);
          const predicted = { state: model.state, version: model.version, overdue: model.overdue };
          if (JSON.stringify({ state: real.state, version: real.version, overdue: real.overdue }) !== JSON.stringify(predicted)) {
            throw new Error(`the follow-up is ${JSON.stringify(real)}, the model says ${JSON.stringify(predicted)}`);
          }
        }
      }),
      { numRuns: FOLLOW_UP_RUNS, seed: SEED },
    );
    expect([...seen.keys()].filter((status) => status >= 500)).toEqual([]);
    expect([...states].sort()).toEqual(['cancelled', 'done', 'open']);
    expect((await api.as('auditor').get('/api/audit/verify').expect(200)).body).toMatchObject({ ok: true });
  }, 600_000);
});

// ---------------------------------------------------------------------------------------------
// Every workflow version in the definitions directory (WORKFLOWS_DIR when set), found by file name,
// not from a list, so a version dropped into it is run too: random walks of its generic model (the
// one `npm run workflow:check` walks), hostile steps among them, each step sent through the engine
// beside XState's own transition (model-testing.ts, randomWalk).

const WALK_RUNS = Math.max(50, RUNS);
const WALK_STEPS = 40;
const engine = new WorkflowEngine();

/** Random walks of a definition's generic model; throws the first problem, shrunk. Every state the walks were in. */
function walksOf(definition: WorkflowDefinition, runs: number): Set<string> {
  const model = sampleModel(engine, definition);
  const states = new Set<string>();
  fc.assert(
    fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: WALK_STEPS }), (picks) => {
      const walk = randomWalk(model, picks);
      for (const state of walk.states) states.add(state);
      if (walk.problem) throw new Error(walk.problem);
    }),
    { numRuns: runs, seed: SEED },
  );
  return states;
}

/** A published version with a state renamed, as the next version of its workflow, in a directory of its own beside copies of the others. */
function withThrowawayVersion(dir: string): string {
  for (const file of readdirSync(workflowsDir())) copyFileSync(join(workflowsDir(), file), join(dir, file));
  const v1 = JSON.parse(readFileSync(join(dir, 'follow-up.v1.json'), 'utf8').replaceAll('"done"', '"finished"')) as { version: number };
  writeFileSync(join(dir, 'follow-up.v2.json'), JSON.stringify({ ...v1, version: 2 }, null, 2));
  const labels = JSON.parse(readFileSync(join(dir, 'follow-up.labels.json'), 'utf8')) as { states: Record<string, unknown> };
  labels.states.finished = { title: 'Finished', phrase: 'was finished' };
  writeFileSync(join(dir, 'follow-up.labels.json'), JSON.stringify(labels, null, 2));
  return 'follow-up.v2.json';
}

// The walks touch no database: the SQLite pass and the Node 24 pass run them, the PostgreSQL pass need not again.
(testDatabaseKind === 'postgres' ? describe.skip : describe)(`every workflow version in ${workflowsDir()}/, random walks against XState`, () => {
  const versions = workflowVersions();

  it('finds every version by its file name', () => {
    expect(versions.map((w) => w.file)).toEqual(versionFiles());
    expect(versions.length).toBeGreaterThanOrEqual(6);
  });

  describe.each(versions.map((w) => [w.file, w.definition] as const))('%s', (_, definition) => {
    it(`agrees with XState over ${WALK_RUNS} random walks of up to ${WALK_STEPS} steps (seed ${SEED}), in every state of the definition`, () => {
      const states = walksOf(definition, WALK_RUNS);
      expect(definedStates(definition.machine).filter((state) => !states.has(state))).toEqual([]);
    });
  });

  it('runs a version dropped into the directory, as it runs the published ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-throwaway-'));
    const published = versionFiles();
    const before = process.env.WORKFLOWS_DIR;
    try {
      const file = withThrowawayVersion(dir);
      // The enumeration reads WORKFLOWS_DIR as the service does.
      process.env.WORKFLOWS_DIR = dir;
      expect(versionFiles()).toEqual([...published, file].sort());
      const throwaway = workflowVersions().find((w) => w.file === file)!;
      expect(walksOf(throwaway.definition, 50)).toContain('finished');
    } finally {
      if (before === undefined) delete process.env.WORKFLOWS_DIR;
      else process.env.WORKFLOWS_DIR = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
