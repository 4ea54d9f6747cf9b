import {
  getMicrosteps,
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  type StateValue,
} from 'xstate';
import { DomainError } from '../common/domain-error.js';
import { toDotted, type WorkflowEngine } from './engine.js';
import { asTransitions, transitionGroups } from './transitions.js';
import { evaluateGuard } from './vocabulary.js';
import {
  SYSTEM_ACTOR,
  type Actor,
  type EngineEvent,
  type InstanceState,
  type NamedRef,
  type StateConfig,
  type TransitionResult,
  type WorkflowContext,
  type WorkflowDefinition,
} from './workflow.types.js';

/*
 * The machinery of the model-based walk of a workflow definition: xstate/graph walks the machine
 * built from the JSON with concrete events for every event the definition names, and every path it
 * finds is replayed through WorkflowEngine.send, the code path the service uses. Everything here is
 * a plain function of a WorkflowModel that returns data: the model-based tests (test/model/) and
 * `npm run workflow:check` (model-walk.ts) run it. A model spec holds the tables that describe a
 * definition (actors, payloads, timers, state key, invariants) and makes the other assertions.
 */

/** An event without who sends it and what it is: when, and the content it carries. */
export type Payload = Omit<EngineEvent, 'type' | 'actor'>;

/** What a spec knows about one definition, and what the helpers below run against. */
export interface WorkflowModel {
  engine: WorkflowEngine;
  definition: WorkflowDefinition;
  /** The machine the engine builds from the definition. */
  machine: AnyStateMachine;
  /** How every path starts, for the graph and for the engine alike. */
  input: { context?: WorkflowContext; at: string };
  /** Who may send events; each sends every event its roles allow. */
  actors: Actor[];
  /** Valid payloads for every event of the definition; a new event without one fails the model. */
  payloads: Record<string, (context: WorkflowContext) => Payload[]>;
  /** When each timer falls due, written from the SPEC rather than from the vocabulary. */
  timerDue: Record<string, (context: WorkflowContext) => string>;
  /** The state key of the graph: it must hold everything that guards and payloads read. */
  serializeState(snapshot: AnyMachineSnapshot): string;
  /** What must hold after every step; each broken rule is named. */
  invariantViolations(state: InstanceState, event: EngineEvent): string[];
}

