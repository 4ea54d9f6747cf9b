import type { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';

/** A state's title from the workflow's labels, a nested one after its parent's: "In force: Renewal due". */
export function stateTitle(registry: WorkflowRegistry, path: string, workflow: string): string {
  const parts = path.split('.');
  return parts.map((_, i) => registry.stateLabel(parts.slice(0, i + 1).join('.'), workflow).title).join(': ');
}

/** The title of the delay a timer's event (`xstate.after.<delay>.<machine>.<state>`) waits for: "Approval deadline". */
export function timerTitle(registry: WorkflowRegistry, event: string, workflow: string): string {
  return registry.delayLabel(event.split('.')[2] ?? event, workflow).title;
}
