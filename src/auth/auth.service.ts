import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { LRUCache } from 'lru-cache';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { WriteQueue } from '../database/write-queue.js';
import { USERNAME_PATTERN } from '../users/dto/create-user.dto.js';
import { UsersService, type AuthenticatedUser, type CredentialCheck, type SessionUser } from '../users/users.service.js';
import { ANONYMOUS_ACTOR } from '../workflow-engine/workflow.types.js';
import { AuthSettings } from './auth-settings.js';
import type { AccessTokenDto } from './dto/access-token.dto.js';
import { LoginThrottle, throttledNetwork, type LoginClient } from './login-throttle.js';

interface TokenClaims {
  sub: string;
  /** The session the token belongs to (a `user_sessions` row): it ends on sign-out and on a change to the user. */
  sid: string;
}

/** Who an identity provider says signed in (single sign-on): its issuer, its id for the person, and the address it vouches for. */
export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string;
}

/** Claims as verified: jsonwebtoken adds `iat` and `exp` (seconds since the epoch) when it signs. */
type VerifiedClaims = Partial<TokenClaims> & { exp?: number; nbf?: number };

/** How many verified tokens are remembered, the least recently used forgotten first. */
const VERIFIED_TOKENS = 10_000;

/** Who a failed sign-in is recorded as: nobody has signed in. */