/** A WorkflowModel whose machine is the one the engine builds for the definition. */
export function modelOf(model: Omit<WorkflowModel, 'machine'>): WorkflowModel {
  return { ...model, machine: model.engine.machineOf(model.definition) };
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Every state node of the JSON, dotted, compound and leaf alike. */
export function definedStates(node: StateConfig, path = ''): string[] {
  return Object.entries(node.states ?? {}).flatMap(([key, child]) => [join(path, key), ...definedStates(child, join(path, key))]);
}

/** Every transition written in the JSON: each `on` event, each `after` delay and each `always`, per state. */
export function definedTransitions(node: StateConfig, path = ''): string[] {
  const where = path || '(machine)';
  return [
    ...transitionGroups(node).flatMap(({ kind, key, transitions }) =>
      transitions.map((_, i) => `${where} ${kind === 'always' ? kind : `${kind}.${key}`}[${i}]`),
    ),
    ...Object.entries(node.states ?? {}).flatMap(([key, child]) => definedTransitions(child, join(path, key))),
  ];
}

/** The same names for XState's transition objects, so what a path takes can be matched with the JSON. */
export function transitionName(t: AnyTransitionDefinition): string {
  const where = t.source.path.join('.') || '(machine)';
  const always = t.source.always?.indexOf(t) ?? -1;
  if (always >= 0) return `${where} always[${always}]`;
  const index = t.source.transitions.get(t.eventType as string)?.indexOf(t) ?? -1;
  if (index < 0) throw new Error(`transition ${t.eventType} is not in ${where}`);
  const after = /^xstate\.after\.([^.]+)\./.exec(t.eventType as string);
  return after ? `${where} after.${after[1]}[${index}]` : `${where} on.${t.eventType}[${index}]`;
}

/** The eventless transition XState selects: from each atomic state outwards, the first `always` whose guard holds. */
export function eventlessTransition(snapshot: AnyMachineSnapshot, event: EngineEvent): AnyTransitionDefinition {
  const scope = { context: snapshot.context as WorkflowContext, event };
  for (const atomic of snapshot._nodes.filter((n: AnyStateNode) => n.type === 'atomic' || n.type === 'final')) {
    for (let node: AnyStateNode | undefined = atomic; node; node = node.parent) {
      const enabled = node.always?.find((t) => t.guard === undefined || evaluateGuard(t.guard as NamedRef, scope));
      if (enabled) return enabled;
    }
  }
  throw new Error(`no eventless transition is enabled in ${toDotted(snapshot.value as StateValue)}`);
}

/** The JSON transitions one event takes from a snapshot: the one it selects, then each eventless one after it. */
export function transitionsTaken(machine: AnyStateMachine, from: AnyMachineSnapshot, event: EngineEvent): string[] {
  const taken = machine.getTransitionData(from, event).map(transitionName);
  const microsteps = getMicrosteps(machine, from, event).map(([snapshot]) => snapshot);
  for (let i = 1; i < microsteps.length; i++) taken.push(transitionName(eventlessTransition(microsteps[i - 1], event)));
  return taken;
}

/** The nodes of a dotted state value, outermost first (the machine itself at path ''), each with its path. */
export function activeNodes(model: Pick<WorkflowModel, 'engine' | 'definition'>, value: string): Array<{ path: string; node: StateConfig }> {
  const parts = value.split('.');
  return model.engine.activeNodes(model.definition, value).map((node, i) => ({ path: parts.slice(0, i).join('.'), node }));
}

/** The event XState sends when the `delay` of the state at `path` runs out. */
export function timerEvent(definition: WorkflowDefinition, delay: string, path: string): string {
  return `xstate.after.${delay}.${[definition.machine.id, path].filter(Boolean).join('.')}`;
}

/** Every event the active states name, from every actor whose role may send it, with valid payloads; and their timers, from `system`. */
export function eventsFor(model: WorkflowModel, snapshot: AnyMachineSnapshot): EngineEvent[] {
  const context = snapshot.context as WorkflowContext;
  return activeNodes(model, toDotted(snapshot.value as StateValue)).flatMap(({ path, node }) => [
    ...Object.entries(node.on ?? {}).flatMap(([type, config]) => {
      const roles = asTransitions(config)[0]?.meta?.roles ?? [];
      const variants = model.payloads[type];
      if (!variants) throw new Error(`the model has no payload for ${type}`);
      return model.actors
        .filter((actor) => actor.roles.some((role) => roles.includes(role)))
        .flatMap((actor) => variants(context).map((payload) => ({ type, actor, ...payload })));
    }),
    ...Object.keys(node.after ?? {}).map((delay) => ({
      type: timerEvent(model.definition, delay, path),
      actor: SYSTEM_ACTOR,
      at: model.timerDue[delay](context),
    })),
  ]);
}

/** The options xstate/graph walks the model with; a spec may add its own (stopWhen, fromState, filterEvents). */
export function traversalOf(model: WorkflowModel) {
  return {
    input: model.input,
    events: (snapshot: AnyMachineSnapshot) => eventsFor(model, snapshot),
    serializeState: (snapshot: AnyMachineSnapshot) => model.serializeState(snapshot),
  };
}

/** The part of an xstate/graph path the trie reads. */
export interface GraphPath {
  steps: Array<{ event: { type: string }; state: AnyMachineSnapshot }>;
}

/** Paths share long prefixes; a trie of their events lets each distinct prefix run once. */
export interface Step {
  event: EngineEvent;
  /** The state key the graph reached with this prefix. */
  key: string;
  children: Map<string, Step>;
}

export function trieOf(model: WorkflowModel, paths: GraphPath[]): Map<string, Step> {
  const root = new Map<string, Step>();
  for (const path of paths) {
    let level = root;
    for (const { event, state } of path.steps.slice(1)) {
      const id = JSON.stringify(event);
      const key = model.serializeState(state);
      let step = level.get(id);
      if (!step) {
        step = { event: event as EngineEvent, key, children: new Map() };
        level.set(id, step);
      }
      if (step.key !== key) throw new Error(`the same events reach ${step.key} and ${key}`);
      level = step.children;
    }
  }
  return root;
}

const initialSnapshotOf = (model: WorkflowModel) => initialTransition(model.machine, model.input)[0];

/** What XState does along every prefix: the states it is in and the JSON transitions it takes. */
export function explore(model: WorkflowModel, trie: Map<string, Step>): { states: Set<string>; transitions: Set<string>; steps: number } {
  const states = new Set<string>();
  const transitions = new Set<string>();
  let steps = 0;
  const visit = (snapshot: AnyMachineSnapshot, level: Map<string, Step>) => {
    const parts = toDotted(snapshot.value as StateValue).split('.');
    parts.forEach((_, i) => states.add(parts.slice(0, i + 1).join('.')));
    for (const step of level.values()) {
      steps++;
      for (const name of transitionsTaken(model.machine, snapshot, step.event)) transitions.add(name);
      visit(transition(model.machine, snapshot, step.event)[0], step.children);
    }
  };
  visit(initialSnapshotOf(model), trie);
  return { states, transitions, steps };
}

/** Pending timers as the service keeps them: cancelled ones removed first, then new ones added. */
export function applyTimers(pending: Map<string, string>, result: TransitionResult): Map<string, string> {
  const next = new Map(pending);
  for (const event of result.cancel) next.delete(event);
  for (const timer of result.schedule) next.set(timer.event, timer.dueAt);
  return next;
}

/** A timer that outlives every state that declares it would fire into the wrong state. */
export function leakedTimers(model: WorkflowModel, pending: Map<string, string>, value: string): string[] {
  const declared = new Set(
    activeNodes(model, value).flatMap(({ path, node }) => Object.keys(node.after ?? {}).map((d) => timerEvent(model.definition, d, path))),
  );
  return [...pending.keys()].filter((event) => !declared.has(event)).map((event) => `timer ${event} still pending in ${value}`);
}

export interface Replay {
  /** What the engine starts with, and what XState starts with: the two must agree. */
  start: InstanceState;
  initial: InstanceState;
  /** Steps run through the engine. */
  steps: number;
  /** Every problem met, each with the path that led to it. */
  problems: string[];
}

/** Replays every prefix through WorkflowEngine.send beside XState's own transition. */
export function replayThroughEngine(model: WorkflowModel, trie: Map<string, Step>): Replay {
  const { engine, definition, machine } = model;
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
      const nextKey = model.serializeState(nextSnapshot);
      if (nextKey !== step.key) found.push(`XState reached ${nextKey}, the graph ${step.key}`);
      if (next.value !== toDotted(nextSnapshot.value as StateValue))
        found.push(`the engine reached ${next.value}, XState ${toDotted(nextSnapshot.value as StateValue)}`);
      if (JSON.stringify(next.context) !== JSON.stringify(nextSnapshot.context)) found.push('the engine and XState disagree on the context');
      const nextTimers = applyTimers(timers, next);
      found.push(...model.invariantViolations(next, step.event), ...leakedTimers(model, nextTimers, next.value));
      problems.push(...found.map((problem) => `${here}: ${problem}`));
      if (found.length === 0) visit(next, nextSnapshot, nextTimers, step.children, here);
    }
  };
  const start = engine.start(definition, model.input);
  const initialSnapshot = initialSnapshotOf(model);
  visit(start, initialSnapshot, applyTimers(new Map(), start), trie, '(start)');
  return {
    start: { value: start.value, context: start.context },
    initial: { value: toDotted(initialSnapshot.value as StateValue), context: initialSnapshot.context as WorkflowContext },
    steps,
    problems,
  };
}

