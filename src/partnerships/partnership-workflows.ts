import type { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import type { WorkflowDefinition } from '../workflow-engine/workflow.types.js';

/** The workflow a partnership runs unless its creator chooses another. */
export const PARTNERSHIP_WORKFLOW = 'partnership-mou';

/** The workflows a partnership may run, chosen at creation (`workflowId`). */
export const PARTNERSHIP_WORKFLOWS = [PARTNERSHIP_WORKFLOW, 'training-programme'] as const;

/** Every loaded version of every partnership workflow; one missing from the workflows directory is left out. */
export function partnershipDefinitions(registry: WorkflowRegistry): WorkflowDefinition[] {
  return PARTNERSHIP_WORKFLOWS.flatMap((id) => registry.versions(id).map((w) => w.definition));
}

/** The partnership workflows loaded, each at its latest version: what a new partnership may be started on. */
export function partnershipWorkflowChoices(registry: WorkflowRegistry): Array<{ id: string; title: string; description: string }> {
  return PARTNERSHIP_WORKFLOWS.flatMap((id) => {
    const versions = registry.versions(id);
    const latest = versions[versions.length - 1]?.definition;
    return latest ? [{ id, title: latest.title, description: latest.description }] : [];
  });
}

/** The states, dotted, that a fact of the definitions names in any partnership workflow, each once. */
export function partnershipStatesWhere(registry: WorkflowRegistry, fact: (definition: WorkflowDefinition) => string[]): string[] {
  return [...new Set(partnershipDefinitions(registry).flatMap(fact))];
}

/**
 * The stages of every partnership workflow's latest version, in their order, workflow by workflow,
 * a stage two workflows share listed once: the open ones (with the states a partnership rests in
 * inside each), then the final ones.
 */
export function partnershipStages(registry: WorkflowRegistry): { open: Array<{ key: string; states: string[] }>; final: string[] } {
  const open = new Map<string, Set<string>>();
  const final = new Set<string>();
  for (const id of PARTNERSHIP_WORKFLOWS) {
    const versions = registry.versions(id);
    const latest = versions[versions.length - 1]?.definition;
    if (!latest) continue;
    for (const [key, node] of Object.entries(latest.machine.states)) {
      if (node.type === 'final') final.add(key);
      else open.set(key, new Set([...(open.get(key) ?? []), ...leavesOf(key, node.states)]));
    }
  }
  return { open: [...open].map(([key, states]) => ({ key, states: [...states] })), final: [...final] };
}

/** The dotted paths of the states a partnership can rest in, inside `path`; each is listed by its exact value. */
function leavesOf(path: string, states: WorkflowDefinition['machine']['states'] | undefined): string[] {
  const children = Object.entries(states ?? {});
  return children.length === 0 ? [path] : children.flatMap(([key, child]) => leavesOf(`${path}.${key}`, child.states));
}
