import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { LOGIN_WINDOW_SECONDS, throttledNetwork } from '../../auth/login-throttle.js';
import { Clock } from '../../common/clock.js';
import { DomainError } from '../../common/domain-error.js';
import { plainExecute, plainQuery } from '../../database/plain-query.js';

/**
 * Partner links opened with a token that matches no live link, allowed per address within the
 * sign-in window: a partner mistypes a link now and then, a client guessing tokens is stopped.
 */
export const PARTNER_LINK_MISSES = 20;

const TAKE = `INSERT INTO login_throttle (subject, attempts, window_ends_at) VALUES (?, 1, ?)
ON CONFLICT (subject) DO UPDATE SET attempts = login_throttle.attempts + 1
RETURNING attempts, window_ends_at`;
const GIVE_BACK = 'UPDATE login_throttle SET attempts = attempts - 1 WHERE subject = ? AND attempts > 0';
const FORGET_ENDED_WINDOW = 'DELETE FROM login_throttle WHERE subject = ? AND window_ends_at <= ?';

/**
 * Throttles the partner's routes like sign-in (LoginThrottle): in the login_throttle table, so
 * every instance counts the same misses, on the service's Clock. Each request takes a point from
 * its address before the token is looked up, so parallel guesses cannot slip past the limit, and a
 * token that opens a live link gives it back.
 */
@Injectable()
export class PartnerThrottle {
  constructor(@Inject(Clock) private readonly clock: Clock) {}

  /** Takes a point from the address, or refuses with 429 when its misses are spent; run in a write transaction. */
  async take(manager: EntityManager, address: string): Promise<void> {
    const now = this.clock.now();
    const subject = subjectOf(address);
    await plainExecute(manager, FORGET_ENDED_WINDOW, [subject, now.toISOString()]);
    const windowEndsAt = new Date(now.getTime() + LOGIN_WINDOW_SECONDS * 1000).toISOString();
    const [row] = await plainQuery<{ attempts: number | string; window_ends_at: string }>(manager, TAKE, [subject, windowEndsAt]);
    if (Number(row.attempts) <= PARTNER_LINK_MISSES) return;
    const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(row.window_ends_at) - now.getTime()) / 1000));
    throw new DomainError('TOO_MANY_REQUESTS', `too many unknown links opened from this address; try again in ${retryAfterSeconds} seconds`, {
      retryAfterSeconds,
    });
  }

  /** Gives back the point of a request whose token opened a live link. */
  async giveBack(manager: EntityManager, address: string): Promise<void> {
    await plainExecute(manager, GIVE_BACK, [subjectOf(address)]);
  }
}

function subjectOf(address: string): string {
  return `partner:${createHash('sha256').update(throttledNetwork(address)).digest('hex')}`;
}
