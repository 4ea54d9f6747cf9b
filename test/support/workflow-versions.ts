import { readdirSync } from 'node:fs';
import { WorkflowRegistry, type RegisteredWorkflow } from '../../src/workflow-engine/workflow-registry.js';

/** The definitions directory the tests read, as the service does: WORKFLOWS_DIR when set, else workflows/. */
export function workflowsDir(): string {
  return process.env.WORKFLOWS_DIR ?? 'workflows';
}

/** The version files of a definitions directory, found by file name, not from a list. */
export function versionFiles(dir = workflowsDir()): string[] {
  return readdirSync(dir)
    .filter((file) => /\.v[1-9][0-9]*\.json$/.test(file))
    .sort();
}

/** Every workflow version of a definitions directory, loaded and checked as start-up loads them. */
export function workflowVersions(dir = workflowsDir()): RegisteredWorkflow[] {
  return WorkflowRegistry.loadDirectory(dir).all();
}
