import type { AnyMachineSnapshot } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { startOfDate } from '../../src/common/dates.js';
import { toDotted, WorkflowEngine } from '../../src/workflow-engine/engine.js';
import { WorkflowRegistry } from '../../src/workflow-engine/workflow-registry.js';
import { SYSTEM_ACTOR, type Actor, type EngineEvent, type InstanceState, type WorkflowContext } from '../../src/workflow-engine/workflow.types.js';
import { last, modelOf, modelTests, scenarioOf, timerEvent, traversalOf, type WorkflowModel } from '../support/model-testing.js';

/*
 * Model-based tests of follow-up v1: xstate/graph walks the machine built from the JSON, with
 * concrete events for every event the definition names, and every path it finds is replayed
 * through WorkflowEngine.send, the code path the service uses.
 */

const definition = WorkflowRegistry.loadDirectory('workflows').get('follow-up', 1).definition;
const engine = new WorkflowEngine();

const START = '2024-11-16T12:00:00.000Z';
const DUE_ON = '2024-12-05';
const INPUT = { context: { dueOn: DUE_ON }, at: START };

/** The owner holds the role `owner` towards their follow-up (the runtime adds it); a manager may act on anyone's; an approver on none but their own. */
const owner: Actor = { id: 'o1', roles: ['approver', 'owner'] };
const m1: Actor = { id: 'm1', roles: ['manager'] };
const a1: Actor = { id: 'a1', roles: ['approver'] };
const ACTORS = [owner, m1, a1];

const iso = (ms: number) => new Date(ms).toISOString();

/** When the timer falls due, from the SPEC: at the start of the due day (UTC). */
const timerDue: WorkflowModel['timerDue'] = {
  followUpDue: (c) => iso(startOfDate(String(c.dueOn))),
};

const payloads: WorkflowModel['payloads'] = {
  COMPLETE: () => [{ at: '2024-11-30T09:00:00.000Z' }, { at: '2024-12-06T09:00:00.000Z', comment: 'Shaw was briefed before the board meeting.' }],
  CANCEL: () => [{ at: '2024-12-01T09:00:00.000Z', comment: 'The follow-on mission was put off.' }],
  REOPEN: () => [{ at: '2024-12-02T09:00:00.000Z', comment: 'It is needed after all.' }],
};

/** The state key: the value, the overdue mark, and whether it was ever reopened (a bound on the loop). */
function serializeState(snapshot: AnyMachineSnapshot): string {
  const context = snapshot.context as WorkflowContext;
  return JSON.stringify({ value: toDotted(snapshot.value), overdue: context.overdue, reopened: ((context.reopenings as unknown[]) ?? []).length > 0 });
}

function invariantViolations({ value, context }: InstanceState, event: EngineEvent): string[] {
  const violations: string[] = [];
  if (context.overdue === true && value !== 'open') violations.push(`overdue while ${value}`);
  if (context.overdue === true && event.type.startsWith('xstate.after.') && event.at < timerDue.followUpDue(context))
    violations.push('overdue before its due day');
  if (value === 'done' && ((context.completions as unknown[]) ?? []).length === 0) violations.push('done without a completion');
  if (value === 'cancelled' && !(context.cancellation as { comment?: string } | null)?.comment) violations.push('cancelled without a comment');
  if (value === 'open' && context.cancellation !== null) violations.push('open with a cancellation');
  return violations;
}

const model = modelOf({ engine, definition, input: INPUT, actors: ACTORS, payloads, timerDue, serializeState, invariantViolations });
const traversal = traversalOf(model);
const shortestPaths = getShortestPaths(model.machine, traversal);
const simplePaths = getSimplePaths(model.machine, traversal);

describe('follow-up v1, model-based', () => {
  modelTests(model, [...shortestPaths, ...simplePaths], {
    states: ['open', 'done', 'cancelled'],
    transitions: ['open after.followUpDue[0]', 'open on.COMPLETE[0]', 'open on.CANCEL[0]', 'done on.REOPEN[0]', 'cancelled on.REOPEN[0]'],
  });
});

const { eventFor, play, refusalOf } = scenarioOf(model);
const DUE = timerEvent(definition, 'followUpDue', 'open');

describe('follow-up v1, refusals and timers', () => {
  const open = engine.start(definition, INPUT);

  it('starts open, with its timer at the start of the due day', () => {
    expect(open).toMatchObject({ value: 'open', schedule: [{ event: DUE, dueAt: '2024-12-05T00:00:00.000Z' }] });
  });

  it('lets only its owner and managers act on it, and only system fire its timer', () => {
    expect(refusalOf(open, eventFor(open, 'COMPLETE', a1))).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['owner', 'manager'] } });
    expect(refusalOf(open, eventFor(open, DUE, m1))).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['system'] } });
    expect(engine.availableEvents(definition, open, owner)).toEqual(['CANCEL', 'COMPLETE']);
    expect(engine.availableEvents(definition, open, a1)).toEqual([]);
  });

  it('needs a comment to cancel, and refuses what the state does not know', () => {
    expect(refusalOf(open, eventFor(open, 'CANCEL', owner, { comment: undefined }))).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'requires', missing: ['comment'] },
    });
    expect(refusalOf(open, eventFor(open, 'REOPEN', m1))).toMatchObject({ code: 'EVENT_NOT_ALLOWED', details: { allowedEvents: ['CANCEL', 'COMPLETE'] } });
  });

  it('marks it overdue on the due day without leaving open, clears the mark when done, and cancels or re-arms the timer', () => {
    const [, overdue, done, reopened] = play([DUE, SYSTEM_ACTOR], ['COMPLETE', owner], ['REOPEN', m1]);
    expect(overdue).toMatchObject({ value: 'open', schedule: [], cancel: [] });
    expect(overdue.context.overdue).toBe(true);
    expect(done).toMatchObject({ value: 'done', cancel: [DUE] });
    expect(done.context.overdue).toBe(false);
    expect(reopened).toMatchObject({ value: 'open', schedule: [{ event: DUE, dueAt: '2024-12-05T00:00:00.000Z' }] });
    const cancelled = last(play(['CANCEL', owner]));
    expect(cancelled).toMatchObject({ value: 'cancelled', cancel: [DUE] });
    expect(last(play(['CANCEL', owner], ['REOPEN', owner])).context.cancellation).toBeNull();
  });
});
