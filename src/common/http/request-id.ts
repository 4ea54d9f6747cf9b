import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** SPEC: a client's request id is kept only as a plain token; anything else (a formula, a path, a long text) is replaced. */
const INCOMING = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is a plain token), echoed back and
 * kept in audit rows. Read it with `requestIdOf` or `@RequestId()`, never from the header.
 */
export function requestIdMiddleware(request: Request, response: Response, next: NextFunction): void {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && INCOMING.test(incoming) ? incoming : randomUUID();
  (request as Request & { requestId: string }).requestId = id;
  response.setHeader('X-Request-Id', id);
  next();
}

export function requestIdOf(request: IncomingMessage): string {
  return (request as IncomingMessage & { requestId?: string }).requestId ?? randomUUID();
}

export const RequestId = createParamDecorator((_data: unknown, context: ExecutionContext): string => requestIdOf(context.switchToHttp().getRequest<Request>()));
