import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../common/domain-error.js';
import type { Role } from '../users/roles.js';
import { ROLES_KEY, type AuthenticatedRequest } from './auth.decorators.js';

/** Enforces `@Roles(...)`: the caller needs any one of the listed roles. Runs after AuthGuard. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const requiredRoles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!requiredRoles?.length) return true;
    const actor = context.switchToHttp().getRequest<Partial<AuthenticatedRequest>>().actor;
    if (!actor) throw new DomainError('UNAUTHENTICATED', 'sign in first');
    if (!requiredRoles.some((role) => actor.roles.includes(role))) {
      throw new DomainError('FORBIDDEN', `this needs one of the roles: ${requiredRoles.join(', ')}`, { requiredRoles });
    }
    return true;
  }
}
