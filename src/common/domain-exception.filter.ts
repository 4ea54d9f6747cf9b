import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { postgresCode } from '../database/write-queue.js';
import { DomainError, type ErrorCode } from './domain-error.js';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export const CODE_BY_STATUS: Record<number, ErrorCode | 'PAYLOAD_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'SERVICE_UNAVAILABLE'> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'VERSION_MISMATCH',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'VALIDATION_FAILED',
  428: 'PRECONDITION_REQUIRED',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Records a refused request in the audit log (RefusalAuditor.recordRequest, given by app.setup.ts). A
 * DomainError it throws (429 past the caller's write limit) is answered instead of the refusal.
 */
export type RefusalRecorder = (request: Request, error: DomainError) => Promise<void>;

/**
 * The one place errors become HTTP answers, all in SPEC's shape `{statusCode, code, message, details?}`.
 * Anything unexpected is a 500 that shows no internals; the details go to the log only.
 */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly recordRefusal?: RefusalRecorder) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const context = host.switchToHttp();
    const response = context.getResponse<Response>();
    const request = context.getRequest<Request>();
    let answered = exception;
    if (exception instanceof DomainError && this.recordRefusal) {
      try {
        await this.recordRefusal(request, exception);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'TOO_MANY_REQUESTS') answered = error;
        else this.logger.error(`could not audit a refusal: ${(error as Error).message}`);
      }
    }
    const body = this.toBody(answered, request);
    if (response.headersSent) return;
    const retryAfter = answered instanceof DomainError && answered.code === 'TOO_MANY_REQUESTS' ? answered.details?.retryAfterSeconds : undefined;
    if (typeof retryAfter === 'number' && retryAfter > 0) response.setHeader('Retry-After', String(retryAfter));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, request: Request): ErrorBody {
    if (exception instanceof DomainError) {
      return { statusCode: exception.status, code: exception.code, message: exception.message, ...(exception.details ? { details: exception.details } : {}) };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const payload = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : { message: raw };
      const messages = Array.isArray(payload.message) ? (payload.message as string[]) : undefined;
      return {
        statusCode: status,
        code: typeof payload.code === 'string' ? payload.code : (CODE_BY_STATUS[status] ?? 'HTTP_ERROR'),
        message: messages ? messages.join('; ') : typeof payload.message === 'string' ? payload.message : exception.message,
        ...(messages ? { details: { errors: messages } } : isRecord(payload.details) ? { details: payload.details } : {}),
      };
    }
    // PostgreSQL refuses some values a client can send (a NUL character, say) with a data exception, class 22.
    if (postgresCode(exception)?.startsWith('22')) {
      return { statusCode: 400, code: 'VALIDATION_FAILED', message: 'the request holds a value that cannot be stored or compared' };
    }
    // Errors raised by Express's body parser carry a client status (400 malformed JSON, 413 too large).
    const status = (exception as { status?: unknown; statusCode?: unknown })?.status ?? (exception as { statusCode?: unknown })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return {
        statusCode: status,
        code: CODE_BY_STATUS[status] ?? 'VALIDATION_FAILED',
        message: status === 413 ? 'the request body is too large' : 'the request body could not be read',
      };
    }
    this.logger.error(`unexpected error on ${request.method} ${request.url}: ${(exception as Error)?.stack ?? String(exception)}`);
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL_ERROR', message: 'something went wrong; the error was logged' };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
