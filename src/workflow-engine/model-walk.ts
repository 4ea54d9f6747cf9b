import type { AnyMachineSnapshot, StateValue } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { canonicalJson, sha256Hex } from '../common/canonical-json.js';
import { toDotted, type WorkflowEngine } from './engine.js';
import {
  definedStates,
  definedTransitions,
  explore,
  modelOf,
  replayThroughEngine,
  traversalOf,
  trieOf,
  type Payload,
  type WorkflowModel,
} from './model-testing.js';
import { asTransitions } from './transitions.js';
import { delays } from './vocabulary.js';
import { SYSTEM_ACTOR, type Actor, type InstanceState, type StateConfig, type WorkflowContext, type WorkflowDefinition } from './workflow.types.js';

/*
 * A model of any definition, without a hand-written spec: actors for every role it names, a valid
 * sample of every event of the vocabulary's events, each timer fired when the vocabulary's delay
 * says, and the invariants every workflow of this product keeps. `npm run workflow:check` walks it,
 * and so does the model-based test of every version in workflows/ (test/model/every-version).
 */

const START = '2026-01-05T09:00:00.000Z';
/** The most states the walk visits. */
const WALK_LIMIT = 20_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** What approvers judge, as the service hands it to the events that carry it. */
const SUBJECT = {
  summary: 'A training programme and an annual lecture on organized crime',
  proposedActivities: [{ kind: 'training', title: 'Opening session' }],
};
const CONTENT_HASH = sha256Hex(canonicalJson(SUBJECT));
const LIMITS = { maxTermYears: 10 };
/** Who wrote the proposal: the first manager. */
const AUTHORS = ['manager-1'];
const judged = { subject: SUBJECT, contentHash: CONTENT_HASH, authors: AUTHORS, limits: LIMITS };

/** Values for the context a definition leaves empty but its delays read, given at creation by the services. */
const SAMPLE_INPUT: WorkflowContext = { dueOn: '2026-06-01' };

/** A valid sample of every event the product's workflows use, by type: what the services would send. */
export const SAMPLE_EVENTS: Record<string, (context: WorkflowContext) => Payload[]> = {
  SUBMIT_FOR_APPROVAL: () => [{ at: '2026-01-06T09:00:00.000Z', ...judged }],
  APPROVE: () => [{ at: '2026-01-08T09:00:00.000Z', ...judged, data: { contentHash: CONTENT_HASH } }],
  REQUEST_CHANGES: () => [{ at: '2026-01-08T10:00:00.000Z', ...judged, comment: 'Name the focal point' }],
  REJECT: () => [{ at: '2026-01-08T11:00:00.000Z', ...judged, comment: 'Outside our mandate' }],
  WITHDRAW: () => [{ at: '2026-01-09T09:00:00.000Z', comment: 'The partner withdrew' }],
  SHARE_DRAFT: () => [{ at: '2026-01-20T09:00:00.000Z', data: { document: { name: 'mou-draft.pdf', sha256: sha256Hex('MOU draft') } } }],
  AGREE_TEXT: () => [{ at: '2026-02-10T09:00:00.000Z', limits: LIMITS, data: { effectiveFrom: '2026-03-01', expiresOn: '2029-02-28' } }],
  RECORD_EXISTING: () => [
    {
      at: '2026-01-06T10:00:00.000Z',
      limits: LIMITS,
      data: {
        effectiveFrom: '2025-07-01',
        expiresOn: '2028-06-30',
        signatures: [
          { party: 'partner', signatory: 'Rector', signedOn: '2025-06-20' },
          { party: 'own', signatory: 'Executive Director', signedOn: '2025-06-24' },
        ],
      },
    },
  ],
  RECORD_SIGNATURE: () => [
    { at: '2026-02-21T15:00:00.000Z', data: { party: 'own', signatory: 'Executive Director', signedOn: '2026-02-20' } },
    { at: '2026-02-21T15:00:00.000Z', data: { party: 'partner', signatory: 'Rector', signedOn: '2026-02-21' } },
  ],
  TERMINATE: () => [{ at: '2027-06-01T09:00:00.000Z', comment: 'The programme was closed' }],
  // Fixed dates, not ones moved from the context's: a renewal or postponement repeated without end would be a new state each time.
  RENEW: () => [{ at: '2028-12-01T09:00:00.000Z', limits: LIMITS, comment: 'Renewed', data: { expiresOn: '2032-02-28' } }],
  PLAN_DELIVERY: () => [{ at: '2026-02-01T09:00:00.000Z', limits: LIMITS, data: { startsOn: '2026-03-01', endsOn: '2026-06-30' } }],
  SCHEDULE: () => [{ at: '2026-04-20T09:00:00.000Z', data: { date: '2026-05-28', venue: 'Hall B' } }],
  POSTPONE: () => [{ at: '2026-05-25T09:00:00.000Z', comment: 'The speaker fell ill', data: { date: '2026-06-17' } }],
  BRING_FORWARD: () => [{ at: '2026-05-02T09:00:00.000Z', comment: 'The hall is free earlier', data: { date: '2026-05-21' } }],
  MARK_HELD: (c) => [{ at: `${String(c.date ?? c.dueOn)}T18:00:00.000Z`, data: { report: 'Held with 30 participants', attendance: 30 } }],
  CANCEL: () => [{ at: '2026-05-02T09:00:00.000Z', comment: 'Called off' }],
  COMPLETE: () => [{ at: '2026-05-30T09:00:00.000Z', comment: 'Done' }],
  REOPEN: () => [{ at: '2026-06-02T09:00:00.000Z', comment: 'Needed after all' }],
};

