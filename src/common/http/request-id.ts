import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';

const INCOMING = /^[A-Za-z0-9._:-]{1,80}$/;

/** Gives every request an id (the caller's `X-Request-Id` when it is sane), echoed back and kept in audit rows. */
export function requestIdMiddleware(request: Request, response: Response, next: NextFunction): void {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && INCOMING.test(incoming) ? incoming : randomUUID();
  (request as Request & { requestId: string }).requestId = id;
  response.setHeader('X-Request-Id', id);
  next();
}

export function requestIdOf(request: Request): string {
  return (request as Request & { requestId?: string }).requestId ?? randomUUID();
}

export const RequestId = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  requestIdOf(context.switchToHttp().getRequest<Request>()),
);
