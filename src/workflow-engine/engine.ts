import { assign, createActor, setup, type AnyStateMachine, type StateValue } from 'xstate';
import { DomainError } from '../common/domain-error.js';
import { asList, asTransitions } from './transitions.js';
import {
  actorGuardsAllow,
  delays,
  effects,
  evaluateGuard,
  guardRefusals,
  guards,
  isPresent,
  readPath,
  standingRefusal,
  updates,
  type GuardRefusal,
  type Scope,
} from './vocabulary.js';
import type {
  Actor,
  DomainEffect,
  EngineEvent,
  InstanceState,
  NamedRef,
  ScheduledTimer,
  StateConfig,
  TransitionConfig,
  TransitionResult,
  WorkflowContext,
  WorkflowDefinition,
} from './workflow.types.js';

const AFTER_PREFIX = 'xstate.after.';

/** What actor guards read that the service knows: who wrote the judged content, its hash, whom the actor decides for, and when. */
export type EventFacts = Partial<Pick<EngineEvent, 'authors' | 'contentHash' | 'onBehalfOf' | 'at'>>;

/** Whose authority an event is sent with: the sender's, or, when they decide for someone, the one that person hands over. */
function authorityOf(event: Pick<EngineEvent, 'actor' | 'onBehalfOf'>): Actor {
  return event.onBehalfOf ?? event.actor;
}

function refusalError(type: string, refused: GuardRefusal): DomainError {
  return new DomainError(refused.code, `${type} refused by rule ${refused.rule}: ${refused.reason}`, { rule: refused.rule, reason: refused.reason });
}

/** One thing wrong with what an event sent: a rule that refuses it, or the required fields it lacks. */
type Problem = GuardRefusal & { missing?: string[] };

/**
 * A refusal naming every problem at once (`details.problems`), so a person corrects them in one go;
 * `rule`, `reason` and `missing` are the first problem's, as a refusal of one problem always said.
 */
function refusalOfProblems(type: string, problems: Problem[]): DomainError {
  const [first] = problems;
  const message =
    problems.length > 1
      ? `${type} refused: ${problems.map((p) => (p.missing ? p.reason : `${p.rule}: ${p.reason}`)).join('; ')}`
      : first.missing
        ? first.reason
        : `${type} refused by rule ${first.rule}: ${first.reason}`;
  return new DomainError(first.code, message, {
    rule: first.rule,
    ...(first.missing ? { missing: first.missing } : { reason: first.reason }),
    ...(problems.length > 1 ? { problems: problems.map((p) => (p.missing ? { rule: p.rule, missing: p.missing } : { rule: p.rule, reason: p.reason })) } : {}),
  });
}

interface InitEvent {
  type: 'xstate.init';
  input?: { at?: string };
}

/** Delays and guards see the event that caused the step; the machine's first step sees `xstate.init`. */
function scopeOf(context: WorkflowContext, event: EngineEvent | InitEvent): Scope {
  if (event.type === 'xstate.init') {
    const at = (event as InitEvent).input?.at ?? new Date(0).toISOString();
    return { context, event: { type: 'xstate.init', actor: { id: 'system', roles: ['system'] }, at } };
  }
  return { context, event: event as EngineEvent };
}

export function toDotted(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value)[0] ?? [];
  if (key === undefined) return '';
  return child === undefined ? key : `${key}.${toDotted(child)}`;
}

export function fromDotted(value: string): StateValue {
  const parts = value.split('.');
  return parts.reduceRight<StateValue>((inner, key) => ({ [key]: inner }), parts.pop() as string);
}

/** Only keys the definition wrote: an event or delay named `constructor` or `toString` is not inherited from Object. */
function ownEntry<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Builds the XState machine of a definition, with every name bound to the vocabulary. */
export function buildMachine(definition: WorkflowDefinition): AnyStateMachine {
  const guardImpls = Object.fromEntries(
    Object.entries(guards).map(([name, fn]) => [
      name,
      ({ context, event }: { context: WorkflowContext; event: EngineEvent }, params: Record<string, unknown> | undefined) =>
        fn(scopeOf(context, event), params),
    ]),
  );
  const actionImpls: Record<string, unknown> = Object.fromEntries(
    Object.entries(updates).map(([name, fn]) => [
      name,
      assign(({ context, event }: { context: WorkflowContext; event: EngineEvent }, params: Record<string, unknown> | undefined) =>
        fn(scopeOf(context, event), params),
      ),
    ]),
  );
  // Effects are never run by XState: pure transition() hands them back and a service carries them out.
  for (const name of effects) actionImpls[name] = () => undefined;
  const delayImpls = Object.fromEntries(
    Object.entries(delays).map(([name, fn]) => [name, ({ context, event }: { context: WorkflowContext; event: EngineEvent }) => fn(scopeOf(context, event))]),
  );
  const staticContext = definition.machine.context;
  const config = {
    ...definition.machine,
    context: ({ input }: { input?: { context?: WorkflowContext } }) => ({ ...staticContext, ...(input?.context ?? {}) }),
  };
  // The vocabulary is typed loosely on purpose: definitions are data, checked by the registry.
  // tsc needs this cast (setup's bounds reject the loose types); the lint rule misreads those bounds.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  return setup({ guards: guardImpls, actions: actionImpls, delays: delayImpls } as never).createMachine(config as never) as unknown as AnyStateMachine;
}

