import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TransitionConfig, WorkflowDefinition } from '../src/workflow-engine/workflow.types.js';
import { buildService } from './support/service-build.js';

/** The compiled `npm run workflow:check` (what the npm script runs), built once for the file. */
const checker = join(dirname(dirname(resolve(buildService('workflow-check-build')))), 'scripts', 'workflow-check.js');

function check(file: string) {
  const run = spawnSync(process.execPath, [checker, file], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const planDelivery = (d: WorkflowDefinition) => d.machine.states.planning.on!.PLAN_DELIVERY as TransitionConfig;

/** SPEC, "Workflows evolve": `npm run workflow:check -- <file>` for workflow authors. */
describe('`npm run workflow:check`', () => {
  let dir: string;
  /** A copy of training-programme v1 and its labels in a temporary directory, changed by `edit`. */
  const variant = (edit: (definition: WorkflowDefinition) => void) => {
    const definition = JSON.parse(readFileSync('workflows/training-programme.v1.json', 'utf8')) as WorkflowDefinition;
    edit(definition);
    const file = join(dir, 'training-programme.v1.json');
    writeFileSync(file, JSON.stringify(definition, null, 2));
    copyFileSync('workflows/training-programme.labels.json', join(dir, 'training-programme.labels.json'));
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'workflow-check-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes every published version, with a summary of what it walked', () => {
    for (const file of ['workflows/training-programme.v1.json', 'workflows/partnership-mou.v2.json']) {
      const passed = check(file);
      expect(passed.status).toBe(0);
      expect(passed.stdout).toMatch(new RegExp(`^${file}: [a-z-]+ v\\d passes \\(SHA-256 [0-9a-f]{64}\\)`));
      expect(passed.stdout).toMatch(/\d+ states, every one reached; \d+ transitions, every one taken/);
    }
  });

  it('names the file and the path inside it when the definition is not valid, as start-up does', () => {
    const file = variant((d) => (planDelivery(d).guard = 'noSuchGuard'));
    const failed = check(file);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain(`${file}: does not pass (at machine.states.planning.on.PLAN_DELIVERY.guard):`);
    expect(failed.stdout).toContain('training-programme.v1.json: machine.states.planning.on.PLAN_DELIVERY.guard: unknown guard "noSuchGuard"');
    const unlabelled = check(variant((d) => (d.machine.states.planning.on!.POSTPONE_PLANNING = { target: 'planning', meta: { roles: ['manager'] } })));
    expect(unlabelled.status).toBe(1);
    expect(unlabelled.stdout).toContain('has no label for events.POSTPONE_PLANNING');
  });

  it('names a transition its model never takes: a guard that can never hold', () => {
    const file = variant((d) => {
      planDelivery(d).guard = { type: 'fieldsPresent', params: { fields: ['event.data.neverSent'] } };
    });
    const failed = check(file);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('transition planning on.PLAN_DELIVERY[0] is never taken');
    expect(failed.stdout).toContain('state delivering is never reached');
  });

  it('cannot check a file that is not there: exit 2', () => {
    const missing = check(join(dir, 'no-such.v1.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });
});
