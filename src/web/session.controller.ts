import { Body, Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { AuthService } from '../auth/auth.service.js';
import { loginClientOf } from '../auth/login-throttle.js';
import { DomainError } from '../common/domain-error.js';
import { NoStore } from '../common/http/no-store.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, type FormBody } from './web-forms.js';
import { safeLocalPath, SIGN_IN_PATH } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { CSRF_COOKIE, CsrfGuard, SESSION_COOKIE, sessionCookieOptions, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

/** Pages sign in with the session cookie, not a bearer token, hence `@Public()` for the API's guard. */
@ApiExcludeController()
@Public()
@UseGuards(CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui')
export class SessionController {
  constructor(
    private readonly auth: AuthService,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get('sign-in')
  @NoStore()
  signInPage(@Req() request: WebRequest, @Res() response: Response, @Query('next') next?: string): void {
    if (request.user) return response.redirect(303, safeLocalPath(next));
    this.views.page(request, response, 'sign-in', { title: 'Sign in', next: safeLocalPath(next), username: '' });
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
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      this.views.page(request, response, 'sign-in', { title: 'Sign in', next, username, refusal }, refusal.status);
    }
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
