import { applyDecorators, HttpCode, UseGuards, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiHeader, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import type { TransitionResult } from '../../workflow-engine/workflow.types.js';
import type { EventInput, SendOutcome, WorkflowInstance } from '../../workflow-engine/instance-runtime.service.js';
import type { Actor } from '../../workflow-engine/workflow.types.js';
import { validateEventData } from './event-data.dto.js';
import { ApiErrors } from './api-errors.js';
import { DryRunResponse, MinimalEventResponse } from './event-response.dto.js';
import { ApiIfMatch, ETAG_HEADER, etagOf } from './if-match.js';
import { WriteRateLimitGuard } from './write-rate-limit.guard.js';
import type { DryRunQueryDto, SendEventDto } from './send-event.dto.js';

/** A `POST …/events` route of one kind of instance (`subject`, answered as `view`): its rate limit, headers, answers and refusals. */
export function EventRoute(subject: string, view: Type) {
  return applyDecorators(
    HttpCode(200),
    UseGuards(WriteRateLimitGuard),
    ApiExtraModels(view, DryRunResponse, MinimalEventResponse),
    ApiOkResponse({
      description: `The ${subject} after the event; with ?dryRun=true, what the event would do.`,
      headers: ETAG_HEADER,
      // anyOf, not oneOf: the objects are open, so the whole view also matches MinimalEventResponse's three fields.
      schema: { anyOf: [{ $ref: getSchemaPath(view) }, { $ref: getSchemaPath(DryRunResponse) }, { $ref: getSchemaPath(MinimalEventResponse) }] },
    }),
    ApiIfMatch(),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Retry-safe key (1-200 of A-Z a-z 0-9 . _ : -): the same key and body replays the first answer',
    }),
    ApiHeader({
      name: 'Prefer',
      required: false,
      description: 'return=minimal: answer only id, state and version (and Preference-Applied: return=minimal), not the whole view',
    }),
    ApiErrors(400, 401, 403, 404, 409, 412, 422, 428, 429),
  );
}

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

/** What a `POST …/events` route received: the event, `?dryRun`, If-Match, the caller, the request id, `Prefer` and the response. */
export interface EventRequest {
  body: SendEventDto;
  query: DryRunQueryDto;
  version: number;
  actor: Actor;
  requestId: string;
  prefer: string | string[] | undefined;
  res: Response;
}

/**
 * Whether a `Prefer` header (RFC 7240) asks for `return=minimal`: preferences are separated by
 * commas, their parameters by semicolons, names and these values are case-insensitive, a value
 * may be quoted, and of several `return` preferences the first counts.
 */
export function prefersMinimal(prefer: string | string[] | undefined): boolean {
  const headers = Array.isArray(prefer) ? prefer : prefer === undefined ? [] : [prefer];
  for (const preference of headers.flatMap((header) => header.split(','))) {
    const [name, value = ''] = preference
      .split(';')[0]
      .split('=', 2)
      .map((part) => part.trim());
    if (name.toLowerCase() === 'return') return value.replace(/^"(.*)"$/, '$1').toLowerCase() === 'minimal';
  }
  return false;
}

/** A service that runs events on one kind of workflow instance. */
export interface EventTarget<T extends WorkflowInstance> {
  send(id: string, input: EventInput): Promise<SendOutcome<T>>;
  dryRun(id: string, input: EventInput): Promise<SendOutcome<T>>;
}

/**
 * Answers an event request to instance `id`: with `?dryRun=true` what the event would do; with
 * `Prefer: return=minimal` the instance's id, state and version after it (and
 * `Preference-Applied`), without building its view; else `view` of the instance after it. Always
 * with the instance's version as ETag.
 */
export async function answerEvent<T extends WorkflowInstance, V>(
  target: EventTarget<T>,
  id: string,
  { body, query, version, actor, requestId, prefer, res }: EventRequest,
  view: (row: T) => V | Promise<V>,
) {
  const input = eventInput(body, actor, version, requestId);
  if (query.dryRun === 'true') {
    const { row, result } = await target.dryRun(id, input);
    res.setHeader('ETag', etagOf(row.version));
    return dryRunView(body.type, result);
  }
  const { row } = await target.send(id, input);
  res.setHeader('ETag', etagOf(row.version));
  if (prefersMinimal(prefer)) {
    res.setHeader('Preference-Applied', 'return=minimal');
    return { id: row.id, state: row.state, version: row.version };
  }
  return view(row);
}
