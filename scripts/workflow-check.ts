/**
 * Checks a workflow definition before it is published:
 *   npm run workflow:check -- workflows/<id>.v<version>.json
 * It validates the file as start-up does (the registry's own loading, with the labels file beside
 * it), then walks its model (model-walk.ts: actors for every role it names, a sample of each event,
 * each timer fired when due): every state must be reached, every transition taken, the engine must
 * agree with XState at every step, and the invariants hold. It prints a summary.
 * Exit code 0 when the definition passes, 1 when it does not (the file and the path inside it, or
 * the states, transitions and problems), 2 when it cannot be checked (no such file, bad arguments).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkflowEngine } from '../src/workflow-engine/engine.js';
import { sampleModel, walkModel, type ModelWalk } from '../src/workflow-engine/model-walk.js';
import { WorkflowDefinitionError, WorkflowRegistry, type RegisteredWorkflow } from '../src/workflow-engine/workflow-registry.js';

export type CheckResult =
  { ok: true; workflow: RegisteredWorkflow; walk: ModelWalk } | { ok: false; file: string; path?: string; problems: string[]; walk?: ModelWalk };

/** Loads the one file, with its labels, through WorkflowRegistry.loadDirectory: what start-up runs on `workflows/`. */
function load(file: string): RegisteredWorkflow {
  const dir = mkdtempSync(join(tmpdir(), 'workflow-check-'));
  try {
    copyFileSync(file, join(dir, basename(file)));
    const id = /^([a-z][a-z0-9-]*)\.v[0-9]+\.json$/.exec(basename(file))?.[1];
    const labels = id && join(dirname(file), `${id}.labels.json`);
    if (labels && existsSync(labels)) copyFileSync(labels, join(dir, basename(labels)));
    const [workflow] = WorkflowRegistry.loadDirectory(dir).all();
    return workflow;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function checkWorkflow(file: string): CheckResult {
  let workflow: RegisteredWorkflow;
  try {
    workflow = load(file);
  } catch (error) {
    if (!(error instanceof WorkflowDefinitionError)) throw error;
    return { ok: false, file: error.file, path: error.path, problems: [error.message] };
  }
  let walk: ModelWalk;
  try {
    walk = walkModel(sampleModel(new WorkflowEngine(), workflow.definition));
  } catch (error) {
    return { ok: false, file, problems: [`its model cannot be walked: ${(error as Error).message}`] };
  }
  const problems = [
    ...walk.states.missed.map((state) => `state ${state} is never reached`),
    ...walk.transitions.missed.map((transition) => `transition ${transition} is never taken`),
    ...walk.problems,
  ];
  return problems.length > 0 ? { ok: false, file, problems, walk } : { ok: true, workflow, walk };
}

/** The verdict for a person, a line each. */
export function summary(file: string, result: CheckResult): string[] {
  if (!result.ok) return [`${file}: does not pass${result.path ? ` (at ${result.path})` : ''}:`, ...result.problems.map((p) => `  ${p}`)];
  const { definition, hash } = result.workflow;
  const { walk } = result;
  return [
    `${file}: ${definition.id} v${definition.version} passes (SHA-256 ${hash})`,
    `  valid as start-up loads it, its labels included`,
    `  ${walk.states.defined.length} states, every one reached; ${walk.transitions.defined.length} transitions, every one taken`,
    `  ${walk.steps} steps over ${walk.paths} paths, each the same through the engine as through XState, the invariants held and no timer left behind`,
  ];
}

const USAGE = 'usage: npm run workflow:check -- <workflows/id.vN.json>';

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  let file: string;
  try {
    const { positionals } = parseArgs({ allowPositionals: true });
    if (positionals.length !== 1) throw new Error(USAGE);
    file = positionals[0];
    readFileSync(file);
  } catch (error) {
    console.error((error as Error).message.startsWith('usage') ? USAGE : `cannot read ${process.argv[2] ?? ''}: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const result = checkWorkflow(file);
  for (const line of summary(file, result)) console.log(line);
  process.exit(result.ok ? 0 : 1);
}
