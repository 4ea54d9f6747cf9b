import { Body, Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { CookieOptions, Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { AuthService } from '../auth/auth.service.js';
import { FLOW_SECONDS, SingleSignOnService } from '../auth/single-sign-on.service.js';
import { loginClientOf } from '../auth/login-throttle.js';
import { DomainError } from '../common/domain-error.js';
import { NoStore } from '../common/http/no-store.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, type FormBody } from './web-forms.js';
import type { Refusal } from './refusal-words.js';
import { safeLocalPath, SIGN_IN_PATH, SSO_CALLBACK_PATH, SSO_PATH } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { CSRF_COOKIE, CsrfGuard, SESSION_COOKIE, sessionCookieOptions, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

/** The single sign-on flow's cookie: sent on the provider's redirect back (SameSite=Lax), to the sign-on paths only, while a sign-in there may last. */
const SSO_COOKIE = 'pe_sso';

function ssoCookieOptions(request: WebRequest): CookieOptions {
  return { ...sessionCookieOptions(request, FLOW_SECONDS), sameSite: 'lax', path: SSO_PATH };
}

/** Pages sign in with the session cookie, not a bearer token, hence `@Public()` for the API's guard. */
@ApiExcludeController()
@Public()
@UseGuards(CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui')
export class SessionController {
  constructor(
    private readonly auth: AuthService,
    private readonly singleSignOn: SingleSignOnService,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get('sign-in')
  @NoStore()
  async signInPage(@Req() request: WebRequest, @Res() response: Response, @Query('next') next?: string): Promise<void> {
    if (request.user) return response.redirect(303, safeLocalPath(next));
    await this.signInForm(request, response, { next: safeLocalPath(next) });
  }

  @Post('sign-in')
  @NoStore()
  async signIn(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const username = field(body, 'username') ?? '';
    const next = safeLocalPath(field(body, 'next'));
    try {
      const { accessToken, expiresIn } = await this.auth.login(username, field(body, 'password') ?? '', loginClientOf(request));
      response.cookie(SESSION_COOKIE, accessToken, sessionCookieOptions(request, expiresIn));
      response.redirect(303, next);
    } catch (error) {
      await this.refuse(error, request, response, { next, username });
    }
  }

  /** Leaves for the identity provider, keeping the flow's checks in a cookie until it sends the browser back. */
  @Get('sign-in/sso')
  @NoStore()
  async startSingleSignOn(@Req() request: WebRequest, @Res() response: Response, @Query('next') next?: string): Promise<void> {
    try {
      const { url, flow } = await this.singleSignOn.begin(SSO_CALLBACK_PATH, safeLocalPath(next));
      response.cookie(SSO_COOKIE, flow, ssoCookieOptions(request));
      response.redirect(303, url);
    } catch (error) {
      await this.refuse(error, request, response, { next: safeLocalPath(next) });
    }
  }

  /**
   * Where the provider sends the browser back. The session cookie is SameSite=Strict, which a
   * browser does not send on a navigation a cross-site redirect began, so the way on is a page of
   * this site that moves on by itself, not a redirect.
   */
  @Get('sign-in/sso/callback')
  @NoStore()
  async finishSingleSignOn(@Req() request: WebRequest, @Res() response: Response): Promise<void> {
    response.clearCookie(SSO_COOKIE, ssoCookieOptions(request));
    const flow: unknown = request.cookies?.[SSO_COOKIE];
    try {
      const { accessToken, expiresIn, next } = await this.singleSignOn.complete(
        request.originalUrl,
        typeof flow === 'string' ? flow : undefined,
        loginClientOf(request),
      );
      response.cookie(SESSION_COOKIE, accessToken, sessionCookieOptions(request, expiresIn));
      await this.views.page(request, response, 'signed-in', { title: 'Signed in', next, moveOnTo: next });
    } catch (error) {
      await this.refuse(error, request, response, { next: '/' });
    }
  }

  /** The sign-in page; with single sign-on set up, it offers that too. */
  private async signInForm(request: WebRequest, response: Response, data: { next: string; username?: string; refusal?: Refusal }, status = 200): Promise<void> {
    await this.views.page(request, response, 'sign-in', { title: 'Sign in', username: '', singleSignOn: this.singleSignOn.providerName, ...data }, status);
  }

  /** A sign-in refused: the sign-in page again, saying why. */
  private async refuse(error: unknown, request: WebRequest, response: Response, data: { next: string; username?: string }): Promise<void> {
    if (!(error instanceof DomainError)) throw error;
    const refusal = await this.refusals.of(error, request);
    await this.signInForm(request, response, { ...data, refusal }, refusal.status);
  }

  @Post('sign-out')
  @NoStore()
  async signOut(@Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const token: unknown = request.cookies?.[SESSION_COOKIE];
    // The session ends on the server, not only in this browser: a copy of the cookie is refused too.
    if (typeof token === 'string' && token !== '') await this.auth.logout(`Bearer ${token}`);
    response.clearCookie(SESSION_COOKIE, sessionCookieOptions(request));
    response.clearCookie(CSRF_COOKIE, sessionCookieOptions(request));
    response.redirect(303, SIGN_IN_PATH);
  }
}
