import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, type AuthenticatedRequest } from './auth.decorators.js';
import { AuthService } from './auth.service.js';

/**
 * Every route needs a valid bearer token unless marked `@Public()`. The user is loaded from the
 * database on each request, so disabling a user or changing their roles takes effect at once.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const user = await this.auth.authenticate(request.headers.authorization);
    request.user = user;
    request.actor = { id: user.id, roles: user.roles };
    return true;
  }
}
