import type { Response } from 'express';
import type { TransitionResult } from '../../workflow-engine/workflow.types.js';
import type { EventInput, SendOutcome, WorkflowInstance } from '../../workflow-engine/instance-runtime.service.js';
import type { Actor } from '../../workflow-engine/workflow.types.js';
import { validateEventData } from './event-data.dto.js';
import { etagOf } from './if-match.js';
import type { DryRunQueryDto, SendEventDto } from './send-event.dto.js';

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

/** What a `POST …/events` route received: the event, `?dryRun`, If-Match, the caller, the request id and the response. */
export interface EventRequest {
  body: SendEventDto;
  query: DryRunQueryDto;
  version: number;
  actor: Actor;
  requestId: string;
  res: Response;
}

/** A service that runs events on one kind of workflow instance. */
export interface EventTarget<T extends WorkflowInstance> {
  send(id: string, input: EventInput): Promise<SendOutcome<T>>;
  dryRun(id: string, input: EventInput): Promise<SendOutcome<T>>;
}

/**
 * Answers an event request to instance `id`: with `?dryRun=true` what the event would do, else
 * `view` of the instance after it; either way with the instance's version as ETag.
 */
export async function answerEvent<T extends WorkflowInstance, V extends { version: number }>(
  target: EventTarget<T>,
  id: string,
  { body, query, version, actor, requestId, res }: EventRequest,
  view: (row: T) => V | Promise<V>,
) {
  const input = eventInput(body, actor, version, requestId);
  if (query.dryRun === 'true') {
    const { row, result } = await target.dryRun(id, input);
    res.setHeader('ETag', etagOf(row.version));
    return dryRunView(body.type, result);
  }
  const { row } = await target.send(id, input);
  const after = await view(row);
  res.setHeader('ETag', etagOf(after.version));
  return after;
}
