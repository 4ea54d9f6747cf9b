import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../domain-error.js';

export const WRITES_PER_MINUTE = Number(process.env.RATE_LIMIT_WRITES_PER_MINUTE ?? 600);

/**
 * Limits state-changing requests per signed-in user (per address before sign-in), 429 past the
 * limit. rate-limiter-flexible rather than @nestjs/throttler: the latter is CommonJS and requires
 * @nestjs/common, which NestJS 12 ships as ES modules only, so Jest cannot load it.
 */
@Injectable()
export class WriteRateLimitGuard implements CanActivate {
  private readonly limiter = new RateLimiterMemory({ keyPrefix: 'writes', points: WRITES_PER_MINUTE, duration: 60 });

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { actor?: { id: string } }>();
    const key = request.actor?.id ?? request.ip ?? 'unknown';
    try {
      await this.limiter.consume(key);
      return true;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new DomainError('TOO_MANY_REQUESTS', `too many changes in a minute; try again in ${retryAfterSeconds} seconds`, { retryAfterSeconds });
    }
  }
}
