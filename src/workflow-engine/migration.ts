import type { WorkflowEngine } from './engine.js';
import type { InstanceState, StateConfig, WorkflowContext, WorkflowDefinition } from './workflow.types.js';

/** What a WORKFLOW_MIGRATED audit row records, so that a replay takes the same step. */
export interface MigrationRecord {
  workflowId: string;
  fromVersion: number;
  toVersion: number;
  fromHash: string;
  toHash: string;
  /** The state renamings the migration was asked for (`{"old": "new"}`, dotted paths or their prefixes). */
  mapping: Record<string, string>;
}

/** An instance's fate under a migration: the state it would be in, or why it cannot move. */
export type MigrationFate = { ok: true; toState: string; state: InstanceState } | { ok: false; toState: string | null; reason: string };

/** The state `value` is renamed to: the mapping's entry for the longest dotted prefix of it (`in_force` renames `in_force.active`), else the same name. */
export function mappedState(value: string, mapping: Record<string, string>): string {
  const parts = value.split('.');
  for (let n = parts.length; n > 0; n--) {
    const prefix = parts.slice(0, n).join('.');
    if (Object.hasOwn(mapping, prefix)) return [mapping[prefix], ...parts.slice(n)].join('.');
  }
  return value;
}

/** The context under the new version: what the instance holds, with the new version's defaults for what it adds. */
export function migratedContext(to: WorkflowDefinition, context: WorkflowContext): WorkflowContext {
  return { ...to.machine.context, ...context };
}

/**
 * Where an instance in `state` on `from` lands on `to` under `mapping`, or why it cannot move: the
 * state has no counterpart (a leaf state of the new version), or the instance has ended (an ended
 * instance stays on the version it ended on). Pure: the migration and the replay of a migrated
 * instance both take this step.
 */
export function migrationFate(
  engine: WorkflowEngine,
  from: WorkflowDefinition,
  to: WorkflowDefinition,
  state: InstanceState,
  mapping: Record<string, string>,
): MigrationFate {
  if (engine.isFinal(from, state.value)) {
    return { ok: false, toState: null, reason: `it has ended (${state.value}): an ended instance stays on the version it ended on` };
  }
  const toState = mappedState(state.value, mapping);
  const node = leafOf(to, toState);
  if (node === 'missing') return { ok: false, toState, reason: `${to.id} v${to.version} has no state ${toState}: name its counterpart in mapping` };
  if (node === 'compound')
    return { ok: false, toState, reason: `${toState} contains other states in ${to.id} v${to.version}: map ${state.value} to one of them` };
  return { ok: true, toState, state: { value: toState, context: migratedContext(to, state.context) } };
}

/** Whether `path` is a leaf state of the definition. */
function leafOf(definition: WorkflowDefinition, path: string): 'leaf' | 'compound' | 'missing' {
  let node: StateConfig | undefined = definition.machine.states[path.split('.')[0]];
  for (const key of path.split('.').slice(1)) node = node?.states?.[key];
  if (!node) return 'missing';
  return node.states && Object.keys(node.states).length > 0 ? 'compound' : 'leaf';
}

/** Every state path of a definition, compound ones included. */
export function statePathsOf(definition: WorkflowDefinition): string[] {
  const walk = (states: WorkflowDefinition['machine']['states'], prefix: string): string[] =>
    Object.entries(states).flatMap(([key, child]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      return [path, ...walk(child.states ?? {}, path)];
    });
  return walk(definition.machine.states, '');
}
