import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DomainError } from '../common/domain-error.js';
import { UsersService, type AuthenticatedUser } from '../users/users.service.js';
import { AuthSettings } from './auth-settings.js';
import type { AccessTokenDto } from './dto/access-token.dto.js';
import { LoginThrottle } from './login-throttle.js';

interface TokenClaims {
  sub: string;
  /** The user's security stamp when the token was issued; a new password renews the stamp. */
  stamp: string;
}

/**
 * Sign-in and token checks. Token lifetimes run on the wall clock, not the injectable domain Clock:
 * moving business time (in tests, or to fire timers) must not sign people out or in.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly settings: AuthSettings,
    private readonly throttle: LoginThrottle,
  ) {}

  async login(username: string, password: string, client: string): Promise<AccessTokenDto> {
    await this.throttle.begin(client);
    const user = await this.users.verifyCredentials(username, password);
    if (!user) throw new DomainError('UNAUTHENTICATED', 'the username or password is wrong, or the account is disabled');
    await this.throttle.succeeded(client);
    const claims: TokenClaims = { sub: user.id, stamp: user.securityStamp };
    const accessToken = await this.jwt.signAsync(claims);
    return { accessToken, tokenType: 'Bearer', expiresIn: this.settings.expiresInSeconds };
  }

  /** The user an `Authorization: Bearer` header speaks for, as stored now; refuses anything else with 401. */
  async authenticate(authorization: string | undefined): Promise<AuthenticatedUser> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new DomainError('UNAUTHENTICATED', 'sign in first: this route needs Authorization: Bearer <token>');
    let claims: Partial<TokenClaims>;
    try {
      claims = await this.jwt.verifyAsync<Partial<TokenClaims>>(token);
    } catch {
      throw new DomainError('UNAUTHENTICATED', 'the token is invalid or has expired; sign in again');
    }
    const user = typeof claims.sub === 'string' ? await this.users.findForSession(claims.sub) : null;
    if (!user || !user.active || user.securityStamp !== claims.stamp) {
      throw new DomainError('UNAUTHENTICATED', 'the token is no longer valid; sign in again');
    }
    return { id: user.id, username: user.username, displayName: user.displayName, roles: user.roles };
  }
}
