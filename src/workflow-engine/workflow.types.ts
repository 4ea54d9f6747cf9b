/** Shapes shared by the registry, the vocabulary and the engine. Nothing here knows of HTTP or partnerships. */

export interface Actor {
  id: string;
  roles: string[];
}

export const SYSTEM_ACTOR: Actor = { id: 'system', roles: ['system'] };

/** Who a failed sign-in is recorded as: nobody is signed in yet. */
export const ANONYMOUS_ACTOR: Actor = { id: 'anonymous', roles: [] };

/** A reference to a guard, action or delay by name, as JSON can write it. */
export type NamedRef = string | { type: string; params?: Record<string, unknown> };

export interface TransitionConfig {
  target?: string | string[];
  reenter?: boolean;
  guard?: NamedRef;
  actions?: NamedRef | NamedRef[];
  meta?: { roles?: string[]; requires?: string[] };
  description?: string;
}

export interface StateConfig {
  type?: 'atomic' | 'compound' | 'final' | 'parallel' | 'history';
  initial?: string;
  entry?: NamedRef | NamedRef[];
  exit?: NamedRef | NamedRef[];
  on?: Record<string, TransitionConfig | TransitionConfig[]>;
  after?: Record<string, string | TransitionConfig | TransitionConfig[]>;
  always?: string | TransitionConfig | TransitionConfig[];
  states?: Record<string, StateConfig>;
  /** `editable`: the instance fields people may change while in this state. */
  meta?: { editable?: string[] };
  description?: string;
}

export interface MachineConfig extends StateConfig {
  id: string;
  initial: string;
  context: Record<string, unknown>;
  states: Record<string, StateConfig>;
}

export interface WorkflowDefinition {
  id: string;
  version: number;
  title: string;
  description: string;
  machine: MachineConfig;
}

/** A delegation as an event carries it: the inclusive UTC days it runs, and when it was ended early, if it was. */
export interface DelegationTerm {
  id: string;
  startsOn: string;
  endsOn: string;
  endedAt: string | null;
}

/** Whom a delegate decides for: that person with the authority they hand over (`roles`), and every delegation they gave the sender. */
export interface Principal extends Actor {
  delegations: DelegationTerm[];
}

/** What the engine sends into a machine: the caller's event plus who sent it, when, and the content it saw. */
export interface EngineEvent {
  type: string;
  actor: Actor;
  /** ISO 8601 instant at which the event happened; delays are measured from it, so replay is deterministic. */
  at: string;
  comment?: string;
  data?: Record<string, unknown>;
  /** The content that approvers judge, as the instance holds it when the event is sent. */
  subject?: Record<string, unknown>;
  /** SHA-256 of the canonical JSON of `subject`. */
  contentHash?: string;
  /** Who wrote `subject`: the instance's creator and whoever edited it since the last submission. */
  authors?: string[];
  /**
   * The person the sender decides for (`data.onBehalfOf`), as stored when the event was sent; the
   * vocabulary judges whether a delegation lets the sender do so, and the event is then theirs.
   */
  onBehalfOf?: Principal;
  /**
   * The bounds the service set when the event was sent. They travel with the event into its audit
   * row, so a replay judges the event by the bounds it was accepted under, whatever they are now.
   */
  limits?: EventLimits;
}

export interface EventLimits {
  /** The longest a term may last, in years (MAX_TERM_YEARS); a term may also not have ended already. */
  maxTermYears?: number;
}

export type WorkflowContext = Record<string, unknown>;

/** A state as it is stored: the dotted value and the context. */
export interface InstanceState {
  value: string;
  context: WorkflowContext;
}

export interface ScheduledTimer {
  /** The XState event the timer sends, `xstate.after.<delay>.<stateId>`. */
  event: string;
  dueAt: string;
}

export interface DomainEffect {
  type: string;
  params?: Record<string, unknown>;
}

export interface TransitionResult extends InstanceState {
  from: string;
  /** False when the event was accepted but left value and context as they were. */
  changed: boolean;
  schedule: ScheduledTimer[];
  cancel: string[];
  effects: DomainEffect[];
}
