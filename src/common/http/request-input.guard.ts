import { type CanActivate, type ExecutionContext, Injectable, ParseUUIDPipe } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { isUUID } from 'class-validator';
import type { Request } from 'express';
import { DomainError } from '../domain-error.js';
import { inputProblem } from './request-input.js';

interface RouteArgument {
  data?: unknown;
  pipes?: unknown[];
}

/**
 * The first check of every request, API and pages alike, before authentication, roles, CSRF, rate
 * limits and pipes: route parameters that the route reads through ParseUUIDPipe must be UUIDs, and
 * parameters, query and body must be text a database keeps, within INPUT_LIMITS, without
 * prototype keys. Refused with 400 VALIDATION_FAILED, so no later refusal can record a malformed id,
 * and no validator works on input built to be expensive.
 */
@Injectable()
export class RequestInputGuard implements CanActivate {
  /** Per route handler, the names of its parameters declared as UUIDs. */
  private readonly uuidParams = new WeakMap<object, string[]>();

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const params = (request.params ?? {}) as Record<string, unknown>;
    const badIds = this.uuidParamsOf(context).filter((name) => !isUUID(params[name]));
    if (badIds.length > 0) {
      const errors = badIds.map((name) => `${name} must be a UUID`);
      throw new DomainError('VALIDATION_FAILED', errors.join('; '), { errors, parameters: badIds });
    }
    const errors = [inputProblem(params), inputProblem(request.query), inputProblem(request.body)].filter((problem) => problem !== undefined);
    if (errors.length > 0) throw new DomainError('VALIDATION_FAILED', errors.join('; '), { errors });
    return true;
  }

  private uuidParamsOf(context: ExecutionContext): string[] {
    const handler = context.getHandler();
    let names = this.uuidParams.get(handler);
    if (!names) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<string, RouteArgument>;
      names = Object.entries(args)
        .filter(([key, arg]) => key.startsWith(`${RouteParamtypes.PARAM}:`) && typeof arg.data === 'string')
        .filter(([, arg]) => (arg.pipes ?? []).some((pipe) => pipe === ParseUUIDPipe || pipe instanceof ParseUUIDPipe))
        .map(([, arg]) => arg.data as string);
      this.uuidParams.set(handler, names);
    }
    return names;
  }
}
