import { getMicrosteps, type AnyMachineSnapshot, type AnyStateNode, type AnyTransitionDefinition } from 'xstate';
import { getShortestPaths, getSimplePaths, joinPaths } from 'xstate/graph';
import { canonicalJson, sha256Hex } from '../common/canonical-json.js';
import { DAY_MS } from '../common/clock.js';
import { startOfDate } from '../common/dates.js';
import { DomainError } from '../common/domain-error.js';
import { toDotted, WorkflowEngine } from './engine.js';
import { evaluateGuard } from './vocabulary.js';
import { WorkflowRegistry } from './workflow-registry.js';
import {
  SYSTEM_ACTOR,
  type Actor,
  type EngineEvent,
  type InstanceState,
  type NamedRef,
  type StateConfig,
  type TransitionConfig,
  type TransitionResult,
  type WorkflowContext,
} from './workflow.types.js';

/*
 * Model-based tests of partnership-mou v1: xstate/graph walks the machine built from the JSON, with
 * concrete events for every event the definition names, and every path it finds is replayed
 * through WorkflowEngine.send, the code path the service uses.
 */

const definition = WorkflowRegistry.loadDirectory('workflows').get('partnership-mou', 1).definition;
const engine = new WorkflowEngine();
const machine = engine.machineOf(definition);
const MACHINE_ID = definition.machine.id;

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
const AGREED = { effectiveFrom: '2026-03-01', expiresOn: '2029-02-28' };

type Payload = Omit<EngineEvent, 'type' | 'actor'>;

const iso = (ms: number) => new Date(ms).toISOString();
const plusYears = (date: string, years: number) => `${Number(date.slice(0, 4)) + years}${date.slice(4)}`;
const approvalsOf = (context: WorkflowContext) => (context.approvals ?? []) as Array<{ by: string }>;
const signaturesOf = (context: WorkflowContext) => (context.signatures ?? {}) as Record<string, unknown>;
const listLength = (value: unknown) => (Array.isArray(value) ? value.length : 0);

/** When each timer falls due, written from the SPEC rather than from the vocabulary. */
const timerDue: Record<string, (context: WorkflowContext) => string> = {
  approvalSla: (c) => iso(Date.parse(String(c.submittedAt)) + Number(c.approvalSlaDays) * DAY_MS),
  renewalWindow: (c) => iso(startOfDate(String(c.expiresOn)) - Number(c.renewalLeadDays) * DAY_MS),
  termExpiry: (c) => iso(startOfDate(String(c.expiresOn)) + DAY_MS),
};