/**
 * Sign-in and token checks. Token lifetimes run on the wall clock, not the injectable domain Clock:
 * moving business time (in tests, or to fire timers) must not sign people out or in.
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly settings: AuthSettings,
    private readonly throttle: LoginThrottle,
    private readonly queue: WriteQueue,
    private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Tokens whose signature has been checked, by their exact text. Checking an HS256 signature,
   * decoding and parsing a token was 5 % of an HTTP event's CPU profile; a token's text cannot
   * change, so of what verifying checks only the expiry depends on when it is asked, and that is
   * checked again on every use. What the token names is not cached: its session and user are
   * read on every request, in one statement (signed out, disabled, new roles, new password).
   */
  private readonly verified = new LRUCache<string, VerifiedClaims & { exp: number }>({ max: VERIFIED_TOKENS });

  async login(username: string, password: string, client: LoginClient): Promise<AccessTokenDto> {
    const name = nameForRecords(username);
    const who = name ?? 'a name that is no username';
    await this.takeAttempt(username, client, who);
    const check = await this.users.verifyCredentials(username, password);
    if (!check.user) {
      await this.recordFailure(username, client, check, { username: name }, who);
      throw new DomainError('UNAUTHENTICATED', 'the username or password is wrong, or the account is disabled');
    }
    return this.startSession(check.user, username, client);
  }

  /**
   * Single sign-on: signs in the active user whose address the identity provider vouched for,
   * counted by the same throttle as password sign-ins (per address and identity), its failures
   * audited the same way. A success is audited too (LOGIN), with the provider's name for the person,
   * which ties the session to an account outside the service.
   */
  async loginWithIdentity(identity: VerifiedIdentity, client: LoginClient): Promise<AccessTokenDto> {
    const email = identity.email.slice(0, 254);
    const attempt = `${identity.issuer} ${email.toLowerCase()}`;
    const who = `${email} (single sign-on)`;
    await this.takeAttempt(attempt, client, who);
    const check = await this.users.verifyEmail(email);
    const tried = { method: 'oidc', issuer: identity.issuer, email };
    if (!check.user) {
      await this.recordFailure(attempt, client, check, tried, who);
      throw new DomainError('UNAUTHENTICATED', `single sign-on as ${email} refused: ${check.reason}`, { rule: 'singleSignOn', reason: check.reason, email });
    }
    const user = check.user;
    return this.startSession(user, attempt, client, (manager, at) =>
      this.audit.append(manager, {
        occurredAt: at,
        actor: { id: user.id, roles: user.roles },
        action: 'LOGIN',
        entityType: 'user',
        entityId: user.id,
        outcome: 'ok',
        requestId: client.requestId,
        payload: { ...tried, subject: identity.subject.slice(0, 255), address: client.address.slice(0, 64) },
      }),
    );
  }

  /** Takes a sign-in attempt from the throttle, or refuses with 429 (logged, not audited: the throttle bounds the rows). */
  private async takeAttempt(attempt: string, client: LoginClient, who: string): Promise<void> {
    try {
      await this.queue.run((manager) => this.throttle.begin(manager, attempt, client));
    } catch (error) {
      if (error instanceof DomainError) this.logger.debug(`sign-in refused for ${who} from ${client.address}: ${error.message}`);
      throw error;
    }
  }

  /** A session for a user who has signed in, and its token; `record` adds to the session's transaction. */
  private async startSession(
    user: SessionUser,
    attempt: string,
    client: LoginClient,
    record?: (manager: EntityManager, at: string) => Promise<unknown>,
  ): Promise<AccessTokenDto> {
    const createdAt = new Date();
    const expiresAt = new Date(createdAt.getTime() + this.settings.expiresInSeconds * 1000);
    const sid = await this.queue.run(async (manager) => {
      await this.throttle.succeeded(manager, attempt, client);
      const id = await this.users.openSession(manager, user.id, { createdAt, expiresAt });
      await record?.(manager, this.clock.now().toISOString());
      return id;
    });
    const claims: TokenClaims = { sub: user.id, sid };
    // Issued at the row's time, rounded down to the second: the token expires no later than its row.
    const accessToken = await this.jwt.signAsync({ ...claims, iat: Math.floor(createdAt.getTime() / 1000) });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.settings.expiresInSeconds };
  }

  /**
   * A failed sign-in is audited (LOGIN_FAILED) and logged, and so is a lock it sets (LOGIN_LOCKED),
   * never with the password: `tried` is what the rows say was tried, `who` what the log says. The
   * address's limit bounds how many rows one client can add.
   */
  private async recordFailure(
    attempt: string,
    client: LoginClient,
    check: Extract<CredentialCheck, { user: null }>,
    tried: Record<string, unknown>,
    who: string,
  ): Promise<void> {
    const address = client.address.slice(0, 64);
    const lockouts = await this.queue.run(async (manager) => {
      const row = (action: string, entityType: string, entityId: string, payload: Record<string, unknown>) =>
        this.audit.append(manager, {
          occurredAt: this.clock.now().toISOString(),
          actor: ANONYMOUS_ACTOR,
          action,
          entityType,
          entityId,
          outcome: 'denied',
          requestId: client.requestId,
          payload,
        });
      await row('LOGIN_FAILED', 'user', check.userId ?? '-', { ...tried, address, reason: check.reason });
      const locks = await this.throttle.failed(manager, attempt, client);
      for (const lock of locks) {
        const [entityType, entityId] = lock.scope === 'account' ? ['user', check.userId ?? '-'] : ['address', throttledNetwork(address)];
        await row('LOGIN_LOCKED', entityType, entityId, { scope: lock.scope, ...tried, address, until: lock.until });
      }
      return locks;
    });
    this.logger.warn(`sign-in failed for ${who} from ${address}: ${check.reason}`);
    for (const lock of lockouts) {
      this.logger.warn(
        `sign-in locked for ${lock.scope === 'account' ? `the account ${who}` : `the address ${throttledNetwork(address)}`} until ${lock.until}`,
      );
    }
  }

  /** Ends the session of the token in an `Authorization: Bearer` header; a token that names none (invalid, expired, ended) ends nothing. */
  async logout(authorization: string | undefined): Promise<void> {
    const token = bearerToken(authorization);
    if (!token) return;
    const claims = await this.claimsOf(token).catch((error: unknown) => {
      if (error instanceof DomainError) return null;
      throw error;
    });
    if (typeof claims?.sub === 'string' && typeof claims.sid === 'string') await this.users.endSession(claims.sub, claims.sid);
    this.verified.delete(token);
  }

  /** The user an `Authorization: Bearer` header speaks for, as stored now; refuses anything else with 401. */
  async authenticate(authorization: string | undefined): Promise<AuthenticatedUser> {
    const token = bearerToken(authorization);
    if (!token) throw new DomainError('UNAUTHENTICATED', 'sign in first: this route needs Authorization: Bearer <token>');
    const claims = await this.claimsOf(token);
    const user = typeof claims.sub === 'string' && typeof claims.sid === 'string' ? await this.users.findForSession(claims.sub, claims.sid) : null;
    if (!user || !user.active) {
      throw new DomainError('UNAUTHENTICATED', 'the token is no longer valid; sign in again');
    }
    return { id: user.id, username: user.username, displayName: user.displayName, roles: user.roles };
  }

  private async claimsOf(token: string): Promise<VerifiedClaims> {
    const known = this.verified.get(token);
    // jsonwebtoken's rule: a token has expired once the current whole second reaches `exp`.
    if (known && Math.floor(Date.now() / 1000) < known.exp) return known;
    let claims: VerifiedClaims;
    try {
      claims = await this.jwt.verifyAsync<VerifiedClaims>(token);
    } catch {
      this.verified.delete(token);
      throw new DomainError('UNAUTHENTICATED', 'the token is invalid or has expired; sign in again');
    }
    // Only tokens whose validity is a matter of expiry alone: one with `nbf` (this service never sets it) is checked each time.
    if (typeof claims.exp === 'number' && claims.nbf === undefined) this.verified.set(token, { ...claims, exp: claims.exp });
    return claims;
  }
}

function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/**
 * The name a sign-in was tried with, for audit rows and logs: only when it could be a username, so no stray text (a password typed in the wrong field) is
 * kept.
 */
function nameForRecords(username: string): string | null {
  const name = username.trim().toLowerCase();
  return USERNAME_PATTERN.test(name) ? name : null;
}
