import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '../users/roles.js';
import type { AuthenticatedUser } from '../users/users.service.js';
import type { Actor } from '../workflow-engine/workflow.types.js';

export const IS_PUBLIC_KEY = 'auth:public';
export const ROLES_KEY = 'auth:roles';

/** What the authentication guard puts on a request it lets through. */
export interface AuthenticatedRequest extends Request {
  actor: Actor;
  user: AuthenticatedUser;
}

/** The route (or every route of the controller) answers without a token. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Only users holding at least one of these roles may call the route; others get 403 FORBIDDEN. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);

/** The caller as the workflow engine and the audit log know them: `{id, roles}`. */
export const CurrentActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Actor => context.switchToHttp().getRequest<AuthenticatedRequest>().actor,
);

/** The caller with username and display name, as loaded for this request. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser => context.switchToHttp().getRequest<AuthenticatedRequest>().user,
);