/** Valid payloads for every event of the definition; a new event without one fails the model. */
const payloads: Record<string, (context: WorkflowContext) => Payload[]> = {
  SUBMIT_FOR_APPROVAL: () => [{ at: '2026-01-06T09:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH }],
  APPROVE: () => [
    { at: '2026-01-08T09:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH, data: { contentHash: CONTENT_HASH } },
  ],
  REQUEST_CHANGES: () => [
    { at: '2026-01-08T10:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH, comment: 'Name the focal point at the university' },
  ],
  REJECT: () => [{ at: '2026-01-08T11:00:00.000Z', subject: SUBJECT, contentHash: CONTENT_HASH, comment: 'Outside our mandate' }],
  WITHDRAW: () => [{ at: '2026-01-09T09:00:00.000Z', comment: 'The university withdrew' }],
  SHARE_DRAFT: (c) => {
    const version = listLength(c.drafts) + 1;
    return [{ at: '2026-01-20T09:00:00.000Z', data: { document: { name: `mou-draft-v${version}.pdf`, sha256: sha256Hex(`draft ${version}`) } } }];
  },
  AGREE_TEXT: () => [{ at: '2026-02-10T09:00:00.000Z', data: AGREED }],
  RECORD_SIGNATURE: () => [
    { at: '2026-02-21T15:00:00.000Z', data: { party: 'own', signatory: 'Executive Director', signedOn: '2026-02-20' } },
    // signed the day the signature is recorded: the latest day that is not in the future
    { at: '2026-02-21T15:00:00.000Z', data: { party: 'partner', signatory: 'Rector', signedOn: '2026-02-21' } },
  ],
  TERMINATE: () => [{ at: '2027-06-01T09:00:00.000Z', comment: 'The programme was closed' }],
  RENEW: (c) => [
    { at: iso(Date.parse(timerDue.renewalWindow(c)) + DAY_MS), comment: 'Renewed for three years', data: { expiresOn: plusYears(String(c.expiresOn), 3) } },
  ],
};

function asTransitions(value: string | TransitionConfig | TransitionConfig[] | undefined): TransitionConfig[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [{ target: value }];
  return Array.isArray(value) ? value : [value];
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Every state node of the JSON, dotted, compound and leaf alike. */
function definedStates(node: StateConfig, path = ''): string[] {
  return Object.entries(node.states ?? {}).flatMap(([key, child]) => [join(path, key), ...definedStates(child, join(path, key))]);
}

/** Every transition written in the JSON: each `on` event, each `after` delay and each `always`, per state. */
function definedTransitions(node: StateConfig, path = ''): string[] {
  const where = path || '(machine)';
  return [
    ...Object.entries(node.on ?? {}).flatMap(([event, t]) => asTransitions(t).map((_, i) => `${where} on.${event}[${i}]`)),
    ...Object.entries(node.after ?? {}).flatMap(([delay, t]) => asTransitions(t).map((_, i) => `${where} after.${delay}[${i}]`)),
    ...asTransitions(node.always).map((_, i) => `${where} always[${i}]`),
    ...Object.entries(node.states ?? {}).flatMap(([key, child]) => definedTransitions(child, join(path, key))),
  ];
}

/** The same names for XState's transition objects, so what a path takes can be matched with the JSON. */
function transitionName(t: AnyTransitionDefinition): string {
  const where = t.source.path.join('.') || '(machine)';
  const always = t.source.always?.indexOf(t) ?? -1;
  if (always >= 0) return `${where} always[${always}]`;
  const index = t.source.transitions.get(t.eventType)?.indexOf(t) ?? -1;
  if (index < 0) throw new Error(`transition ${t.eventType} is not in ${where}`);
  const after = /^xstate\.after\.([^.]+)\./.exec(t.eventType);
  return after ? `${where} after.${after[1]}[${index}]` : `${where} on.${t.eventType}[${index}]`;
}

/** The eventless transition XState selects: from each atomic state outwards, the first `always` whose guard holds. */
function eventlessTransition(snapshot: AnyMachineSnapshot, event: EngineEvent): AnyTransitionDefinition {
  const scope = { context: snapshot.context as WorkflowContext, event };
  for (const atomic of snapshot._nodes.filter((n: AnyStateNode) => n.type === 'atomic' || n.type === 'final')) {
    for (let node: AnyStateNode | undefined = atomic; node; node = node.parent) {
      const enabled = node.always?.find((t) => t.guard === undefined || evaluateGuard(t.guard as NamedRef, scope));
      if (enabled) return enabled;
    }
  }
  throw new Error(`no eventless transition is enabled in ${toDotted(snapshot.value)}`);
}

function transitionsTaken(from: AnyMachineSnapshot, event: EngineEvent): string[] {
  const taken = machine.getTransitionData(from, event).map(transitionName);
  const microsteps = getMicrosteps(machine, from, event).map(([snapshot]) => snapshot);
  for (let i = 1; i < microsteps.length; i++) taken.push(transitionName(eventlessTransition(microsteps[i - 1], event)));
  return taken;
}

function activeNodes(value: string): Array<{ path: string; node: StateConfig }> {
  const parts = value.split('.');
  return engine.activeNodes(definition, value).map((node, i) => ({ path: parts.slice(0, i).join('.'), node }));
}

const timerEvent = (delay: string, path: string) => `xstate.after.${delay}.${[MACHINE_ID, path].filter(Boolean).join('.')}`;

/** Every event the active states name, from every actor whose role may send it, with valid payloads; and their timers, from `system`. */
function eventsFor(snapshot: AnyMachineSnapshot): EngineEvent[] {
  const context = snapshot.context as WorkflowContext;
  return activeNodes(toDotted(snapshot.value)).flatMap(({ path, node }) => [
    ...Object.entries(node.on ?? {}).flatMap(([type, config]) => {
      const roles = asTransitions(config)[0]?.meta?.roles ?? [];
      const variants = payloads[type];
      if (!variants) throw new Error(`the model has no payload for ${type}`);
      return ACTORS.filter((actor) => actor.roles.some((role) => roles.includes(role))).flatMap((actor) =>
        variants(context).map((payload) => ({ type, actor, ...payload })),
      );
    }),
    ...Object.keys(node.after ?? {}).map((delay) => ({ type: timerEvent(delay, path), actor: SYSTEM_ACTOR, at: timerDue[delay](context) })),
  ]);
}

/**
 * The state key of the graph: the value plus the bounded part of the context that guards read
 * (who submitted, who approved, overdue, who signed), and capped counts of drafts and terms so
 * that sharing a new draft and renewing show up as steps.
 */
function serializeState(snapshot: AnyMachineSnapshot): string {
  const context = snapshot.context as WorkflowContext;
  const signatures = signaturesOf(context);
  return JSON.stringify({
    value: toDotted(snapshot.value),
    submittedBy: context.submittedBy,
    approvers: approvalsOf(context).map((a) => a.by).sort(),
    overdue: context.overdue,
    signed: ['own', 'partner'].filter((party) => signatures[party]),
    drafts: Math.min(listLength(context.drafts), 2),
    terms: Math.min(listLength(context.terms), 2),
  });
}

const traversal = { input: INPUT, events: eventsFor, serializeState };
const shortestPaths = getShortestPaths(machine, traversal);
function coarse(snapshot: AnyMachineSnapshot): string {
  const context = snapshot.context as WorkflowContext;
  const signatures = signaturesOf(context);
  return JSON.stringify({
    value: toDotted(snapshot.value),
    approvals: approvalsOf(context).length,
    overdue: context.overdue,
    signed: ['own', 'partner'].filter((party) => signatures[party]),
    drafts: Math.min(listLength(context.drafts), 2),
    terms: Math.min(listLength(context.terms), 2),
  });
}
const t0 = Date.now();
const approvalPhase = new Set(['proposal', 'senior_management_review']);
const p1 = getSimplePaths(machine, { ...traversal, stopWhen: (s) => !approvalPhase.has(toDotted(s.value)) });
console.log('p1', p1.length, Date.now() - t0, coarse.name);
const head = shortestPaths.find((p) => toDotted(p.state.value) === 'mou_drafting')!;
const p2 = getSimplePaths(machine, { ...traversal, fromState: head.state });
console.log('p2', p2.length, Date.now() - t0);
import('xstate/graph').then(()=>{});
const simplePaths = [...p1, ...p2.map((p) => joinPaths(head, p))];
console.log('simple', simplePaths.length, Date.now() - t0);
import('xstate/graph').then(g=>{const adj=g.getAdjacencyMap(machine, traversal as never); console.log('vertices', Object.keys(adj).length, 'edges', Object.values(adj).reduce((n,v)=>n+Object.keys(v.transitions).length,0));});
const allPaths = [...shortestPaths, ...simplePaths];

const describePath = (path: (typeof allPaths)[number]) =>
  path.steps
    .slice(1)
    .map(({ event }) => `${event.type}${(event as EngineEvent).actor ? ` by ${(event as EngineEvent).actor.id}` : ''}`)
    .join(' → ') || '(start)';

function checkInvariants({ value, context }: InstanceState): void {
  const approvals = approvalsOf(context);
  for (const approval of approvals) expect(approval.by).not.toBe(context.submittedBy);
  if (value.startsWith('in_force')) {
    const approvers = new Set(approvals.map((a) => a.by));
    expect(approvers.size).toBe(approvals.length);
    expect(approvers.size).toBeGreaterThanOrEqual(Number(context.requiredApprovals));
    expect(approvers.has(String(context.submittedBy))).toBe(false);
    const signatures = signaturesOf(context);
    expect(signatures.own).toBeTruthy();
    expect(signatures.partner).toBeTruthy();
  }
}

/** Pending timers, as the service keeps them: cancelled ones removed first, then the new ones added. */
function applyTimers(pending: Map<string, string>, result: TransitionResult): void {
  for (const event of result.cancel) pending.delete(event);
  for (const timer of result.schedule) pending.set(timer.event, timer.dueAt);
  const active = new Set(activeNodes(result.value).flatMap(({ path, node }) => Object.keys(node.after ?? {}).map((d) => timerEvent(d, path))));
  for (const event of pending.keys()) expect(active.has(event)).toBe(true);
}

function replay(path: (typeof allPaths)[number]): void {
  const [first, ...steps] = path.steps;
  let result = engine.start(definition, INPUT);
  expect(result.value).toBe(toDotted(first.state.value));
  expect(result.context).toEqual(first.state.context);
  const pending = new Map<string, string>();
  applyTimers(pending, result);
  for (const { event, state } of steps) {
    const engineEvent = event as EngineEvent;
    if (engineEvent.type.startsWith('xstate.after.')) {
      // a timer fires only if it is pending, at the instant it was scheduled for
      expect(pending.get(engineEvent.type)).toBe(engineEvent.at);
      pending.delete(engineEvent.type);
    }
    result = engine.send(definition, { value: result.value, context: result.context }, engineEvent);
    expect(result.value).toBe(toDotted(state.value));
    expect(result.context).toEqual(state.context);
    applyTimers(pending, result);
    checkInvariants(result);
  }
}

describe('partnership-mou v1, model-based', () => {
  it('finds paths to every state node of the definition', () => {
    const reached = new Set(
      allPaths.flatMap((path) =>
        path.steps.flatMap(({ state }) => {
          const parts = toDotted(state.value).split('.');
          return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
        }),
      ),
    );
    const states = definedStates(definition.machine);
    expect(states).toEqual(expect.arrayContaining(['in_force', 'in_force.active', 'in_force.renewal_due', 'expired']));
    expect(states.filter((s) => !reached.has(s))).toEqual([]);
    expect([...reached].filter((s) => !states.includes(s))).toEqual([]);
  });

  it('takes every transition of the definition in some path', () => {
    const taken = new Set(
      allPaths.flatMap((path) => path.steps.slice(1).flatMap(({ event }, i) => transitionsTaken(path.steps[i].state, event as EngineEvent))),
    );
    const defined = definedTransitions(definition.machine);
    expect(defined).toEqual(
      expect.arrayContaining([
        'senior_management_review always[0]',
        'senior_management_review after.approvalSla[0]',
        'mou_negotiation on.SHARE_DRAFT[0]',
        'in_force.renewal_due on.RENEW[0]',
      ]),
    );
    expect(defined.filter((t) => !taken.has(t))).toEqual([]);
    expect([...taken].filter((t) => !defined.includes(t))).toEqual([]);
  });

  it('replays every path through the engine with the same states, valid timers and the invariants on every step', () => {
    expect(shortestPaths.length).toBeGreaterThan(0);
    expect(simplePaths.length).toBeGreaterThan(shortestPaths.length);
    for (const path of allPaths) {
      try {
        replay(path);
      } catch (error) {
        (error as Error).message = `path ${describePath(path)}\n${(error as Error).message}`;
        throw error;
      }
    }
  });

  it('reaches in_force only after a quorum of distinct approvers who are not the submitter, and both signatures', () => {
    const inForce = allPaths.filter((path) => toDotted(path.state.value).startsWith('in_force'));
    expect(inForce.length).toBeGreaterThan(0);
    for (const path of inForce) {
      const context = path.state.context as WorkflowContext;
      expect(approvalsOf(context).map((a) => a.by).sort()).not.toContain(context.submittedBy);
      expect(new Set(approvalsOf(context).map((a) => a.by)).size).toBeGreaterThanOrEqual(2);
    }
    // m2 is an approver and, in some paths, the submitter: those paths reach in_force through a1 and a2 only
    const byM2 = inForce.filter((path) => (path.state.context as WorkflowContext).submittedBy === 'm2');
    expect(byM2.length).toBeGreaterThan(0);
    for (const path of byM2) expect(approvalsOf(path.state.context as WorkflowContext).map((a) => a.by).sort()).toEqual(['a1', 'a2']);
  });
});

console.log(shortestPaths.length, simplePaths.length, allPaths.reduce((n, p) => n + p.steps.length, 0));