/** One step of a hand-written scenario: the event type, who sends it, and what differs from the model's payload. */
export type StepSpec = [type: string, actor: Actor, overrides?: Partial<EngineEvent>, variant?: number];

/** Hand-written scenarios of a model: events with its valid payloads, runs from its start, refusals by its engine. */
export function scenarioOf(model: WorkflowModel) {
  const { engine, definition } = model;
  /** Builds the event a step names, with the model's valid payload unless overridden; timers fire when due. */
  const eventFor = (state: InstanceState, type: string, actor: Actor, overrides: Partial<EngineEvent> = {}, variant = 0): EngineEvent => {
    const delay = /^xstate\.after\.([^.]+)\./.exec(type)?.[1];
    const payload = delay ? { at: model.timerDue[delay](state.context) } : model.payloads[type](state.context)[variant];
    return { type, actor, ...payload, ...overrides };
  };
  /** Runs steps from the start through the engine; returns the result of every step, the start first. */
  const play = (...steps: StepSpec[]): TransitionResult[] => {
    const results = [engine.start(definition, model.input)];
    for (const [type, actor, overrides, variant] of steps) {
      const { value, context } = results[results.length - 1];
      results.push(engine.send(definition, { value, context }, eventFor({ value, context }, type, actor, overrides, variant)));
    }
    return results;
  };
  /** The engine's refusal of an event in a state. */
  const refusalOf = (state: InstanceState, event: EngineEvent): DomainError =>
    refusal(() => engine.send(definition, { value: state.value, context: state.context }, event));
  return { eventFor, play, refusalOf };
}

