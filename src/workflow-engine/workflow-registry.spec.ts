import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../common/domain-error.js';
import { WorkflowDefinitionError, WorkflowRegistry } from './workflow-registry.js';
import type { StateConfig, TransitionConfig, WorkflowDefinition } from './workflow.types.js';

const WORKFLOWS = 'workflows';
const MOU = 'partnership-mou.v1.json';
const ACTIVITY = 'recurring-activity.v1.json';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh copy of a real definition, to break in one place. */
function realDefinition(file: string): WorkflowDefinition {
  return JSON.parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as WorkflowDefinition;
}

const LABELS = ['partnership-mou.labels.json', 'recurring-activity.labels.json'];

/** A directory with the real labels files (unless `files` replaces them) and `files`. */
function directoryWith(files: Record<string, string | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
  tempDirs.push(dir);
  const labels = Object.fromEntries(LABELS.map((name) => [name, readFileSync(join(WORKFLOWS, name), 'utf8')]));
  for (const [name, text] of Object.entries({ ...labels, ...files })) if (text !== null) writeFileSync(join(dir, name), text);
  return dir;
}

function loadError(files: Record<string, string | null>): WorkflowDefinitionError {
  try {
    WorkflowRegistry.loadDirectory(directoryWith(files));
  } catch (error) {
    if (error instanceof WorkflowDefinitionError) return error;
    throw error;
  }
  throw new Error('the broken definition loaded');
}

/** Loads a copy of a real definition after `breakIt` changed it, and returns the error. */
function brokenCopy(file: string, breakIt: (definition: WorkflowDefinition) => void, name = file): WorkflowDefinitionError {
  const definition = realDefinition(file);
  breakIt(definition);
  return loadError({ [name]: JSON.stringify(definition, null, 2) });
}

const states = (definition: WorkflowDefinition) => definition.machine.states;
const on = (state: StateConfig, event: string) => state.on?.[event] as TransitionConfig;

