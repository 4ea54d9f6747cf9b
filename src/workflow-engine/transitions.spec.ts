import { asList, asTransitions, transitionGroups } from './transitions.js';

describe('transitions as a definition writes them', () => {
  it('reads one item or a list as a list', () => {
    expect(asList(undefined)).toEqual([]);
    expect(asList('a')).toEqual(['a']);
    expect(asList(['a', 'b'])).toEqual(['a', 'b']);
  });

  it('reads a target name, one transition or a list of them as a list of transitions', () => {
    expect(asTransitions(undefined)).toEqual([]);
    expect(asTransitions('done')).toEqual([{ target: 'done' }]);
    expect(asTransitions({ target: 'done', guard: 'quorumReached' })).toEqual([{ target: 'done', guard: 'quorumReached' }]);
    expect(asTransitions([{ target: 'a' }, { target: 'b' }])).toEqual([{ target: 'a' }, { target: 'b' }]);
  });

  it("groups a node's own transitions: events, then delays, then always", () => {
    const node = {
      always: [{ target: 'x', guard: 'bothPartiesSigned' }],
      after: { approvalSla: { actions: 'markOverdue' } },
      on: { SUBMIT: { target: 'submitted' }, APPROVE: [{ target: 'approved' }, { actions: 'recordApproval' }] },
      states: { inner: { on: { NESTED: { target: 'inner' } } } },
    };
    expect(transitionGroups(node)).toEqual([
      { kind: 'on', key: 'SUBMIT', transitions: [{ target: 'submitted' }] },
      { kind: 'on', key: 'APPROVE', transitions: [{ target: 'approved' }, { actions: 'recordApproval' }] },
      { kind: 'after', key: 'approvalSla', transitions: [{ actions: 'markOverdue' }] },
      { kind: 'always', key: '', transitions: [{ target: 'x', guard: 'bothPartiesSigned' }] },
    ]);
    expect(transitionGroups({})).toEqual([]);
  });
});