/** The roles every event of a definition names, each played by one person but approvers by two (a quorum of two, one approver counting once), and `system`. */
function actorsOf(definition: WorkflowDefinition): Actor[] {
  const roles = new Set<string>();
  const walk = (node: StateConfig) => {
    for (const config of Object.values(node.on ?? {})) for (const t of asTransitions(config)) for (const role of t.meta?.roles ?? []) roles.add(role);
    for (const child of Object.values(node.states ?? {})) walk(child);
  };
  walk(definition.machine);
  roles.delete('system');
  const people = (role: string) => (role === 'approver' ? [1, 2] : [1]).map((n) => ({ id: `${role}-${n}`, roles: [role] }));
  return [...[...roles].sort().flatMap(people), SYSTEM_ACTOR];
}

/**
 * When a timer falls due, from the vocabulary's delay: a delay to a date (an expiry, a due day) does
 * not depend on when it was armed; one that runs for a while (the approval deadline) runs from the submission.
 */
function timerDueOf(definition: WorkflowDefinition): WorkflowModel['timerDue'] {
  const names = new Set<string>();
  const walk = (node: StateConfig) => {
    for (const delay of Object.keys(node.after ?? {})) names.add(delay);
    for (const child of Object.values(node.states ?? {})) walk(child);
  };
  walk(definition.machine);
  return Object.fromEntries(
    [...names].map((name) => [
      name,
      (context: WorkflowContext) => {
        const at = typeof context.submittedAt === 'string' ? context.submittedAt : START;
        return iso(Date.parse(at) + delays[name]({ context, event: { type: '', actor: SYSTEM_ACTOR, at } }));
      },
    ]),
  );
}

/** A payload made from the event's `meta.requires` alone, for an event the samples do not know: its guards may refuse it, which the walk then reports. */
function requiredOnly(requires: string[]): Payload {
  const payload: Record<string, unknown> = { at: '2026-02-01T09:00:00.000Z' };
  for (const path of requires) {
    const parts = path.split('.');
    let node = payload;
    parts.slice(0, -1).forEach((part) => (node = (node[part] ??= {}) as Record<string, unknown>));
    node[parts[parts.length - 1]] = /on$|from$/i.test(path) ? '2026-03-01' : 'sample';
  }
  return payload as Payload;
}

function payloadsOf(definition: WorkflowDefinition): WorkflowModel['payloads'] {
  const payloads: WorkflowModel['payloads'] = {};
  const walk = (node: StateConfig) => {
    for (const [type, config] of Object.entries(node.on ?? {})) {
      const requires = asTransitions(config)[0]?.meta?.requires ?? [];
      payloads[type] = Object.hasOwn(SAMPLE_EVENTS, type) ? SAMPLE_EVENTS[type] : () => [requiredOnly(requires)];
    }
    for (const child of Object.values(node.states ?? {})) walk(child);
  };
  walk(definition.machine);
  return payloads;
}

/**
 * The state key: the value and the context, each list by how many items it holds (up to two). Who
 * approved or decided earlier would multiply every later state by each history that led to it, and a
 * third draft or postponement is the same state to the graph; counting them keeps the walk small and finite.
 */
function serializeState(snapshot: AnyMachineSnapshot): string {
  return JSON.stringify({ value: toDotted(snapshot.value as StateValue), context: snapshot.context as WorkflowContext }, (_, value: unknown) =>
    Array.isArray(value) ? Math.min(value.length, 2) : value,
  );
}

/** What every workflow of the product keeps: nobody approves what they submitted, and one approver counts once. */
function invariantViolations({ context }: InstanceState): string[] {
  const approvals = Array.isArray(context.approvals) ? (context.approvals as Array<{ by: string }>) : [];
  const violations = approvals.filter((a) => a.by === context.submittedBy).map((a) => `${a.by} approved their own submission`);
  if (new Set(approvals.map((a) => a.by)).size !== approvals.length) violations.push('an approver counted twice');
  return violations;
}

/** The generic model of a definition. */
export function sampleModel(engine: WorkflowEngine, definition: WorkflowDefinition): WorkflowModel {
  const context = Object.fromEntries(Object.entries(SAMPLE_INPUT).filter(([key]) => definition.machine.context[key] === null));
  return modelOf({
    engine,
    definition,
    input: { context, at: START },
    actors: actorsOf(definition),
    payloads: payloadsOf(definition),
    timerDue: timerDueOf(definition),
    serializeState,
    invariantViolations,
  });
}

export interface ModelWalk {
  paths: number;
  steps: number;
  states: { defined: string[]; missed: string[] };
  transitions: { defined: string[]; missed: string[] };
  /** Where the engine and XState disagree, an invariant breaks or a timer outlives its state; each with the path that led there. */
  problems: string[];
}

/**
 * Walks the shortest path to every state the model can be in, then replays every step through the
 * engine beside XState: which states and transitions of the definition no path reaches, and every problem met.
 */
export function walkModel(model: WorkflowModel): ModelWalk {
  // A definition whose states multiply without end stops the walk with an error instead of the memory.
  const paths = getShortestPaths(model.machine, { ...traversalOf(model), limit: WALK_LIMIT });
  const trie = trieOf(model, paths);
  const explored = explore(model, trie);
  const replay = replayThroughEngine(model, trie);
  const states = definedStates(model.definition.machine);
  const transitions = definedTransitions(model.definition.machine);
  const problems = [...replay.problems];
  if (replay.start.value !== replay.initial.value) problems.push(`the engine starts in ${replay.start.value}, XState in ${replay.initial.value}`);
  return {
    paths: paths.length,
    steps: replay.steps,
    states: { defined: states, missed: states.filter((s) => !explored.states.has(s)) },
    transitions: { defined: transitions, missed: transitions.filter((t) => !explored.transitions.has(t)) },
    problems,
  };
}
