import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError } from '../domain-error.js';

/** Reads `If-Match: "<version>"` (weak or strong, quoted or bare); missing is 428, unreadable is 400. */
export function parseIfMatch(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') {
    throw new DomainError('PRECONDITION_REQUIRED', 'this change needs If-Match with the version you read (the ETag of the resource)');
  }
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(value);
  if (!match) throw new DomainError('VALIDATION_FAILED', 'If-Match must be the ETag of the resource, e.g. "3"');
  return Number(match[1]);
}

/** How OpenAPI documents the ETag of an answer: the version of what it shows. */
export const ETAG_HEADER = { ETag: { description: 'The version to send back as If-Match', schema: { type: 'string', example: '"2"' } } };

/** Documents the If-Match header a change needs. */
export const ApiIfMatch = () => ApiHeader({ name: 'If-Match', required: true, description: 'The version you read, as its ETag: "3"' });

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The version named by the request's If-Match header. */
export const IfMatchVersion = createParamDecorator((_data: unknown, context: ExecutionContext): number =>
  parseIfMatch(context.switchToHttp().getRequest<Request>().headers['if-match']),
);
