import { getMicrosteps, initialTransition, transition, type AnyMachineSnapshot, type AnyStateNode, type AnyTransitionDefinition } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { DAY_MS } from '../common/clock.js';
import { dateOf, startOfDate } from '../common/dates.js';
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
 * Model-based tests of recurring-activity v1: xstate/graph walks the machine built from the JSON,
 * with concrete events for every event the definition names, and every path it finds is replayed
 * through WorkflowEngine.send, the code path the service uses.
 */

const definition = WorkflowRegistry.loadDirectory('workflows').get('recurring-activity', 1).definition;
const engine = new WorkflowEngine();
const machine = engine.machineOf(definition);
const MACHINE_ID = definition.machine.id;

const START = '2026-01-05T09:00:00.000Z';
const DUE_ON = '2026-06-01';
const INPUT = { context: { dueOn: DUE_ON }, at: START };

const m1: Actor = { id: 'm1', roles: ['manager'] };
const a1: Actor = { id: 'a1', roles: ['approver'] };
/** `system` cancels the future occurrences of a terminated MOU. */
const ACTORS = [m1, a1, SYSTEM_ACTOR];

type Payload = Omit<EngineEvent, 'type' | 'actor'>;
interface Postponement {
  from: string;
  to: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** When each timer falls due, written from the SPEC rather than from the vocabulary: graceDays after the due or scheduled date, whichever is later. */
const timerDue: Record<string, (context: WorkflowContext) => string> = {
  graceExpired: (c) => {
    const date = typeof c.date === 'string' && c.date > String(c.dueOn) ? c.date : String(c.dueOn);
    return iso(startOfDate(date) + (Number(c.graceDays) + 1) * DAY_MS);
  },
};

/** Valid payloads for every event of the definition; a new event without one fails the model. */
const payloads: Record<string, (context: WorkflowContext) => Payload[]> = {
  SCHEDULE: () => [
    { at: '2026-04-20T09:00:00.000Z', data: { date: '2026-05-28', venue: 'Faculty of Law, Hall B' } },
    // later than the due date, so the grace period runs from this date instead
    { at: '2026-04-20T09:00:00.000Z', data: { date: '2026-06-10' } },
  ],
  POSTPONE: () => [
    { at: '2026-05-25T09:00:00.000Z', comment: 'The speaker fell ill', data: { date: '2026-06-17' } },
    { at: '2026-05-25T09:00:00.000Z', comment: 'The hall is being renovated', data: { date: '2026-06-24' } },
  ],
  MARK_HELD: (c) => [{ at: `${String(c.date)}T18:00:00.000Z`, data: { report: 'Held with 120 students', attendance: 120 } }],
  CANCEL: () => [{ at: '2026-05-02T09:00:00.000Z', comment: 'The MOU was terminated' }],
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
 * The state key of the graph: the value and the date, the only field that guards (a postponement
 * is later, held not before the date), the grace timer and the model's payloads read. Events of a
 * path are built from the first state the graph met with that key, so the key must hold all of it.
 */
function serializeState(snapshot: AnyMachineSnapshot): string {
  return JSON.stringify({ value: toDotted(snapshot.value), date: (snapshot.context as WorkflowContext).date });
}

const traversal = { input: INPUT, events: eventsFor, serializeState };
const shortestPaths = getShortestPaths(machine, traversal);
const simplePaths = getSimplePaths(machine, traversal);
const allPaths = [...shortestPaths, ...simplePaths];
type ModelPath = (typeof allPaths)[number];

/** Paths share long prefixes; a trie of their events lets each distinct prefix run once. */
interface Step {
  event: EngineEvent;
  /** The state key the graph reached with this prefix. */
  key: string;
  children: Map<string, Step>;
}

function trieOf(paths: ModelPath[]): Map<string, Step> {
  const root = new Map<string, Step>();
  for (const path of paths) {
    let level = root;
    for (const { event, state } of path.steps.slice(1)) {
      const id = JSON.stringify(event);
      let step = level.get(id);
      if (!step) {
        step = { event: event as EngineEvent, key: serializeState(state), children: new Map() };
        level.set(id, step);
      }
      if (step.key !== serializeState(state)) throw new Error(`the same events reach ${step.key} and ${serializeState(state)}`);
      level = step.children;
    }
  }
  return root;
}

const trie = trieOf(allPaths);
const [initialSnapshot] = initialTransition(machine, INPUT);

/** What XState does along every prefix: the states it is in and the JSON transitions it takes. */
function explore(): { states: Set<string>; transitions: Set<string>; steps: number } {
  const states = new Set<string>();
  const transitions = new Set<string>();
  let steps = 0;
  const visit = (snapshot: AnyMachineSnapshot, level: Map<string, Step>) => {
    const parts = toDotted(snapshot.value).split('.');
    parts.forEach((_, i) => states.add(parts.slice(0, i + 1).join('.')));
    for (const step of level.values()) {
      steps++;
      for (const name of transitionsTaken(snapshot, step.event)) transitions.add(name);
      visit(transition(machine, snapshot, step.event)[0], step.children);
    }
  };
  visit(initialSnapshot, trie);
  return { states, transitions, steps };
}

const explored = explore();

/** What must hold after every step; each broken rule is named. */
function invariantViolations({ value, context }: InstanceState, event: EngineEvent): string[] {
  const violations: string[] = [];
  const postponements = (context.postponements ?? []) as Postponement[];
  postponements.forEach((p, i) => {
    if (!(p.to > p.from)) violations.push(`postponement ${i + 1} does not move the date later`);
    if (i > 0 && p.from !== postponements[i - 1].to) violations.push(`postponement ${i + 1} does not start from the date it moves`);
  });
  if (postponements.length > 0 && context.date !== postponements[postponements.length - 1].to) violations.push('the date is not the last postponement');
  if (value === 'held') {
    if (!context.report || !context.heldRecordedBy) violations.push('held without a report or who recorded it');
    if (!(typeof context.date === 'string' && context.date <= dateOf(event.at))) violations.push('held before its date');
  }
  if (value === 'missed' && !(event.actor.id === SYSTEM_ACTOR.id && event.at >= timerDue.graceExpired(context))) {
    violations.push('missed before the grace period ended');
  }
  if (value === 'cancelled' && !(context.cancellation as { comment?: string } | null)?.comment) violations.push('cancelled without a comment');
  return violations;
}

/** Pending timers as the service keeps them: cancelled ones removed first, then new ones added. */
function applyTimers(pending: Map<string, string>, result: TransitionResult): Map<string, string> {
  const next = new Map(pending);
  for (const event of result.cancel) next.delete(event);
  for (const timer of result.schedule) next.set(timer.event, timer.dueAt);
  return next;
}

/** A timer that outlives every state that declares it would fire into the wrong state. */
function leakedTimers(pending: Map<string, string>, value: string): string[] {
  const declared = new Set(activeNodes(value).flatMap(({ path, node }) => Object.keys(node.after ?? {}).map((d) => timerEvent(d, path))));
  return [...pending.keys()].filter((event) => !declared.has(event)).map((event) => `timer ${event} still pending in ${value}`);
}

/**
 * Replays every prefix through WorkflowEngine.send beside XState's own transition; returns the
 * steps run and every problem met, each with the path that led to it.
 */
function replayThroughEngine(): { steps: number; problems: string[] } {
  let steps = 0;
  const problems: string[] = [];
  const visit = (result: TransitionResult, snapshot: AnyMachineSnapshot, pending: Map<string, string>, level: Map<string, Step>, trail: string) => {
    for (const step of level.values()) {
      const here = `${trail} → ${step.event.type} by ${step.event.actor.id}`;
      steps++;
      const found: string[] = [];
      const timers = new Map(pending);
      if (step.event.type.startsWith('xstate.after.')) {
        // a timer fires only while it is pending, at the instant it was scheduled for
        if (timers.get(step.event.type) !== step.event.at) found.push(`timer due ${timers.get(step.event.type)}, fired at ${step.event.at}`);
        timers.delete(step.event.type);
      }
      let next: TransitionResult;
      try {
        next = engine.send(definition, { value: result.value, context: result.context }, step.event);
      } catch (error) {
        problems.push(`${here}: the engine refused: ${(error as Error).message}`);
        continue;
      }
      const [nextSnapshot] = transition(machine, snapshot, step.event);
      if (serializeState(nextSnapshot) !== step.key) found.push(`XState reached ${serializeState(nextSnapshot)}, the graph ${step.key}`);
      if (next.value !== toDotted(nextSnapshot.value)) found.push(`the engine reached ${next.value}, XState ${toDotted(nextSnapshot.value)}`);
      if (JSON.stringify(next.context) !== JSON.stringify(nextSnapshot.context)) found.push('the engine and XState disagree on the context');
      const nextTimers = applyTimers(timers, next);
      found.push(...invariantViolations(next, step.event), ...leakedTimers(nextTimers, next.value));
      problems.push(...found.map((problem) => `${here}: ${problem}`));
      if (found.length === 0) visit(next, nextSnapshot, nextTimers, step.children, here);
    }
  };
  const start = engine.start(definition, INPUT);
  expect(start.value).toBe(toDotted(initialSnapshot.value));
  expect(start.context).toEqual(initialSnapshot.context);
  visit(start, initialSnapshot, applyTimers(new Map(), start), trie, '(start)');
  return { steps, problems };
}

describe('recurring-activity v1, model-based', () => {
  it('finds paths to every state node of the definition', () => {
    const states = definedStates(definition.machine);
    expect(states).toEqual(expect.arrayContaining(['planned', 'scheduled', 'held', 'cancelled', 'missed']));
    expect(states.filter((s) => !explored.states.has(s))).toEqual([]);
    expect([...explored.states].filter((s) => !states.includes(s))).toEqual([]);
  });

  it('takes every transition of the definition (each on and after) in some path', () => {
    const defined = definedTransitions(definition.machine);
    expect(defined).toEqual(expect.arrayContaining(['planned after.graceExpired[0]', 'scheduled after.graceExpired[0]', 'scheduled on.POSTPONE[0]']));
    expect(defined.filter((t) => !explored.transitions.has(t))).toEqual([]);
    expect([...explored.transitions].filter((t) => !defined.includes(t))).toEqual([]);
  });

  it('replays every step of every path through the engine: same states, timers fired as scheduled, invariants kept', () => {
    expect(simplePaths.length).toBeGreaterThan(shortestPaths.length);
    const { steps, problems } = replayThroughEngine();
    expect(problems.slice(0, 10)).toEqual([]);
    expect(steps).toBe(explored.steps);
  });
});

/** Builds the event a step names, with the model's valid payload unless overridden; timers fire when due. */
function eventFor(state: InstanceState, type: string, actor: Actor, overrides: Partial<EngineEvent> = {}, variant = 0): EngineEvent {
  const delay = /^xstate\.after\.([^.]+)\./.exec(type)?.[1];
  const payload = delay ? { at: timerDue[delay](state.context) } : payloads[type](state.context)[variant];
  return { type, actor, ...payload, ...overrides };
}

type StepSpec = [type: string, actor: Actor, overrides?: Partial<EngineEvent>, variant?: number];

/** Runs steps from the start through the engine; returns the result of every step, the start first. */
function play(...steps: StepSpec[]): TransitionResult[] {
  const results = [engine.start(definition, INPUT)];
  for (const [type, actor, overrides, variant] of steps) {
    const { value, context } = results[results.length - 1];
    results.push(engine.send(definition, { value, context }, eventFor({ value, context }, type, actor, overrides, variant)));
  }
  return results;
}

const last = (results: TransitionResult[]) => results[results.length - 1];

function refusalOf(state: InstanceState, event: EngineEvent): DomainError {
  try {
    engine.send(definition, { value: state.value, context: state.context }, event);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the engine accepted the event');
}

const PLANNED_GRACE = timerEvent('graceExpired', 'planned');
const SCHEDULED_GRACE = timerEvent('graceExpired', 'scheduled');
const ON_TIME: StepSpec = ['SCHEDULE', m1, {}, 0];
const LATE: StepSpec = ['SCHEDULE', m1, {}, 1];

describe('recurring-activity v1, refusals', () => {
  const planned = engine.start(definition, INPUT);
  const scheduled = last(play(LATE));

  it('refuses to mark an occurrence held before its date', () => {
    expect(refusalOf(scheduled, eventFor(scheduled, 'MARK_HELD', m1, { at: '2026-06-09T23:59:59.000Z' }))).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'notInFuture' },
    });
    expect(last(play(LATE, ['MARK_HELD', m1, { at: '2026-06-10T00:00:00.000Z' }])).value).toBe('held');
  });

  it('refuses a postponement that does not move the date later, or to a date that does not exist', () => {
    for (const date of ['2026-06-10', '2026-06-01', '2026-06-31']) {
      expect(refusalOf(scheduled, eventFor(scheduled, 'POSTPONE', m1, { data: { date } }))).toMatchObject({
        code: 'GUARD_FAILED',
        details: { rule: 'datesOrdered' },
      });
    }
  });

  it('refuses events without their required fields, naming them', () => {
    expect(refusalOf(planned, eventFor(planned, 'CANCEL', m1, { comment: undefined }))).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'requires', missing: ['comment'] },
    });
    expect(refusalOf(planned, eventFor(planned, 'SCHEDULE', m1, { data: { venue: 'Hall B' } }))).toMatchObject({
      details: { rule: 'requires', missing: ['data.date'] },
    });
    expect(refusalOf(scheduled, eventFor(scheduled, 'MARK_HELD', m1, { data: { attendance: 3 } }))).toMatchObject({
      details: { rule: 'requires', missing: ['data.report'] },
    });
  });

  it('refuses an event from a role that may not send it, and a timer from anyone but system', () => {
    expect(refusalOf(planned, eventFor(planned, 'SCHEDULE', a1))).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['manager'] } });
    expect(refusalOf(planned, eventFor(planned, 'SCHEDULE', SYSTEM_ACTOR))).toMatchObject({ code: 'FORBIDDEN' });
    expect(refusalOf(planned, eventFor(planned, PLANNED_GRACE, m1))).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['system'] } });
  });

  it('refuses an event the state does not know, listing what this actor may send', () => {
    expect(refusalOf(planned, eventFor(scheduled, 'MARK_HELD', m1))).toMatchObject({
      code: 'EVENT_NOT_ALLOWED',
      details: { state: 'planned', allowedEvents: ['CANCEL', 'SCHEDULE'] },
    });
    expect(refusalOf(planned, eventFor(scheduled, SCHEDULED_GRACE, SYSTEM_ACTOR))).toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
    const held = last(play(LATE, ['MARK_HELD', m1]));
    expect(refusalOf(held, eventFor(held, 'CANCEL', m1))).toMatchObject({ code: 'EVENT_NOT_ALLOWED', details: { allowedEvents: [] } });
  });
});

