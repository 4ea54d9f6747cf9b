import type { AnyMachineSnapshot } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { DAY_MS } from '../../src/common/clock.js';
import { dateOf, startOfDate } from '../../src/common/dates.js';
import { toDotted, WorkflowEngine } from '../../src/workflow-engine/engine.js';
import { modelTests, last, modelOf, scenarioOf, timerEvent, traversalOf, type StepSpec, type WorkflowModel } from '../support/model-testing.js';
import { WorkflowRegistry } from '../../src/workflow-engine/workflow-registry.js';
import { SYSTEM_ACTOR, type Actor, type EngineEvent, type InstanceState, type WorkflowContext } from '../../src/workflow-engine/workflow.types.js';

/*
 * Model-based tests of recurring-activity v1: xstate/graph walks the machine built from the JSON,
 * with concrete events for every event the definition names, and every path it finds is replayed
 * through WorkflowEngine.send, the code path the service uses.
 */

const definition = WorkflowRegistry.loadDirectory('workflows').get('recurring-activity', 1).definition;
const engine = new WorkflowEngine();

const START = '2026-01-05T09:00:00.000Z';
const DUE_ON = '2026-06-01';
const INPUT = { context: { dueOn: DUE_ON }, at: START };

const m1: Actor = { id: 'm1', roles: ['manager'] };
const a1: Actor = { id: 'a1', roles: ['approver'] };
/** `system` cancels the future occurrences of a terminated MOU. */
const ACTORS = [m1, a1, SYSTEM_ACTOR];

interface Postponement {
  from: string;
  to: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** When each timer falls due, written from the SPEC rather than from the vocabulary: graceDays after the due or scheduled date, whichever is later. */
const timerDue: WorkflowModel['timerDue'] = {
  graceExpired: (c) => {
    const date = typeof c.date === 'string' && c.date > String(c.dueOn) ? c.date : String(c.dueOn);
    return iso(startOfDate(date) + (Number(c.graceDays) + 1) * DAY_MS);
  },
};

/** Valid payloads for every event of the definition; a new event without one fails the model. */
const payloads: WorkflowModel['payloads'] = {
  SCHEDULE: () => [
    { at: '2026-04-20T09:00:00.000Z', data: { date: '2026-05-28', venue: 'Faculty of Law, Hall B' } },
    // later than the due date, so the grace period runs from this date instead
    { at: '2026-04-20T09:00:00.000Z', data: { date: '2026-06-10' } },
  ],
  POSTPONE: () => [
    { at: '2026-05-25T09:00:00.000Z', comment: 'The speaker fell ill', data: { date: '2026-06-17' } },
    { at: '2026-05-25T09:00:00.000Z', comment: 'The hall is being renovated', data: { date: '2026-06-24' } },
  ],
  MARK_HELD: (c) => [{ at: `${String(c.date)}T18:00:00.000Z`, data: { report: 'Held with 120 students', attendance: 120 } }],
  CANCEL: () => [{ at: '2026-05-02T09:00:00.000Z', comment: 'The MOU was terminated' }],
};

/**
 * The state key of the graph: the value and the date, the only field that guards (a postponement
 * is later, held not before the date), the grace timer and the model's payloads read. Events of a
 * path are built from the first state the graph met with that key, so the key must hold all of it.
 */
function serializeState(snapshot: AnyMachineSnapshot): string {
  return JSON.stringify({ value: toDotted(snapshot.value), date: (snapshot.context as WorkflowContext).date });
}

/** What must hold after every step; each broken rule is named. */
function invariantViolations({ value, context }: InstanceState, event: EngineEvent): string[] {
  const violations: string[] = [];
  const postponements = (context.postponements ?? []) as Postponement[];
  postponements.forEach((p, i) => {
    if (!(p.to > p.from)) violations.push(`postponement ${i + 1} does not move the date later`);
    if (i > 0 && p.from !== postponements[i - 1].to) violations.push(`postponement ${i + 1} does not start from the date it moves`);
  });
  if (postponements.length > 0 && context.date !== postponements[postponements.length - 1].to) violations.push('the date is not the last postponement');
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
const shortestPaths = getShortestPaths(model.machine, traversal);
const simplePaths = getSimplePaths(model.machine, traversal);
const allPaths = [...shortestPaths, ...simplePaths];
describe('recurring-activity v1, model-based', () => {
  modelTests(model, allPaths, {
    states: ['planned', 'scheduled', 'held', 'cancelled', 'missed'],
    transitions: ['planned after.graceExpired[0]', 'scheduled after.graceExpired[0]', 'scheduled on.POSTPONE[0]'],
  });

  it('finds more simple paths than shortest ones', () => {
    expect(simplePaths.length).toBeGreaterThan(shortestPaths.length);
  });
});

const { eventFor, play, refusalOf } = scenarioOf(model);

const PLANNED_GRACE = timerEvent(definition, 'graceExpired', 'planned');
const SCHEDULED_GRACE = timerEvent(definition, 'graceExpired', 'scheduled');
const ON_TIME: StepSpec = ['SCHEDULE', m1, {}, 0];
const LATE: StepSpec = ['SCHEDULE', m1, {}, 1];

describe('recurring-activity v1, refusals', () => {
  const planned = engine.start(definition, INPUT);
  const scheduled = last(play(LATE));

  it('refuses to mark an occurrence held before its date', () => {
    expect(refusalOf(scheduled, eventFor(scheduled, 'MARK_HELD', m1, { at: '2026-06-09T23:59:59.000Z' }))).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'notInFuture' },
    });
    expect(last(play(LATE, ['MARK_HELD', m1, { at: '2026-06-10T00:00:00.000Z' }])).value).toBe('held');
  });

