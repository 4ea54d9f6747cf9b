import { type CanActivate, type ExecutionContext, Injectable, type NestMiddleware } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { doubleCsrf, type DoubleCsrfUtilities } from 'csrf-csrf';
import type { CookieOptions, NextFunction, Request, Response } from 'express';
import { hkdfSync } from 'node:crypto';
import { AuthSettings } from '../auth/auth-settings.js';
import { AuthService } from '../auth/auth.service.js';
import { DomainError } from '../common/domain-error.js';
import type { AuthenticatedUser } from '../users/users.service.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { isMultipart, MULTIPART_FORM, WebUploads, type MultipartFormSpec, type UploadingRequest } from './web-uploads.js';

export const SESSION_COOKIE = 'pe_session';
export const CSRF_COOKIE = 'pe_csrf';
export const CSRF_FIELD = '_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A page request; the session middleware fills `user` and `actor` when the session cookie is valid. */
export interface WebRequest extends Request {
  user?: AuthenticatedUser;
  actor?: Actor;
}

/** HttpOnly and SameSite=Strict; Secure whenever the request came over HTTPS (directly, or through a proxy TRUST_PROXY names). */
export function sessionCookieOptions(request: Request, maxAgeSeconds?: number): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.secure,
    path: '/',
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds * 1000 } : {}),
  };
}

/**
 * The session is the API's own signed token (AuthService.login) kept in a cookie, so pages and the
 * API share one sign-in, one secret and one check: a disabled user or changed roles apply at once.
 */
@Injectable()
export class WebSessionMiddleware implements NestMiddleware {
  constructor(private readonly auth: AuthService) {}

  async use(request: WebRequest, response: Response, next: NextFunction): Promise<void> {
    const token: unknown = request.cookies?.[SESSION_COOKIE];
    if (typeof token === 'string' && token !== '') {
      try {
        const user = await this.auth.authenticate(`Bearer ${token}`);
        request.user = user;
        request.actor = { id: user.id, roles: user.roles };
      } catch (error) {
        if (!(error instanceof DomainError)) return next(error);
        response.clearCookie(SESSION_COOKIE, sessionCookieOptions(request));
        // The CSRF token of this response must be bound to the session the browser will hold: none.
        delete request.cookies[SESSION_COOKIE];
      }
    }
    next();
  }
}

/** Pages without `@Roles()` still need someone signed in; the exception filter sends them to sign in. */
@Injectable()
export class SignedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (!context.switchToHttp().getRequest<WebRequest>().actor) throw new DomainError('UNAUTHENTICATED', 'sign in first');
    return true;
  }
}

/**
 * Double-submit CSRF tokens (csrf-csrf): an HttpOnly cookie and a hidden form field holding the same
 * HMAC, bound to the session cookie. The HMAC key is derived from the token-signing secret, so every
 * instance sharing JWT_SECRET accepts the others' forms.
 */
@Injectable()
export class WebCsrf {
  private readonly csrf: DoubleCsrfUtilities;

  constructor(settings: AuthSettings) {
    const key = Buffer.from(hkdfSync('sha256', settings.jwtSecret, '', 'partnership-engine web csrf', 32)).toString('hex');
    this.csrf = doubleCsrf({
      getSecret: () => key,
      getSessionIdentifier: (request) => String(request.cookies?.[SESSION_COOKIE] ?? ''),
      cookieName: CSRF_COOKIE,
      cookieOptions: { sameSite: 'strict', httpOnly: true, path: '/', secure: false },
      getCsrfTokenFromRequest: (request) => (request.body as Record<string, unknown> | undefined)?.[CSRF_FIELD] as string | undefined,
    });
  }

  /** The token for this page's forms; it sets (or keeps) the matching cookie. */
  token(request: Request, response: Response): string {
    return this.csrf.generateCsrfToken(request, response, { cookieOptions: sessionCookieOptions(request) });
  }

  isValid(request: Request): boolean {
    return this.csrf.validateRequest(request);
  }
}

const csrfRefusal = () => new DomainError('FORBIDDEN', 'this form was not issued by this site for your session', { rule: 'csrf' });

@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    private readonly csrf: WebCsrf,
    private readonly reflector: Reflector,
    private readonly uploads: WebUploads,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<UploadingRequest>();
    if (SAFE_METHODS.has(request.method)) return true;
    const multipart = this.reflector.get<MultipartFormSpec | undefined>(MULTIPART_FORM, context.getHandler());
    if (multipart && isMultipart(request)) {
      // The token is checked on the fields that precede the files, so a forged form's file is never kept.
      await this.uploads.read(request, multipart, (fields) => {
        request.body = fields;
        if (!this.csrf.isValid(request)) throw csrfRefusal();
      });
      const refusal = request.uploads?.refusal;
      if (refusal?.code === 'FORBIDDEN') throw refusal;
      return true;
    }
    if (this.csrf.isValid(request)) return true;
    throw csrfRefusal();
  }
}
