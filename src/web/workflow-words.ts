import type { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';

/** The title of the delay a timer's event (`xstate.after.<delay>.<machine>.<state>`) waits for: "Approval deadline passes". */
export function timerTitle(registry: WorkflowRegistry, event: string, workflow: string): string {
  return registry.delayLabel(event.split('.')[2] ?? event, workflow).title;
}
