import { Body, Controller, Get, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { AuthService } from '../auth/auth.service.js';
import { loginClientOf } from '../auth/login-throttle.js';
import { DomainError } from '../common/domain-error.js';
import { NoStore } from '../common/http/no-store.js';
import { requestIdOf } from '../common/http/request-id.js';
import { ChangePasswordDto, UpdateAccountDto } from '../users/dto/account.dto.js';
import { EMAIL_MODES } from '../users/roles.js';
import { UsersService } from '../users/users.service.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { clearableField, field, validDto, type FormBody, type FormOutcome } from './web-forms.js';
import { WEB_PREFIX } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { CsrfGuard, SESSION_COOKIE, sessionCookieOptions, SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

const DONE = ['SAVED', 'PASSWORD'];

/** One's own account: name, mail address and mode, password. Session-cookie pages, hence `@Public()`. */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard, CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/account')
export class AccountPagesController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get()
  @NoStore()
  async show(@Query('done') done: string | undefined, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, { done: DONE.includes(done ?? '') ? done : null });
  }

  @Post()
  @NoStore()
  async update(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const input = validDto(UpdateAccountDto, {
        displayName: field(body, 'displayName'),
        email: clearableField(body, 'email'),
        emailMode: field(body, 'emailMode'),
      });
      await this.users.update(request.actor!.id, input, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/account?done=SAVED`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await this.refuse(error, 'details', body, request, response);
    }
  }

  /** A new password ends every session of the person, this one too, so the page signs them in again with it. */
  @Post('password')
  @NoStore()
  async changePassword(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const input = validDto(ChangePasswordDto, { currentPassword: field(body, 'currentPassword') ?? '', newPassword: field(body, 'newPassword') ?? '' });
      await this.users.changeOwnPassword(request.actor!, input, requestIdOf(request));
      const { accessToken, expiresIn } = await this.auth.login(request.user!.username, input.newPassword, loginClientOf(request));
      response.cookie(SESSION_COOKIE, accessToken, sessionCookieOptions(request, expiresIn));
      response.redirect(303, `${WEB_PREFIX}/account?done=PASSWORD`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // Passwords are never shown again, not even the ones just typed.
      await this.refuse(error, 'password', {}, request, response);
    }
  }

  private async refuse(error: DomainError, form: string, values: FormBody, request: WebRequest, response: Response): Promise<void> {
    const refusal = await this.refusals.of(error, request);
    await this.render(request, response, { failed: { form, values, refusal } }, refusal.status);
  }

  private async render(request: WebRequest, response: Response, extra: FormOutcome, status = 200): Promise<void> {
    const account = await this.users.get(request.actor!.id);
    await this.views.page(
      request,
      response,
      'account',
      { title: 'Your account', account, emailModes: EMAIL_MODES, done: null, failed: null, ...extra },
      status,
    );
  }
}
