import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '../common/domain-error.js';
import type { Refusal } from './refusal-words.js';
import { SIGN_IN_PATH } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { SESSION_COOKIE, sessionCookieOptions, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

/**
 * Errors on pages become pages: no session sends the browser to sign in, a refusal shows its reason
 * in plain words, and is recorded in the audit chain when no service did (WebRefusals).
 */
@Catch()
@Injectable()
export class WebExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WebErrors');

  constructor(
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const request = host.switchToHttp().getRequest<WebRequest>();
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    try {
      if (exception instanceof DomainError && exception.code === 'UNAUTHENTICATED') {
        response.clearCookie(SESSION_COOKIE, sessionCookieOptions(request));
        const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.originalUrl)}` : '';
        response.redirect(303, `${SIGN_IN_PATH}${next}`);
        return;
      }
      const refusal = await this.refusal(exception, request);
      await this.views.page(request, response, 'error', { title: refusal.status === 404 ? 'Not found' : 'Refused', refusal }, refusal.status);
    } catch (error) {
      // Nothing else would answer: the browser would wait for a page until it gave up.
      this.logger.error(`could not show the error page for ${request.method} ${request.originalUrl}: ${(error as Error)?.stack ?? String(error)}`);
      if (!response.headersSent) response.status(500).type('text/plain').send('Something went wrong on our side; the error was logged. Try again in a moment.');
    }
  }

  private async refusal(exception: unknown, request: WebRequest): Promise<Refusal> {
    if (exception instanceof DomainError) return this.refusals.of(exception, request);
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      // Unknown pages and malformed ids in links (ParseUUIDPipe) both mean "no such page".
      return { code: 'NOT_FOUND', status: 404, message: 'There is no such page. It may have been a mistyped or outdated link.' };
    }
    this.logger.error(`unexpected error on ${request.method} ${request.originalUrl}: ${(exception as Error)?.stack ?? String(exception)}`);
    return { code: 'INTERNAL_ERROR', status: 500, message: 'Something went wrong on our side; the error was logged. Try again in a moment.' };
  }
}
