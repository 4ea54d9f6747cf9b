import { Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../common/domain-error.js';

export const MAX_FAILED_LOGINS = 5;
export const FAILED_LOGIN_WINDOW_SECONDS = 15 * 60;

/**
 * Counts failed sign-ins per client address: after MAX_FAILED_LOGINS in the window every attempt
 * from that address is refused, right password or not. Each attempt takes a point before the
 * password is checked, so parallel guesses cannot slip past the limit; a success gives it back.
 * The count lives in this process's memory.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new RateLimiterMemory({ keyPrefix: 'login-failures', points: MAX_FAILED_LOGINS, duration: FAILED_LOGIN_WINDOW_SECONDS });

  async begin(client: string): Promise<void> {
    try {
      await this.failures.consume(client);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new DomainError('TOO_MANY_REQUESTS', `too many failed sign-ins from this address; try again in ${retryAfterSeconds} seconds`, {
        retryAfterSeconds,
      });
    }
  }

  async succeeded(client: string): Promise<void> {
    await this.failures.reward(client, 1);
  }
}
