import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

export class ErrorResponse {
  @ApiProperty({ example: 409 })
  statusCode: number;

  @ApiProperty({
    example: 'EVENT_NOT_ALLOWED',
    enum: [
      'VALIDATION_FAILED',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'NOT_FOUND',
      'CONFLICT',
      'EVENT_NOT_ALLOWED',
      'GUARD_FAILED',
      'VERSION_MISMATCH',
      'PRECONDITION_REQUIRED',
      'IDEMPOTENCY_CONFLICT',
      'IDEMPOTENCY_ANSWER_LOST',
      'SEPARATION_OF_DUTIES',
      'TOO_MANY_REQUESTS',
      'PAYLOAD_TOO_LARGE',
      'INTERNAL_ERROR',
    ],
  })
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
  409: 'EVENT_NOT_ALLOWED (details.allowedEvents lists what is allowed now), CONFLICT, or IDEMPOTENCY_ANSWER_LOST (the request with this Idempotency-Key took effect, but the service stopped before its answer was kept: read the resource)',
  412: 'VERSION_MISMATCH: If-Match is stale (details.currentVersion)',
  422: 'GUARD_FAILED (details.rule names the rule) or IDEMPOTENCY_CONFLICT',
  428: 'PRECONDITION_REQUIRED: If-Match is missing',
  429: 'TOO_MANY_REQUESTS',
};

/** Documents the error answers of a route in SPEC's one error shape. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: MEANING[status], type: ErrorResponse })));
}
