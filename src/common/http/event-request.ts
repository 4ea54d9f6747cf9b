import type { TransitionResult } from '../../workflow-engine/workflow.types.js';
import type { EventInput } from '../../workflow-engine/instance-runtime.service.js';
import type { Actor } from '../../workflow-engine/workflow.types.js';
import { validateEventData } from './event-data.dto.js';
import type { SendEventDto } from './send-event.dto.js';

/** The runtime's input for an event request to a partnership or an occurrence. */
export function eventInput(body: SendEventDto, actor: Actor, expectedVersion: number, requestId: string): EventInput {
  return { type: body.type, actor, comment: body.comment, data: validateEventData(body.type, body.data), expectedVersion, requestId };
}

/** What a `?dryRun=true` request answers: the step the event would take, and nothing written. */
export function dryRunView(type: string, result: TransitionResult) {
  return {
    dryRun: true,
    type,
    from: result.from,
    to: result.value,
    changed: result.changed,
    timers: { schedule: result.schedule, cancel: result.cancel },
    effects: result.effects.map((e) => e.type),
  };
}