describe('recurring-activity v1, timers', () => {
  it('starts with the grace timer at the start of the day graceDays + 1 after the due date', () => {
    expect(engine.start(definition, INPUT).schedule).toEqual([{ event: PLANNED_GRACE, dueAt: '2026-07-02T00:00:00.000Z' }]);
    expect(engine.start(definition, { context: { dueOn: DUE_ON, graceDays: 10 }, at: START }).schedule).toEqual([
      { event: PLANNED_GRACE, dueAt: '2026-06-12T00:00:00.000Z' },
    ]);
  });

  it('on scheduling moves the timer to the scheduled state, running from the due date or the later scheduled date', () => {
    const onTime = last(play(ON_TIME));
    expect(onTime).toMatchObject({ value: 'scheduled', cancel: [PLANNED_GRACE], schedule: [{ event: SCHEDULED_GRACE, dueAt: '2026-07-02T00:00:00.000Z' }] });
    const late = last(play(LATE));
    expect(late).toMatchObject({ cancel: [PLANNED_GRACE], schedule: [{ event: SCHEDULED_GRACE, dueAt: '2026-07-11T00:00:00.000Z' }] });
  });

  it('on postponement replaces the timer with a later one and records the move', () => {
    const postponed = last(play(LATE, ['POSTPONE', m1]));
    expect(postponed).toMatchObject({ value: 'scheduled', cancel: [SCHEDULED_GRACE], schedule: [{ event: SCHEDULED_GRACE, dueAt: '2026-07-18T00:00:00.000Z' }] });
    expect(postponed.context).toMatchObject({
      date: '2026-06-17',
      venue: null,
      postponements: [{ from: '2026-06-10', to: '2026-06-17', by: 'm1', at: '2026-05-25T09:00:00.000Z', comment: 'The speaker fell ill' }],
    });
    const again = last(play(ON_TIME, ['POSTPONE', m1], ['POSTPONE', m1, {}, 1]));
    expect(again.schedule).toEqual([{ event: SCHEDULED_GRACE, dueAt: '2026-07-25T00:00:00.000Z' }]);
    // the venue given when scheduling stays unless a postponement names a new one
    expect(again.context).toMatchObject({ date: '2026-06-24', venue: 'Faculty of Law, Hall B' });
    expect((again.context.postponements as Postponement[]).map((p) => [p.from, p.to])).toEqual([
      ['2026-05-28', '2026-06-17'],
      ['2026-06-17', '2026-06-24'],
    ]);
  });

  it('cancels the timer when held or cancelled, and misses the occurrence when it fires', () => {
    expect(last(play(LATE, ['MARK_HELD', m1]))).toMatchObject({ value: 'held', cancel: [SCHEDULED_GRACE], schedule: [] });
    expect(last(play(['CANCEL', SYSTEM_ACTOR]))).toMatchObject({ value: 'cancelled', cancel: [PLANNED_GRACE], schedule: [] });
    const missed = last(play(LATE, [SCHEDULED_GRACE, SYSTEM_ACTOR]));
    expect(missed).toMatchObject({ value: 'missed', schedule: [], effects: [] });
  });
});
