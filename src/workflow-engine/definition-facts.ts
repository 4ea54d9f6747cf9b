import { asList, transitionGroups } from './transitions.js';
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

/** The states a `renewalWindow` delay leads to: an agreement waiting for its renewal to be decided. */
export function renewalStates(definition: WorkflowDefinition): string[] {
  return visit(definition.machine).flatMap((entry) =>
    transitionGroups(entry.node)
      .filter(({ kind, key }) => kind === 'after' && key === 'renewalWindow')
      .flatMap(({ transitions }) => transitions.flatMap((t) => asList(t.target).map((target) => resolve(entry, target)))),
  );
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

/** Whether a dotted state value is one of `states` or inside one of them. */
export function isWithin(states: readonly string[], value: string): boolean {
  return states.some((state) => value === state || value.startsWith(`${state}.`));
}
