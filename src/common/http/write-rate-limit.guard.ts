import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppConfig } from '../../config/app.config.js';
import { DomainError } from '../domain-error.js';

/**
 * One per-user budget of writes a minute (RATE_LIMIT_WRITES_PER_MINUTE), shared by every route
 * that changes something and by every refused attempt (SPEC: refusals count against it, so no one
 * floods the audit chain with them). One instance for the whole app, whichever module asks.
 * rate-limiter-flexible rather than @nestjs/throttler: the latter is CommonJS and requires
 * @nestjs/common, which NestJS 12 ships as ES modules only, so Jest cannot load it.
 */
@Injectable()
export class WriteRateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(config: ConfigService) {
    this.limiter = new RateLimiterMemory({ keyPrefix: 'writes', points: config.getOrThrow<AppConfig>('app').rateLimitWritesPerMinute, duration: 60 });
  }

  /** Takes one point of `key`'s minute; once they are spent, 429 TOO_MANY_REQUESTS saying when to try again. */
  async take(key: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new DomainError('TOO_MANY_REQUESTS', `too many changes or refused attempts in a minute; try again in ${retryAfterSeconds} seconds`, {
        retryAfterSeconds,
      });
    }
  }
}

/** Limits state-changing requests per signed-in user (per address before sign-in), 429 past the limit. */
@Injectable()
export class WriteRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: WriteRateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { actor?: { id: string } }>();
    await this.limiter.take(request.actor?.id ?? request.ip ?? 'unknown');
    return true;
  }
}
