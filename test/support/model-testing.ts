import {
  definedStates,
  definedTransitions,
  explore,
  replayThroughEngine,
  trieOf,
  type GraphPath,
  type WorkflowModel,
} from '../../src/workflow-engine/model-testing.js';

export * from '../../src/workflow-engine/model-testing.js';

/**
 * The tests every definition's model spec has: the paths reach every state node and every
 * transition (each on, after and always) of the definition and none it does not have, and the
 * engine, run over every step of every path, agrees with XState. `expected` names some of the
 * states and transitions, so that a definition read wrongly (none found) cannot pass.
 */
export function modelTests(model: WorkflowModel, paths: GraphPath[], expected: { states: string[]; transitions: string[] }): void {
  const trie = trieOf(model, paths);
  const explored = explore(model, trie);
  const exactly = (defined: string[], reached: Set<string>) => {
    expect(defined.filter((name) => !reached.has(name))).toEqual([]);
    expect([...reached].filter((name) => !defined.includes(name))).toEqual([]);
  };

  it('finds paths to every state node of the definition, leaf and compound', () => {
    const states = definedStates(model.definition.machine);
    expect(states).toEqual(expect.arrayContaining(expected.states));
    exactly(states, explored.states);
  });

  it('takes every transition of the definition in some path', () => {
    const transitions = definedTransitions(model.definition.machine);
    expect(transitions).toEqual(expect.arrayContaining(expected.transitions));
    exactly(transitions, explored.transitions);
  });

  it('replays every step of every path through the engine: same states, timers fired as scheduled, invariants kept', () => {
    const { start, initial, steps, problems } = replayThroughEngine(model, trie);
    expect(start.value).toBe(initial.value);
    expect(start.context).toEqual(initial.context);
    expect(problems.slice(0, 10)).toEqual([]);
    expect(steps).toBe(explored.steps);
  });
}
