import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath, type OpenAPIObject } from '@nestjs/swagger';
import { ERROR_STATUS } from '../domain-error.js';
import { CODE_BY_STATUS } from '../domain-exception.filter.js';

/**
 * Every code an error answer can carry: the domain's, those the exception filter gives other HTTP
 * errors (its fallback for a status it does not know, and a 500), and the health checks'.
 */
const ERROR_CODES = [
  ...new Set([...Object.keys(ERROR_STATUS), ...Object.values(CODE_BY_STATUS), 'HTTP_ERROR', 'INTERNAL_ERROR', 'DATABASE_DOWN', 'NOT_READY']),
];

export class ErrorResponse {
  @ApiProperty({ example: 409 })
  statusCode: number;

  @ApiProperty({ example: 'EVENT_NOT_ALLOWED', enum: ERROR_CODES })
  code: string;

  @ApiProperty({ example: 'SHARE_DRAFT is not allowed in state proposal' })
  message: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { allowedEvents: ['SUBMIT_FOR_APPROVAL', 'WITHDRAW'] } })
  details?: Record<string, unknown>;
}

const MEANING: Record<number, string> = {
  400: 'VALIDATION_FAILED: the body, query or id is malformed, or has unknown fields',
  401: 'UNAUTHENTICATED: no valid bearer token, or the user is disabled',
  403: 'FORBIDDEN (role) or SEPARATION_OF_DUTIES (the submitter cannot decide)',
  404: 'NOT_FOUND',
  409: 'EVENT_NOT_ALLOWED (details.allowedEvents lists what is allowed now), CONFLICT, NO_AGREED_TEXT, TEXT_CHANGED (the agreed text changed after a partner link was issued), or IDEMPOTENCY_ANSWER_LOST (the request with this Idempotency-Key took effect, but the service stopped before its answer was kept: read the resource)',
  412: 'VERSION_MISMATCH: If-Match is stale (details.currentVersion)',
  413: 'PAYLOAD_TOO_LARGE: the body is larger than the service reads',
  415: 'UNSUPPORTED_MEDIA_TYPE: the body is in a charset or encoding the service does not read (JSON is UTF-8), or an upload is of a type not taken (an import is a CSV file or an Excel workbook)',
  422: 'GUARD_FAILED (details.rule names the rule), IDEMPOTENCY_CONFLICT, NO_TEXT (a document compared or read as text has none), TOO_MANY_CHANGES (two texts compared differ in more words than a comparison looks for), TEXT_TOO_LONG (a text compared is longer than a comparison reads), QUORUM_UNREACHABLE (a proposal asks for more approvals than the active approvers who may decide it), WRONG_DOCUMENT (an event names a document of another kind or partnership), UNREADABLE_FILE (an import that cannot be read, or has no header or no rows), TOO_MANY_ROWS (an import past its bound) or IMPORT_INVALID (an import with invalid rows: details lists each row and why; nothing was imported)',
  428: 'PRECONDITION_REQUIRED: If-Match is missing',
  429: 'TOO_MANY_REQUESTS',
};

/** Documents the error answers of a route in SPEC's one error shape. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: MEANING[status], type: ErrorResponse })));
}

/**
 * Documents what the body parser answers, before any route runs, to every operation that takes a
 * body: 413 and 415 (a malformed body is 400, which every such operation declares already).
 */
export function documentBodyErrors(document: OpenAPIObject): OpenAPIObject {
  const content = { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) } } };
  for (const path of Object.values(document.paths)) {
    for (const operation of [path.post, path.put, path.patch, path.delete]) {
      if (!operation?.requestBody) continue;
      for (const status of [413, 415]) operation.responses[status] ??= { description: MEANING[status], content };
    }
  }
  return document;
}
