import { asList, asTransitions, transitionGroups } from './transitions.js';
import { guardNames, refType } from './vocabulary.js';
import type { StateConfig, WorkflowDefinition } from './workflow.types.js';

/*
 * What pages and reports need to know of a workflow's states, read from its definition through the
 * vocabulary's names (the guard that waits for a quorum, the delay that ends a term, the effect that
 * plans occurrences), so that they work for any workflow written with them, not for one's state ids.
 */

interface Visited {
  path: string;
  node: StateConfig;
  parentPath: string;
}

function visit(node: StateConfig, path = '', parentPath = ''): Visited[] {
  return [
    ...(path ? [{ path, node, parentPath }] : []),
    ...Object.entries(node.states ?? {}).flatMap(([key, child]) => visit(child, path ? `${path}.${key}` : key, path)),
  ];
}

/** The dotted path a transition's target names, as the registry resolves it: `#id.a.b`, `.child`, or a sibling. */
function resolve(from: Visited, target: string): string {
  if (target.startsWith('#')) return target.slice(1).split('.').slice(1).join('.');
  if (target.startsWith('.')) return `${from.path}${target}`;
  return from.parentPath ? `${from.parentPath}.${target}` : target;
}

/** The states, dotted, that wait for a quorum of approvals: a way out of them is guarded by `quorumReached`. */
export function approvalStates(definition: WorkflowDefinition): string[] {
  return visit(definition.machine)
    .filter(({ node }) =>
      transitionGroups(node).some(({ transitions }) =>
        transitions.some((t) => t.guard !== undefined && guardNames(t.guard).some((g) => refType(g) === 'quorumReached')),
      ),
    )
    .map(({ path }) => path);
}

/** The states a delay leads to, dotted. */
function statesAfter(definition: WorkflowDefinition, delay: string): string[] {
  return visit(definition.machine).flatMap((entry) =>
    transitionGroups(entry.node)
      .filter(({ kind, key }) => kind === 'after' && key === delay)
      .flatMap(({ transitions }) => transitions.flatMap((t) => asList(t.target).map((target) => resolve(entry, target)))),
  );
}

/** The states a `renewalWindow` delay leads to: an agreement waiting for its renewal to be decided. */
export function renewalStates(definition: WorkflowDefinition): string[] {
  return statesAfter(definition, 'renewalWindow');
}

/** The states a `termExpiry` delay leads to: an agreement whose term ran out. */
export function expiryStates(definition: WorkflowDefinition): string[] {
  return statesAfter(definition, 'termExpiry');
}

/** The states, dotted, from which an event leads into a state that waits for approvals: where a proposal is written, and sent back to be changed. */
export function submissionStates(definition: WorkflowDefinition): string[] {
  const approval = approvalStates(definition);
  return visit(definition.machine)
    .filter(
      (entry) =>
        !isWithin(approval, entry.path) &&
        Object.values(entry.node.on ?? {}).some((written) =>
          asTransitions(written).some((t) => asList(t.target).some((target) => isWithin(approval, resolve(entry, target)))),
        ),
    )
    .map(({ path }) => path);
}

/** The states, with the states inside them, in which a term runs that a `termExpiry` delay ends: an agreement in force. */
export function termStates(definition: WorkflowDefinition): string[] {
  return visit(definition.machine)
    .filter(({ node }) => Object.hasOwn(node.after ?? {}, 'termExpiry'))
    .map(({ path }) => path);
}

/** The states, with the states inside them, whose entry plans the activities' occurrences: sessions and lectures happen there. */
export function occurrenceStates(definition: WorkflowDefinition): string[] {
  return visit(definition.machine)
    .filter(({ node }) => asList(node.entry).some((ref) => refType(ref) === 'ensureActivityOccurrences'))
    .map(({ path }) => path);
}

/** A fact of a definition: the states, dotted, it names (those that wait for approvals, say). */
export type StatesOf = (definition: WorkflowDefinition) => string[];

/** Each fact of each definition, read once: a loaded definition never changes. */
const FACTS = new WeakMap<WorkflowDefinition, Map<StatesOf, string[]>>();

/** A fact of a definition, read once and then remembered, for what runs on every transition. */
export function statesWhere(definition: WorkflowDefinition, fact: StatesOf): string[] {
  let facts = FACTS.get(definition);
  if (!facts) FACTS.set(definition, (facts = new Map<StatesOf, string[]>()));
  let states = facts.get(fact);
  if (!states) facts.set(fact, (states = fact(definition)));
  return states;
}

/** Whether a dotted state value is one of `states` or inside one of them. */
export function isWithin(states: readonly string[], value: string): boolean {
  return states.some((state) => value === state || value.startsWith(`${state}.`));
}