/** What the engine reads of XState's snapshot: its value and context, typed as the definitions make them. */
interface Snapshot {
  value: StateValue;
  context: WorkflowContext;
}
/** The scope XState's pure `transition` takes, as AnyStateMachine's signature names it. */
type MachineScope = Parameters<AnyStateMachine['transition']>[2];
type Collected = Array<{ type: string; params?: unknown }>;

/**
 * XState's pure `transition` and `initialTransition`, without the actor those build on every call
 * only to get an actor scope: constructing it computes the machine's initial snapshot (its context
 * and entry actions), as much work again as the transition itself. One scope per machine serves
 * every call instead. That is safe here because nothing outlives a call in it: the machines built
 * from definitions invoke and spawn no actors, the scope's executor only collects the actions
 * (effects and timers are carried out by the services, never by XState), and a call runs to its end
 * synchronously, so two calls never share the collector.
 */
class InertMachine {
  private collected: Collected = [];
  private readonly scope: MachineScope;

  constructor(readonly machine: AnyStateMachine) {
    const self = createActor(machine);
    const ignore = () => undefined;
    this.scope = {
      self,
      id: '',
      sessionId: '',
      system: self.system,
      logger: ignore,
      defer: ignore,
      emit: ignore,
      stopChild: ignore,
      actionExecutor: (action) => void this.collected.push(action),
    };
  }

  initialTransition(input: unknown): [Snapshot, Collected] {
    return this.collect(() => this.machine.getInitialSnapshot(this.scope, input));
  }

  transition(state: { value: StateValue; context: WorkflowContext }, event: EngineEvent): [Snapshot, Collected] {
    return this.collect(() => this.machine.transition(this.machine.resolveState(state), event, this.scope));
  }

  private collect(step: () => Snapshot): [Snapshot, Collected] {
    const actions: Collected = (this.collected = []);
    try {
      return [step(), actions];
    } finally {
      this.collected = [];
    }
  }
}

interface Candidate {
  transition: TransitionConfig;
  /** True for `after` transitions, which only the timer poller (actor `system`) may fire. */
  timer: boolean;
}

/**
 * Runs definitions with XState's pure `transition` / `initialTransition`. It checks the rules a
 * caller must meet (event allowed here, role, required fields, guards) so a refusal can say which
 * one, then lets XState compute the next state, and returns the timers and effects to carry out.
 */
export class WorkflowEngine {
  private readonly machines = new WeakMap<WorkflowDefinition, InertMachine>();

  machineOf(definition: WorkflowDefinition): AnyStateMachine {
    return this.inert(definition).machine;
  }

  private inert(definition: WorkflowDefinition): InertMachine {
    let inert = this.machines.get(definition);
    if (!inert) {
      inert = new InertMachine(buildMachine(definition));
      this.machines.set(definition, inert);
    }
    return inert;
  }

  start(definition: WorkflowDefinition, input: { context?: WorkflowContext; at: string }): TransitionResult {
    const [snapshot, actions] = this.inert(definition).initialTransition(input);
    return this.result('', undefined, snapshot.value, snapshot.context, actions, input.at);
  }

  send(definition: WorkflowDefinition, state: InstanceState, event: EngineEvent): TransitionResult {
    const candidates = this.candidates(definition, state.value, event.type);
    if (candidates.length === 0) {
      throw new DomainError('EVENT_NOT_ALLOWED', `${event.type} is not allowed in state ${state.value}`, {
        state: state.value,
        allowedEvents: this.availableEvents(definition, state, event.actor),
      });
    }
    const [first] = candidates;
    const scope: Scope = { context: state.context, event };
    // Whether the sender may act for whom they name comes before what that person's roles allow.
    const standing = standingRefusal(scope);
    if (standing) throw refusalError(event.type, standing);
    this.checkRoles(first, event);
    const missing = asList(first.transition.meta?.requires).filter((path) => !isPresent(readPath({ context: {}, event }, `event.${path}`)));
    const allowed = candidates.some(({ transition: t }) => t.guard === undefined || evaluateGuard(t.guard, scope));
    if (missing.length > 0 || !allowed) {
      const refused = allowed ? [] : guardRefusals(first.transition.guard as NamedRef, scope);
      // Who may send it is settled first, as before; what was sent is then refused for every problem at once.
      const authority = refused.find((refusal) => refusal.code !== 'GUARD_FAILED');
      if (missing.length === 0 && authority) throw refusalError(event.type, authority);
      const problems: Problem[] = [
        ...(missing.length > 0 ? [{ rule: 'requires', code: 'GUARD_FAILED' as const, reason: `${event.type} needs ${missing.join(', ')}`, missing }] : []),
        // A rule over a field that is missing says nothing the missing field does not.
        ...refused
          .filter(
            (refusal) =>
              refusal.code === 'GUARD_FAILED' && !refusal.reads.some((path) => missing.some((m) => path === `event.${m}` || path.startsWith(`event.${m}.`))),
          )
          .map(({ rule, code, reason }) => ({ rule, code, reason })),
      ];
      if (problems.length === 0) problems.push({ rule: 'guard', code: 'GUARD_FAILED', reason: 'no transition of this event allows it now' });
      throw refusalOfProblems(event.type, problems);
    }
    const [next, actions] = this.inert(definition).transition({ value: fromDotted(state.value), context: state.context }, event);
    return this.result(state.value, state.context, next.value, next.context, actions, event.at);
  }

