/** Stable error codes of the API (SPEC, "Errors"). The exception filter maps each to an HTTP status. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SEPARATION_OF_DUTIES: 403,
  NOT_FOUND: 404,
  EVENT_NOT_ALLOWED: 409,
  CONFLICT: 409,
  IDEMPOTENCY_ANSWER_LOST: 409,
  NO_AGREED_TEXT: 409,
  TEXT_CHANGED: 409,
  VERSION_MISMATCH: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  GUARD_FAILED: 422,
  NO_TEXT: 422,
  TOO_MANY_CHANGES: 422,
  TEXT_TOO_LONG: 422,
  QUORUM_UNREACHABLE: 422,
  WRONG_DOCUMENT: 422,
  UNREADABLE_FILE: 422,
  TOO_MANY_ROWS: 422,
  IMPORT_INVALID: 422,
  IDEMPOTENCY_CONFLICT: 422,
  PRECONDITION_REQUIRED: 428,
  TOO_MANY_REQUESTS: 429,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Thrown by domain code; never an HttpException, so services stay free of HTTP. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