  it('refuses a postponement that does not move the date later, or to a date that does not exist', () => {
    for (const date of ['2026-06-10', '2026-06-01', '2026-06-31']) {
      expect(refusalOf(scheduled, eventFor(scheduled, 'POSTPONE', m1, { data: { date } }))).toMatchObject({
        code: 'GUARD_FAILED',
        details: { rule: 'datesOrdered' },
      });
    }
  });

  it('refuses events without their required fields, naming them', () => {
    expect(refusalOf(planned, eventFor(planned, 'CANCEL', m1, { comment: undefined }))).toMatchObject({
      code: 'GUARD_FAILED',
      details: { rule: 'requires', missing: ['comment'] },
    });
    expect(refusalOf(planned, eventFor(planned, 'SCHEDULE', m1, { data: { venue: 'Hall B' } }))).toMatchObject({
      details: { rule: 'requires', missing: ['data.date'] },
    });
    expect(refusalOf(scheduled, eventFor(scheduled, 'MARK_HELD', m1, { data: { attendance: 3 } }))).toMatchObject({
      details: { rule: 'requires', missing: ['data.report'] },
    });
  });

  it('refuses an event from a role that may not send it, and a timer from anyone but system', () => {
    expect(refusalOf(planned, eventFor(planned, 'SCHEDULE', a1))).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['manager'] } });
    expect(refusalOf(planned, eventFor(planned, 'SCHEDULE', SYSTEM_ACTOR))).toMatchObject({ code: 'FORBIDDEN' });
    expect(refusalOf(planned, eventFor(planned, PLANNED_GRACE, m1))).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['system'] } });
  });

  it('refuses an event the state does not know, listing what this actor may send', () => {
    expect(refusalOf(planned, eventFor(scheduled, 'MARK_HELD', m1))).toMatchObject({
      code: 'EVENT_NOT_ALLOWED',
      details: { state: 'planned', allowedEvents: ['CANCEL', 'SCHEDULE'] },
    });
    expect(refusalOf(planned, eventFor(scheduled, SCHEDULED_GRACE, SYSTEM_ACTOR))).toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
    const held = last(play(LATE, ['MARK_HELD', m1]));
    expect(refusalOf(held, eventFor(held, 'CANCEL', m1))).toMatchObject({ code: 'EVENT_NOT_ALLOWED', details: { allowedEvents: [] } });
  });
});

describe('recurring-activity v1, timers', () => {
  it('starts with the grace timer at the start of the day graceDays + 1 after the due date', () => {
    expect(engine.start(definition, INPUT).schedule).toEqual([{ event: PLANNED_GRACE, dueAt: '2026-07-02T00:00:00.000Z' }]);
    expect(engine.start(definition, { context: { dueOn: DUE_ON, graceDays: 10 }, at: START }).schedule).toEqual([
      { event: PLANNED_GRACE, dueAt: '2026-06-12T00:00:00.000Z' },
    ]);
  });

  it('on scheduling moves the timer to the scheduled state, running from the due date or the later scheduled date', () => {
    const onTime = last(play(ON_TIME));
    expect(onTime).toMatchObject({ value: 'scheduled', cancel: [PLANNED_GRACE], schedule: [{ event: SCHEDULED_GRACE, dueAt: '2026-07-02T00:00:00.000Z' }] });
    const late = last(play(LATE));
    expect(late).toMatchObject({ cancel: [PLANNED_GRACE], schedule: [{ event: SCHEDULED_GRACE, dueAt: '2026-07-11T00:00:00.000Z' }] });
  });

  it('on postponement replaces the timer with a later one and records the move', () => {
    const postponed = last(play(LATE, ['POSTPONE', m1]));
    expect(postponed).toMatchObject({
      value: 'scheduled',
      cancel: [SCHEDULED_GRACE],
      schedule: [{ event: SCHEDULED_GRACE, dueAt: '2026-07-18T00:00:00.000Z' }],
    });
    expect(postponed.context).toMatchObject({
      date: '2026-06-17',
      venue: null,
      postponements: [{ from: '2026-06-10', to: '2026-06-17', by: 'm1', at: '2026-05-25T09:00:00.000Z', comment: 'The speaker fell ill' }],
    });
    const again = last(play(ON_TIME, ['POSTPONE', m1], ['POSTPONE', m1, {}, 1]));
    expect(again.schedule).toEqual([{ event: SCHEDULED_GRACE, dueAt: '2026-07-25T00:00:00.000Z' }]);
    // the venue given when scheduling stays unless a postponement names a new one
    expect(again.context).toMatchObject({ date: '2026-06-24', venue: 'Faculty of Law, Hall B' });
    expect((again.context.postponements as Postponement[]).map((p) => [p.from, p.to])).toEqual([
      ['2026-05-28', '2026-06-17'],
      ['2026-06-17', '2026-06-24'],
    ]);
  });

  it('cancels the timer when held or cancelled, and misses the occurrence when it fires', () => {
    expect(last(play(LATE, ['MARK_HELD', m1]))).toMatchObject({ value: 'held', cancel: [SCHEDULED_GRACE], schedule: [] });
    expect(last(play(['CANCEL', SYSTEM_ACTOR]))).toMatchObject({ value: 'cancelled', cancel: [PLANNED_GRACE], schedule: [] });
    const missed = last(play(LATE, [SCHEDULED_GRACE, SYSTEM_ACTOR]));
    expect(missed).toMatchObject({ value: 'missed', schedule: [], effects: [] });
  });
});
