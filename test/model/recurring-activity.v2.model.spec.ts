import type { AnyMachineSnapshot } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { DAY_MS } from '../../src/common/clock.js';
import { dateOf, startOfDate } from '../../src/common/dates.js';
import { toDotted, WorkflowEngine } from '../../src/workflow-engine/engine.js';
import { WorkflowRegistry } from '../../src/workflow-engine/workflow-registry.js';
import { SYSTEM_ACTOR, type Actor, type EngineEvent, type InstanceState, type WorkflowContext } from '../../src/workflow-engine/workflow.types.js';
import { last, modelOf, modelTests, scenarioOf, timerEvent, traversalOf, type StepSpec, type WorkflowModel } from '../support/model-testing.js';

/*
 * Model-based tests of recurring-activity v2: v1, and a scheduled date that can be brought forward
 * (BRING_FORWARD) as well as postponed, so a date moves either way. xstate/graph walks the machine
 * built from the JSON; every path is replayed through WorkflowEngine.send, as the service runs it.
 */

const registry = WorkflowRegistry.loadDirectory('workflows');
const definition = registry.get('recurring-activity', 2).definition;
const engine = new WorkflowEngine();

const START = '2026-01-05T09:00:00.000Z';
const DUE_ON = '2026-06-01';
const INPUT = { context: { dueOn: DUE_ON }, at: START };

const m1: Actor = { id: 'm1', roles: ['manager'] };
const a1: Actor = { id: 'a1', roles: ['approver'] };
const ACTORS = [m1, a1, SYSTEM_ACTOR];

