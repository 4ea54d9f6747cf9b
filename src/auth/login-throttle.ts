import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import ipaddr from 'ipaddr.js';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { requestIdOf } from '../common/http/request-id.js';
import { plainExecute, plainQuery } from '../database/plain-query.js';

/**
 * Failed sign-ins allowed within a window, per account and per address. An account's limit is
 * low: it stops guessing one password. An address's is ten times higher, so that a locked account
 * locks nobody else behind the same address (a proxy, an office), while it still bounds what one
 * client can try across accounts, and so how many LOGIN_FAILED rows it can add to the audit chain.
 */
export const LOGIN_LIMITS = { account: 5, address: 50 } as const;
export const LOGIN_WINDOW_SECONDS = 15 * 60;

export type ThrottleScope = keyof typeof LOGIN_LIMITS;

/** Where a sign-in comes from: the address Express gives (see TRUST_PROXY) and the request id, for the audit row. */
export interface LoginClient {
  address: string;
  requestId: string;
}

export function loginClientOf(request: Request): LoginClient {
  return { address: request.ip ?? request.socket.remoteAddress ?? 'unknown', requestId: requestIdOf(request) };
}

/** A lock that a failed sign-in has just set: until the window ends, the account or address is refused. */
export interface Lockout {
  scope: ThrottleScope;
  until: string;
}

/**
 * The addresses one client is counted as: an IPv4 address (IPv4-mapped IPv6 included) on its own,
 * an IPv6 address with its /64, which one subscriber holds whole and could otherwise step through
 * to reset the count at every guess.
 */
export function throttledNetwork(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${(parsed as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}

interface Subjects {
  account: string;
  address: string;
}

/** Takes an attempt from both allowances; the window of each starts at its first attempt. */
const TAKE = `INSERT INTO login_throttle (subject, attempts, window_ends_at) VALUES (?, 1, ?), (?, 1, ?)
ON CONFLICT (subject) DO UPDATE SET attempts = login_throttle.attempts + 1
RETURNING subject, attempts, window_ends_at`;
const GIVE_BACK = 'UPDATE login_throttle SET attempts = attempts - 1, locked_at = NULL WHERE subject IN (?, ?) AND attempts > 0';
const LOCK = `UPDATE login_throttle SET locked_at = ? WHERE locked_at IS NULL AND ((subject = ? AND attempts >= ?) OR (subject = ? AND attempts >= ?))
RETURNING subject, window_ends_at`;
const FORGET_ENDED_WINDOWS = 'DELETE FROM login_throttle WHERE window_ends_at <= ?';

/**
 * Counts sign-in attempts per account and per address, in the database, so that instances serving
 * one database count together. Each attempt takes a point from both before the password is
 * checked, so parallel guesses cannot slip past a limit; a success gives them back. An account or
 * address that has used up its limit is refused (429), right password or not, until its window ends.
 *
 * Not rate-limiter-flexible's database stores: they write on a connection of their own, which on
 * SQLite is the one TypeORM shares, in the middle of whatever transaction the write queue has open;
 * and they read Date.now(). These statements run in the write queue's transactions and the window
 * runs on the service's Clock, so tests move time instead of waiting.
 */
@Injectable()
export class LoginThrottle {
  constructor(@Inject(Clock) private readonly clock: Clock) {}

  /** Takes an attempt for this account and address, or refuses with 429 when either has none left; run in a write transaction. */
  async begin(manager: EntityManager, username: string, client: LoginClient): Promise<void> {
    const now = this.clock.now();
    await plainExecute(manager, FORGET_ENDED_WINDOWS, [now.toISOString()]);
    const windowEndsAt = new Date(now.getTime() + LOGIN_WINDOW_SECONDS * 1000).toISOString();
    const subjects = subjectsOf(username, client);
    const rows = await plainQuery<{ subject: string; attempts: number | string; window_ends_at: string }>(manager, TAKE, [
      subjects.account,
      windowEndsAt,
      subjects.address,
      windowEndsAt,
    ]);
    const spent = rows
      .map((row) => ({ scope: scopeOf(row.subject, subjects), attempts: Number(row.attempts), until: row.window_ends_at }))
      .filter((row) => row.attempts > LOGIN_LIMITS[row.scope]);
    if (spent.length === 0) return;
    const until = Math.max(...spent.map((row) => Date.parse(row.until)));
    const retryAfterSeconds = Math.max(1, Math.ceil((until - now.getTime()) / 1000));
    const scope = spent.some((row) => row.scope === 'account') ? 'account' : 'address';
    // Thrown inside the transaction, so this refused attempt takes nothing.
    throw new DomainError(
      'TOO_MANY_REQUESTS',
      `too many failed sign-ins ${scope === 'account' ? 'for this account' : 'from this address'}; try again in ${retryAfterSeconds} seconds`,
      {
        retryAfterSeconds,
        scope,
      },
    );
  }

  /** Gives back the attempt of a sign-in that succeeded. */
  async succeeded(manager: EntityManager, username: string, client: LoginClient): Promise<void> {
    const subjects = subjectsOf(username, client);
    await plainExecute(manager, GIVE_BACK, [subjects.account, subjects.address]);
  }

  /** After a failed sign-in: the locks it has just set (the account's, the address's), each reported once. */
  async failed(manager: EntityManager, username: string, client: LoginClient): Promise<Lockout[]> {
    const subjects = subjectsOf(username, client);
    const rows = await plainQuery<{ subject: string; window_ends_at: string }>(manager, LOCK, [
      this.clock.now().toISOString(),
      subjects.account,
      LOGIN_LIMITS.account,
      subjects.address,
      LOGIN_LIMITS.address,
    ]);
    return rows.map((row) => ({ scope: scopeOf(row.subject, subjects), until: row.window_ends_at }));
  }
}

/** Hashed: whatever a client sends as a username fits the column and can be stored on either database. */
function subjectsOf(username: string, client: LoginClient): Subjects {
  const digest = (text: string) => createHash('sha256').update(text).digest('hex');
  return { account: `account:${digest(username.trim().toLowerCase())}`, address: `address:${digest(throttledNetwork(client.address))}` };
}

function scopeOf(subject: string, subjects: Subjects): ThrottleScope {
  return subject === subjects.account ? 'account' : 'address';
}