export const last = (results: TransitionResult[]): TransitionResult => results[results.length - 1];

/** The DomainError a call throws; anything else it throws is rethrown, and a call that succeeds is an error. */
export function refusal(send: () => unknown): DomainError {
  try {
    send();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('the engine accepted the event');
}

/** Every event type a definition names, in any state. */
function eventTypesOf(node: StateConfig): string[] {
  return [...new Set([...Object.keys(node.on ?? {}), ...Object.values(node.states ?? {}).flatMap(eventTypesOf)])].sort();
}

/** A copy of a payload without the field at a dotted path (`comment`, `data.document.sha256`). */
function without(payload: EngineEvent, path: string): EngineEvent {
  const copy = structuredClone(payload) as unknown as Record<string, unknown>;
  const parts = path.split('.');
  let node: Record<string, unknown> | undefined = copy;
  for (const part of parts.slice(0, -1)) node = node?.[part] as Record<string, unknown> | undefined;
  if (node) delete node[parts[parts.length - 1]];
  return copy as unknown as EngineEvent;
}

/** One step a random walk may take: an event, and what the engine must answer (what XState does, or a refusal with this code). */
interface WalkStep {
  event: EngineEvent;
  refusedWith?: 'EVENT_NOT_ALLOWED' | 'FORBIDDEN' | 'GUARD_FAILED';
}

/**
 * The steps from a state: every valid event and every pending timer, and hostile ones (an event this
 * state does not take, a sender without the role, a required field left out).
 */
function walkSteps(model: WorkflowModel, snapshot: AnyMachineSnapshot, pending: Map<string, string>): { valid: WalkStep[]; hostile: WalkStep[] } {
  const value = toDotted(snapshot.value as StateValue);
  const nodes = activeNodes(model, value);
  const taken = new Set(nodes.flatMap(({ node }) => Object.keys(node.on ?? {})));
  const valid: WalkStep[] = [
    ...eventsFor(model, snapshot)
      .filter((event) => !event.type.startsWith('xstate.after.'))
      .map((event) => ({ event })),
    ...[...pending].map(([type, at]) => ({ event: { type, actor: SYSTEM_ACTOR, at } })),
  ];
  const context = snapshot.context as WorkflowContext;
  const sample = (type: string): EngineEvent => ({ type, actor: model.actors[0], ...(model.payloads[type]?.(context)[0] ?? { at: model.input.at }) });
  const hostile: WalkStep[] = eventTypesOf(model.definition.machine)
    .filter((type) => !taken.has(type))
    .map((type) => ({ event: sample(type), refusedWith: 'EVENT_NOT_ALLOWED' as const }));
  for (const { node } of nodes) {
    for (const [type, config] of Object.entries(node.on ?? {})) {
      const [first] = asTransitions(config);
      const roles = first?.meta?.roles ?? [];
      const outsider = model.actors.find((actor) => actor.id !== SYSTEM_ACTOR.id && !actor.roles.some((role) => roles.includes(role)));
      if (outsider) hostile.push({ event: { ...sample(type), actor: outsider }, refusedWith: 'FORBIDDEN' });
      const insider = model.actors.find((actor) => actor.roles.some((role) => roles.includes(role)));
      for (const path of first?.meta?.requires ?? []) {
        if (insider) hostile.push({ event: without({ ...sample(type), actor: insider }, path), refusedWith: 'GUARD_FAILED' });
      }
    }
  }
  return { valid, hostile };
}

export interface RandomWalk {
  /** Every state the walk was in, dotted, with the states around it. */
  states: Set<string>;
  steps: number;
  /** The first problem met, with the steps that led to it; none when the engine agreed with XState at every step. */
  problem?: string;
}

/**
 * A walk chosen by `picks`, each of which picks the next step among those possible: half the time a
 * valid event or a pending timer that leads on to a state this walk has not been in and that does
 * not end it (so that walks reach the far states, not only the ways out near the start), else any
 * valid one, and one in four a hostile one. Every step is sent through WorkflowEngine.send
 * beside XState's own transition: the engine takes exactly what XState takes, reaches the same state
 * and context, refuses each hostile step with its code and changes nothing, keeps the invariants,
 * and leaves no timer pending beyond the states that declare it. It stops at the first problem or
 * in a final state.
 */
export function randomWalk(model: WorkflowModel, picks: number[]): RandomWalk {
  const { engine, definition, machine } = model;
  let result = engine.start(definition, model.input);
  let snapshot = initialSnapshotOf(model);
  let pending = applyTimers(new Map(), result);
  const states = new Set<string>();
  const visited = (value: string) => value.split('.').forEach((_, i, parts) => states.add(parts.slice(0, i + 1).join('.')));
  visited(result.value);
  let trail = '(start)';
  let steps = 0;
  for (const pick of picks) {
    const { valid, hostile } = walkSteps(model, snapshot, pending);
    if (valid.length === 0) break;
    const leadsOn = ({ event }: WalkStep) => {
      const value = toDotted(transition(machine, snapshot, event)[0].value as StateValue);
      return !states.has(value) && !engine.isFinal(definition, value);
    };
    const onward = pick % 4 < 2 ? valid.filter(leadsOn) : [];
    const options = pick % 4 === 3 && hostile.length > 0 ? hostile : onward.length > 0 ? onward : valid;
    const { event, refusedWith } = options[Math.floor(pick / 4) % options.length];
    trail += ` → ${event.type} by ${event.actor.id}${refusedWith ? ` (to be refused: ${refusedWith})` : ''}`;
    steps++;
    const takes = !refusedWith && machine.getTransitionData(snapshot, event).length > 0;
    let next: TransitionResult;
    try {
      next = engine.send(definition, { value: result.value, context: result.context }, event);
    } catch (error) {
      if (!(error instanceof DomainError)) return { states, steps, problem: `${trail}: the engine threw ${(error as Error).stack}` };
      if (refusedWith && error.code !== refusedWith) return { states, steps, problem: `${trail}: refused with ${error.code} (${error.message})` };
      if (takes) return { states, steps, problem: `${trail}: XState takes it, the engine refused: ${error.message}` };
      if (!refusedWith && (error.code === 'EVENT_NOT_ALLOWED' || error.code === 'FORBIDDEN')) {
        return { states, steps, problem: `${trail}: a valid event refused as ${error.code}` };
      }
      continue;
    }
    if (!takes) return { states, steps, problem: `${trail}: the engine took it, ${refusedWith ? `not ${refusedWith}` : 'XState does not'}` };
    if (event.type.startsWith('xstate.after.')) pending.delete(event.type);
    const [nextSnapshot] = transition(machine, snapshot, event);
    const found: string[] = [];
    if (next.value !== toDotted(nextSnapshot.value as StateValue))
      found.push(`the engine reached ${next.value}, XState ${toDotted(nextSnapshot.value as StateValue)}`);
    if (JSON.stringify(next.context) !== JSON.stringify(nextSnapshot.context)) found.push('the engine and XState disagree on the context');
    pending = applyTimers(pending, next);
    found.push(...model.invariantViolations(next, event), ...leakedTimers(model, pending, next.value));
    if (found.length > 0) return { states, steps, problem: `${trail}: ${found.join('; ')}` };
    result = next;
    snapshot = nextSnapshot;
    visited(result.value);
  }
  return { states, steps };
}
