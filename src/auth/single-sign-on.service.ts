import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { hkdfSync } from 'node:crypto';
import * as oidc from 'openid-client';
import { DomainError } from '../common/domain-error.js';
import type { AppConfig, SingleSignOnConfig } from '../config/app.config.js';
import { AuthSettings } from './auth-settings.js';
import { AuthService } from './auth.service.js';
import type { AccessTokenDto } from './dto/access-token.dto.js';
import type { LoginClient } from './login-throttle.js';

/** What the browser keeps between leaving for the provider and coming back: the flow's checks, and where to go after. */
interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

/** How long a sign-in at the provider may take. */
export const FLOW_SECONDS = 600;
const FLOW_AUDIENCE = 'single-sign-on';

/** Why single sign-on did not sign someone in, for the page to say (refusal-words.ts) and the log. */
function refused(reason: string, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError('UNAUTHENTICATED', message, { rule: 'singleSignOn', reason, ...details });
}

/**
 * Sign-in with an OpenID Connect provider (OIDC_ISSUER), authorization code with PKCE, through
 * openid-client. The state, nonce and PKCE verifier travel in a short-lived token signed with a key
 * derived from the token-signing secret, which the web pages keep in a cookie; nothing is kept
 * here between the two requests, so any instance can finish a sign-in another began. The
 * provider's `email` claim must be an active user's address; the session is the one a password
 * sign-in opens (AuthService).
 */
@Injectable()
export class SingleSignOnService {
  private readonly logger = new Logger('SingleSignOn');
  private readonly settings?: SingleSignOnConfig;
  private readonly publicUrl: string;
  private readonly flowKey: string;
  /** The provider's metadata, read once it is first needed and again after a failure. */
  private provider?: Promise<oidc.Configuration>;

  constructor(
    config: ConfigService,
    auth: AuthSettings,
    private readonly jwt: JwtService,
    private readonly sessions: AuthService,
  ) {
    const app = config.getOrThrow<AppConfig>('app');
    this.settings = app.singleSignOn;
    this.publicUrl = app.publicUrl;
    this.flowKey = Buffer.from(hkdfSync('sha256', auth.jwtSecret, '', 'partnership-engine single sign-on flow', 32)).toString('hex');
  }

  /** The provider's name on the sign-in page, or undefined when single sign-on is not set up. */
  get providerName(): string | undefined {
    return this.settings?.name;
  }

  /**
   * Where to send the browser to sign in, and the flow to keep until it comes back to `callbackPath`
   * (a path of this site, resolved against PUBLIC_URL: the address registered with the provider).
   */
  async begin(callbackPath: string, next: string): Promise<{ url: string; flow: string }> {
    const config = await this.configuration();
    const flow: Flow = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier(), next };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: new URL(callbackPath, this.publicUrl).href,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { url: url.href, flow: await this.jwt.signAsync({ ...flow }, { secret: this.flowKey, expiresIn: FLOW_SECONDS, audience: FLOW_AUDIENCE }) };
  }

  /**
   * Finishes a sign-in the provider sent back to `callback` (the path and query it came back to):
   * checks the answer against the flow, exchanges the code, and signs in the user the ID token's
   * email names. Refusals are UNAUTHENTICATED with `details.reason`.
   */
  async complete(callback: string, token: string | undefined, client: LoginClient): Promise<AccessTokenDto & { next: string }> {
    const flow = await this.flowOf(token);
    const config = await this.configuration();
    let claims: Pick<oidc.UserInfoResponse, 'sub' | 'email' | 'email_verified'>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, new URL(callback, this.publicUrl), {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new Error('the token response holds no ID token');
      // Many providers put the address in the ID token; the others answer it at the userinfo endpoint, for the same subject.
      claims = typeof idToken.email === 'string' ? idToken : await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
    } catch (error) {
      const said =
        error instanceof oidc.AuthorizationResponseError
          ? `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`
          : (error as Error).message;
      this.logger.warn(`single sign-on from ${client.address} did not finish: ${said}`);
      throw refused('providerRefused', `the provider did not sign you in (${said})`, { provider: this.providerName });
    }
    const email = claims.email;
    if (typeof email !== 'string' || email === '') throw refused('noEmail', 'the provider gave no email address', { provider: this.providerName });
    // A provider that says the address is unverified has not vouched for it; one that says nothing is trusted as configured.
    if (claims.email_verified === false) throw refused('unverifiedEmail', `the provider has not verified ${email}`, { provider: this.providerName, email });
    const session = await this.sessions.loginWithIdentity({ issuer: config.serverMetadata().issuer, subject: claims.sub, email }, client);
    return { ...session, next: flow.next };
  }

  private async flowOf(token: string | undefined): Promise<Flow> {
    try {
      if (!token) throw new Error('no flow');
      return await this.jwt.verifyAsync<Flow>(token, { secret: this.flowKey, audience: FLOW_AUDIENCE });
    } catch {
      throw refused('expired', 'the sign-in took too long, or began in another browser');
    }
  }

  private configuration(): Promise<oidc.Configuration> {
    const settings = this.settings;
    if (!settings) throw new DomainError('NOT_FOUND', 'single sign-on is not set up here');
    this.provider ??= oidc
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        settings.clientSecret,
        undefined,
        // A provider on plain http is for a test or a machine of one's own: openid-client refuses it unless told.
        new URL(settings.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((error: Error) => {
        this.provider = undefined;
        this.logger.error(`cannot read the OpenID Connect provider ${settings.issuer}: ${error.message}`);
        throw refused('unavailable', `${settings.name} cannot be reached now`, { provider: settings.name });
      });
    return this.provider;
  }
}