  /**
   * The events this actor may send now (for `facts.onBehalfOf`, when named; on the day of `facts.at`, when given); guards that depend on the payload are
   * left to the send.
   */
  availableEvents(definition: WorkflowDefinition, state: InstanceState, actor: Actor, facts: EventFacts = {}): string[] {
    const probe: Scope = { context: state.context, event: { type: '', actor, at: new Date(0).toISOString(), ...facts } };
    const roles = authorityOf(probe.event).roles;
    const events = new Set<string>();
    for (const node of this.activeNodes(definition, state.value).reverse()) {
      for (const [type, config] of Object.entries(node.on ?? {})) {
        const [first] = asTransitions(config);
        if (!first?.meta?.roles?.some((role) => roles.includes(role))) continue;
        const scope = { ...probe, event: { ...probe.event, type } };
        if (!standingRefusal(scope) && actorGuardsAllow(first.guard, scope, facts.at !== undefined)) events.add(type);
      }
    }
    return [...events].sort();
  }

  /** The instance fields that may be edited in this state, from the states' `meta.editable`. */
  editableFields(definition: WorkflowDefinition, value: string): string[] {
    return this.activeNodes(definition, value).flatMap((node) => node.meta?.editable ?? []);
  }

  isFinal(definition: WorkflowDefinition, value: string): boolean {
    return this.activeNodes(definition, value).at(-1)?.type === 'final';
  }

  /** The nodes of a dotted state value, outermost first (the machine itself included). */
  activeNodes(definition: WorkflowDefinition, value: string): StateConfig[] {
    const nodes: StateConfig[] = [definition.machine];
    let node: StateConfig = definition.machine;
    for (const key of value.split('.')) {
      const child = node.states?.[key];
      if (!child) throw new DomainError('CONFLICT', `state ${value} is not in ${definition.id} v${definition.version}`);
      nodes.push(child);
      node = child;
    }
    return nodes;
  }

  private candidates(definition: WorkflowDefinition, value: string, type: string): Candidate[] {
    const nodes = this.activeNodes(definition, value);
    if (type.startsWith(AFTER_PREFIX)) {
      // xstate.after.<delay>.<machine id>.<path of the state>
      const [delay, machineId, ...path] = type.slice(AFTER_PREFIX.length).split('.');
      if (machineId !== definition.machine.id) return [];
      const node = nodes[path.length];
      if (!node || path.join('.') !== value.split('.').slice(0, path.length).join('.')) return [];
      return asTransitions(ownEntry(node.after, delay)).map((t) => ({ transition: t, timer: true }));
    }
    for (const node of [...nodes].reverse()) {
      const found = asTransitions(ownEntry(node.on, type));
      if (found.length > 0) return found.map((t) => ({ transition: t, timer: false }));
    }
    return [];
  }

  private checkRoles({ transition: t, timer }: Candidate, event: EngineEvent): void {
    const allowed = timer ? ['system'] : (t.meta?.roles ?? []);
    if (!allowed.some((role) => authorityOf(event).roles.includes(role))) {
      throw new DomainError('FORBIDDEN', `${event.type} needs one of the roles ${allowed.join(', ')}`, { requiredRoles: allowed });
    }
  }

  private result(
    from: string,
    previous: WorkflowContext | undefined,
    value: StateValue,
    context: WorkflowContext,
    actions: ReadonlyArray<{ type: string; params?: unknown }>,
    at: string,
  ): TransitionResult {
    const schedule: ScheduledTimer[] = [];
    const cancel: string[] = [];
    const domainEffects: DomainEffect[] = [];
    for (const action of actions) {
      const params = (action.params ?? {}) as Record<string, unknown>;
      if (action.type === 'xstate.raise' && typeof params.delay === 'number') {
        const eventType = (params.event as { type: string }).type;
        schedule.push({ event: eventType, dueAt: new Date(Date.parse(at) + params.delay).toISOString() });
      } else if (action.type === 'xstate.cancel') {
        const id = String(params.sendId);
        const pending = schedule.findIndex((s) => s.event === id);
        if (pending >= 0) schedule.splice(pending, 1);
        else cancel.push(id);
      } else if (effects.has(action.type)) {
        domainEffects.push({ type: action.type, params });
      }
    }
    const dotted = toDotted(value);
    return {
      from,
      value: dotted,
      context,
      changed: dotted !== from || JSON.stringify(context) !== JSON.stringify(previous),
      schedule,
      cancel,
      effects: domainEffects,
    };
  }
}
