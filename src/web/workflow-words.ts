import type { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';

/** The title of the delay a timer's event (`xstate.after.<delay>.<machine>.<state>`, the machine's id its workflow's) waits for: "Approval deadline passes". */
export function timerTitle(registry: WorkflowRegistry, event: string): string {
  const [, , delay, workflow] = event.split('.');
  return registry.delayLabel(delay ?? event, workflow).title;
}