describe('WorkflowRegistry with the real definitions', () => {
  const registry = WorkflowRegistry.loadDirectory(WORKFLOWS);

  it('loads every definition, each with the SHA-256 of its file', () => {
    expect(registry.all().map((w) => `${w.definition.id}@${w.definition.version}`)).toEqual([
      'follow-up@1',
      'partnership-mou@1',
      'partnership-mou@2',
      'recurring-activity@1',
      'recurring-activity@2',
      'training-programme@1',
    ]);
    for (const [id, file] of [
      ['follow-up', 'follow-up.v1.json'],
      ['partnership-mou', MOU],
      ['recurring-activity', ACTIVITY],
      ['training-programme', 'training-programme.v1.json'],
    ]) {
      const workflow = registry.get(id, 1);
      expect(workflow.file).toBe(file);
      expect(workflow.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(workflow.hash).toBe(
        createHash('sha256')
          .update(readFileSync(join(WORKFLOWS, file)))
          .digest('hex'),
      );
    }
    expect(registry.get('partnership-mou', 1).hash).not.toBe(registry.get('recurring-activity', 1).hash);
  });

  it('answers NOT_FOUND for a workflow or version that is not loaded', () => {
    for (const find of [() => registry.get('partnership-mou', 99), () => registry.latest('procurement')]) {
      let thrown: unknown;
      try {
        find();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(DomainError);
      expect(thrown).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('keeps old versions loadable beside a newer one, and the latest is the highest version', () => {
    const v2 = realDefinition(MOU);
    v2.version = 2;
    v2.title = 'Partnership and MOU, second edition';
    const loaded = WorkflowRegistry.loadDirectory(
      directoryWith({ [MOU]: readFileSync(join(WORKFLOWS, MOU), 'utf8'), 'partnership-mou.v2.json': JSON.stringify(v2) }),
    );
    expect(loaded.versions('partnership-mou').map((w) => w.definition.version)).toEqual([1, 2]);
    expect(loaded.latest('partnership-mou').definition.title).toBe('Partnership and MOU, second edition');
    expect(loaded.get('partnership-mou', 1).hash).toBe(registry.get('partnership-mou', 1).hash);
  });
});

describe('WorkflowRegistry labels: every state, event and timer in words, outside the hashes', () => {
  const registry = WorkflowRegistry.loadDirectory(WORKFLOWS);
  const mouLabels = JSON.parse(readFileSync(join(WORKFLOWS, LABELS[0]), 'utf8')) as { states: Record<string, unknown>; events: Record<string, unknown> };

  it('reads a title and a past-tense phrase for states, events and delays, by workflow', () => {
    expect(registry.eventLabel('SUBMIT_FOR_APPROVAL', 'partnership-mou')).toEqual({ title: 'Submit for approval', phrase: 'submitted it for approval' });
    expect(registry.stateLabel('senior_management_review').title).toBe('Senior-management review');
    expect(registry.stateLabel('in_force.renewal_due').title).toBe('In force · Renewal due');
    expect(registry.eventLabel('MARK_HELD', 'recurring-activity').phrase).toBe('recorded it as held');
    expect(registry.delayLabel('approvalSla').title).toBe('Approval deadline passes');
    expect(registry.labels('recurring-activity').states.planned.title).toBe('To schedule');
  });

  it('refuses a definition whose labels file is missing, naming the file to add', () => {
    const error = loadError({ [MOU]: readFileSync(join(WORKFLOWS, MOU), 'utf8'), [LABELS[0]]: null });
    expect(error.message).toBe(
      'partnership-mou.v1.json: has no labels: add partnership-mou.labels.json beside it, with a title and phrase for each state and event',
    );
  });

  it('refuses a definition whose states or events lack a label, naming the labels file, each missing id and the definition', () => {
    const labels = structuredClone(mouLabels);
    delete labels.states['in_force.renewal_due'];
    delete labels.events.AGREE_TEXT;
    const error = loadError({ [MOU]: readFileSync(join(WORKFLOWS, MOU), 'utf8'), [LABELS[0]]: JSON.stringify(labels) });
    expect(error.message).toBe('partnership-mou.labels.json: has no label for states.in_force.renewal_due, events.AGREE_TEXT of partnership-mou.v1.json');
  });

  it('refuses a label without a title or phrase, and a labels file of another workflow', () => {
    const labels = structuredClone(mouLabels) as { states: Record<string, { title: string; phrase: string }>; workflow?: string };
    labels.states.proposal.phrase = ' ';
    expect(loadError({ [LABELS[0]]: JSON.stringify(labels) }).message).toBe('partnership-mou.labels.json: states.proposal.phrase: must be a non-empty string');
    expect(loadError({ [LABELS[0]]: JSON.stringify({ ...mouLabels, workflow: 'procurement' }) }).message).toBe(
      'partnership-mou.labels.json: workflow: must be "partnership-mou", as the file name says',
    );
  });

  it('keeps the definitions’ hashes: the labels are not part of the hashed bytes', () => {
    const relabelled = structuredClone(mouLabels) as { states: Record<string, { title: string; phrase: string }> };
    relabelled.states.proposal.title = 'Idea';
    const loaded = WorkflowRegistry.loadDirectory(
      directoryWith({
        [MOU]: readFileSync(join(WORKFLOWS, MOU), 'utf8'),
        [ACTIVITY]: readFileSync(join(WORKFLOWS, ACTIVITY), 'utf8'),
        [LABELS[0]]: JSON.stringify(relabelled),
      }),
    );
    expect(loaded.stateLabel('proposal').title).toBe('Idea');
    expect(loaded.get('partnership-mou', 1).hash).toBe(registry.get('partnership-mou', 1).hash);
  });
});

describe('WorkflowRegistry refuses a broken definition, naming the file and the path inside it', () => {
  it('an unknown guard, also inside an `all`', () => {
    const error = brokenCopy(MOU, (d) => {
      const guard = on(states(d).proposal, 'SUBMIT_FOR_APPROVAL').guard as { type: string; params: { guards: Array<{ type: string }> } };
      guard.params.guards[1].type = 'atLeastItems';
    });
    expect(error.message).toBe('partnership-mou.v1.json: machine.states.proposal.on.SUBMIT_FOR_APPROVAL.guard: unknown guard "atLeastItems"');
    expect(error).toMatchObject({ file: MOU, path: 'machine.states.proposal.on.SUBMIT_FOR_APPROVAL.guard' });
    expect(brokenCopy(ACTIVITY, (d) => (on(states(d).scheduled, 'MARK_HELD').guard = 'isToday')).message).toBe(
      'recurring-activity.v1.json: machine.states.scheduled.on.MARK_HELD.guard: unknown guard "isToday"',
    );
  });

  it('an unknown action, in a transition or on entry', () => {
    expect(brokenCopy(MOU, (d) => (on(states(d).senior_management_review, 'APPROVE').actions = ['recordApproval', 'notifyPartner'])).message).toBe(
      'partnership-mou.v1.json: machine.states.senior_management_review.on.APPROVE.actions[1]: unknown action "notifyPartner"',
    );
    expect(brokenCopy(MOU, (d) => (states(d).in_force.entry = ['createOccurrences'])).message).toBe(
      'partnership-mou.v1.json: machine.states.in_force.entry[0]: unknown action "createOccurrences"',
    );
  });

  it('an invoked actor: the engine carries out timers and effects itself and runs no actors', () => {
    const error = brokenCopy(MOU, (d) => {
      (states(d).in_force as Record<string, unknown>).invoke = { src: 'mailer' };
    });
    expect(error.message).toBe('partnership-mou.v1.json: machine.states.in_force.invoke: definitions invoke no actors');
  });

  it('an unknown delay', () => {
    const error = brokenCopy(ACTIVITY, (d) => {
      states(d).planned.after = { thirtyDays: { target: 'missed' } };
    });
    expect(error.message).toBe('recurring-activity.v1.json: machine.states.planned.after.thirtyDays: unknown delay "thirtyDays"');
  });

  it('a guard or delay whose setting has no number in the context: defaults come from the definition only', () => {
    expect(brokenCopy(MOU, (d) => delete d.machine.context.requiredApprovals).message).toBe(
      'partnership-mou.v1.json: machine.context: machine.states.senior_management_review.always.guard uses "quorumReached", which needs a number "requiredApprovals" here',
    );
    expect(brokenCopy(MOU, (d) => (d.machine.context.approvalSlaDays = '14')).message).toBe(
      'partnership-mou.v1.json: machine.context: machine.states.senior_management_review.after.approvalSla uses "approvalSla", which needs a number "approvalSlaDays" here',
    );
    expect(brokenCopy(ACTIVITY, (d) => delete d.machine.context.graceDays).message).toBe(
      'recurring-activity.v1.json: machine.context: machine.states.planned.after.graceExpired uses "graceExpired", which needs a number "graceDays" here',
    );
  });

  it('an event without meta.roles', () => {
    const error = brokenCopy(MOU, (d) => {
      delete on(states(d).proposal, 'SUBMIT_FOR_APPROVAL').meta;
    });
    expect(error.message).toBe(
      'partnership-mou.v1.json: machine.states.proposal.on.SUBMIT_FOR_APPROVAL.meta.roles: every event names the roles that may send it',
    );
    expect(brokenCopy(ACTIVITY, (d) => (on(states(d).planned, 'CANCEL').meta = { roles: [] })).message).toBe(
      'recurring-activity.v1.json: machine.states.planned.on.CANCEL.meta.roles: every event names the roles that may send it',
    );
  });

  it('an unreachable state', () => {
    // without REJECT nothing leads to `rejected`
    const error = brokenCopy(MOU, (d) => {
      delete states(d).senior_management_review.on?.REJECT;
    });
    expect(error.message).toBe('partnership-mou.v1.json: machine.states.rejected: state is unreachable from the initial state');
  });

  it('a state that is not final and has no way out', () => {
    const error = brokenCopy(ACTIVITY, (d) => {
      delete states(d).held.type;
    });
    expect(error.message).toBe('recurring-activity.v1.json: machine.states.held: a state that is not final needs a way out');
  });

  it('invalid JSON, with where the parser stopped', () => {
    const text = readFileSync(join(WORKFLOWS, MOU), 'utf8').replace('"version": 1,', '"version": 1');
    const error = loadError({ [MOU]: text });
    expect(error.message).toMatch(/^partnership-mou\.v1\.json: invalid JSON \(.*position \d+.*\)$/);
    expect(loadError({ [ACTIVITY]: '{ "id": "recurring-activity",' }).message).toMatch(/^recurring-activity\.v1\.json: invalid JSON \(.+\)$/);
  });

  it('a target that is not a state', () => {
    expect(brokenCopy(MOU, (d) => (on(states(d).senior_management_review, 'REJECT').target = 'declined')).message).toBe(
      'partnership-mou.v1.json: machine.states.senior_management_review.on.REJECT.target: target "declined" is not a state',
    );
    expect(brokenCopy(MOU, (d) => (on(states(d).in_force.states!.renewal_due, 'RENEW').target = '#partnership-mou.in_force.renewed')).message).toBe(
      'partnership-mou.v1.json: machine.states.in_force.states.renewal_due.on.RENEW.target: target "#partnership-mou.in_force.renewed" is not a state',
    );
  });

  it('an id or version that disagrees with the file name', () => {
    expect(brokenCopy(MOU, (d) => (d.id = 'partnership'))).toMatchObject({
      message: 'partnership-mou.v1.json: id: must be "partnership-mou", as the file name says',
    });
    expect(brokenCopy(MOU, () => undefined, 'partnership-mou.v2.json').message).toBe('partnership-mou.v2.json: version: must be 2, as the file name says');
    expect(brokenCopy(MOU, () => undefined, 'partnership.v1.json').message).toBe('partnership.v1.json: id: must be "partnership", as the file name says');
    expect(brokenCopy(MOU, () => undefined, 'partnership-mou.json').message).toBe('partnership-mou.json: file name must be <id>.v<version>.json');
  });

  it('stops at the broken file even when the other files are fine', () => {
    const broken = realDefinition(ACTIVITY);
    broken.machine.initial = 'drafted';
    const error = loadError({ [MOU]: readFileSync(join(WORKFLOWS, MOU), 'utf8'), [ACTIVITY]: JSON.stringify(broken) });
    expect(error.message).toBe('recurring-activity.v1.json: machine.initial: a state with children needs an initial child that exists');
  });
});
