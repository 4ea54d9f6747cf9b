import type { StateConfig, TransitionConfig } from './workflow.types.js';

/** A value a definition may write as one item or as a list of them, as a list. */
export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** How a definition may write what an event, delay or `always` does: a target's name, one transition, or a list of them. */
export type WrittenTransitions = string | TransitionConfig | TransitionConfig[] | undefined;

export function asTransitions(value: WrittenTransitions): TransitionConfig[] {
  return typeof value === 'string' ? [{ target: value }] : asList(value);
}

/** The transitions a state node writes under one event (`on`), one delay (`after`) or `always` (key ''). */
export interface TransitionGroup {
  kind: 'on' | 'after' | 'always';
  key: string;
  transitions: TransitionConfig[];
}

/** A node's own transitions: each `on` event, then each `after` delay, then `always`, in the order written. */
export function transitionGroups(node: StateConfig): TransitionGroup[] {
  return [
    ...Object.entries(node.on ?? {}).map(([key, t]): TransitionGroup => ({ kind: 'on', key, transitions: asTransitions(t) })),
    ...Object.entries(node.after ?? {}).map(([key, t]): TransitionGroup => ({ kind: 'after', key, transitions: asTransitions(t) })),
    ...(node.always ? [{ kind: 'always' as const, key: '', transitions: asTransitions(node.always) }] : []),
  ];
}