interface Move {
  from: string;
  to: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** graceDays after the due or scheduled date, whichever is later (SPEC). */
const timerDue: WorkflowModel['timerDue'] = {
  graceExpired: (c) => {
    const date = typeof c.date === 'string' && c.date > String(c.dueOn) ? c.date : String(c.dueOn);
    return iso(startOfDate(date) + (Number(c.graceDays) + 1) * DAY_MS);
  },
};

const payloads: WorkflowModel['payloads'] = {
  SCHEDULE: () => [
    { at: '2026-04-20T09:00:00.000Z', data: { date: '2026-05-28', venue: 'Faculty of Law, Hall B' } },
    { at: '2026-04-20T09:00:00.000Z', data: { date: '2026-06-10' } },
  ],
  POSTPONE: () => [{ at: '2026-05-25T09:00:00.000Z', comment: 'The speaker fell ill', data: { date: '2026-06-17' } }],
  BRING_FORWARD: () => [{ at: '2026-05-20T09:00:00.000Z', comment: 'The hall is free earlier', data: { date: '2026-05-26', venue: 'Main hall' } }],
  MARK_HELD: (c) => [{ at: `${String(c.date)}T18:00:00.000Z`, data: { report: 'Held with 120 students', attendance: 120 } }],
  CANCEL: () => [{ at: '2026-05-02T09:00:00.000Z', comment: 'The MOU was terminated' }],
};

/** The value and the date: the only field guards, the grace timer and the payloads read. */
function serializeState(snapshot: AnyMachineSnapshot): string {
  return JSON.stringify({ value: toDotted(snapshot.value), date: (snapshot.context as WorkflowContext).date });
}

function invariantViolations({ value, context }: InstanceState, event: EngineEvent): string[] {
  const violations: string[] = [];
  const postponements = (context.postponements ?? []) as Move[];
  const broughtForward = (context.broughtForward ?? []) as Move[];
  postponements.forEach((p, i) => p.to > p.from || violations.push(`postponement ${i + 1} does not move the date later`));
  broughtForward.forEach((p, i) => p.to < p.from || violations.push(`bringing forward ${i + 1} does not move the date earlier`));
  if (event.type === 'POSTPONE' && context.date !== postponements.at(-1)?.to) violations.push('the date is not the one it was postponed to');
  if (event.type === 'BRING_FORWARD' && context.date !== broughtForward.at(-1)?.to) violations.push('the date is not the one it was brought forward to');
  if (value === 'held') {
    if (!context.report || !context.heldRecordedBy) violations.push('held without a report or who recorded it');
    if (!(typeof context.date === 'string' && context.date <= dateOf(event.at))) violations.push('held before its date');
  }
  if (value === 'missed' && !(event.actor.id === SYSTEM_ACTOR.id && event.at >= timerDue.graceExpired(context))) {
    violations.push('missed before the grace period ended');
  }
  if (value === 'cancelled' && !(context.cancellation as { comment?: string } | null)?.comment) violations.push('cancelled without a comment');
  return violations;
}

const model = modelOf({ engine, definition, input: INPUT, actors: ACTORS, payloads, timerDue, serializeState, invariantViolations });
const traversal = traversalOf(model);
const allPaths = [...getShortestPaths(model.machine, traversal), ...getSimplePaths(model.machine, traversal)];

describe('recurring-activity v2, model-based', () => {
  modelTests(model, allPaths, {
    states: ['planned', 'scheduled', 'held', 'cancelled', 'missed'],
    transitions: ['planned after.graceExpired[0]', 'scheduled after.graceExpired[0]', 'scheduled on.POSTPONE[0]', 'scheduled on.BRING_FORWARD[0]'],
  });
});

const { eventFor, play, refusalOf } = scenarioOf(model);
const SCHEDULED_GRACE = timerEvent(definition, 'graceExpired', 'scheduled');
const LATE: StepSpec = ['SCHEDULE', m1, {}, 1];

describe('recurring-activity v2, a date moved either way', () => {
  it('brings a scheduled date forward, records the move, and runs the grace period from the due date again', () => {
    const earlier = last(play(LATE, ['BRING_FORWARD', m1]));
    expect(earlier).toMatchObject({ value: 'scheduled', cancel: [SCHEDULED_GRACE], schedule: [{ event: SCHEDULED_GRACE, dueAt: '2026-07-02T00:00:00.000Z' }] });
    expect(earlier.context).toMatchObject({
      date: '2026-05-26',
      venue: 'Main hall',
      postponements: [],
      broughtForward: [{ from: '2026-06-10', to: '2026-05-26', by: 'm1', at: '2026-05-20T09:00:00.000Z', comment: 'The hall is free earlier' }],
    });
    // Then held on the new, earlier day.
    expect(last(play(LATE, ['BRING_FORWARD', m1], ['MARK_HELD', m1])).value).toBe('held');
  });

  it('postpones and brings forward in turn, each from the date the last move left', () => {
    const moved = last(play(LATE, ['POSTPONE', m1], ['BRING_FORWARD', m1]));
    expect(moved.context).toMatchObject({
      date: '2026-05-26',
      postponements: [{ from: '2026-06-10', to: '2026-06-17' }],
      broughtForward: [{ from: '2026-06-17', to: '2026-05-26' }],
    });
  });

  it('refuses to bring a date forward to the same or a later day, or to a day that does not exist, and without a date', () => {
    const scheduled = last(play(LATE));
    for (const date of ['2026-06-10', '2026-06-11', '2026-02-30']) {
      expect(refusalOf(scheduled, eventFor(scheduled, 'BRING_FORWARD', m1, { data: { date } }))).toMatchObject({
        code: 'GUARD_FAILED',
        details: { rule: 'datesOrdered' },
      });
    }
    expect(refusalOf(scheduled, eventFor(scheduled, 'BRING_FORWARD', m1, { data: {} }))).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'requires', missing: ['data.date'] },
    });
    expect(refusalOf(scheduled, eventFor(scheduled, 'BRING_FORWARD', a1))).toMatchObject({ code: 'FORBIDDEN' });
    const planned = engine.start(definition, INPUT);
    expect(refusalOf(planned, eventFor(scheduled, 'BRING_FORWARD', m1))).toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
  });

  it('leaves v1 as it was: there a date only moves later', () => {
    const v1 = registry.get('recurring-activity', 1).definition;
    const scheduled = engine.send(v1, engine.start(v1, INPUT), { type: 'SCHEDULE', actor: m1, at: '2026-04-20T09:00:00.000Z', data: { date: '2026-06-10' } });
    expect(() => engine.send(v1, scheduled, { type: 'BRING_FORWARD', actor: m1, at: '2026-05-20T09:00:00.000Z', data: { date: '2026-05-26' } })).toThrow(
      expect.objectContaining({ code: 'EVENT_NOT_ALLOWED' }),
    );
  });
});
