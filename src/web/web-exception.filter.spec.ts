import { type ArgumentsHost, Logger, NotFoundException } from '@nestjs/common';
import { jest } from '@jest/globals';
import type { Response } from 'express';
import { WebExceptionFilter } from './web-exception.filter.js';
import type { WebRefusals } from './web-refusals.js';
import type { WebRequest } from './web-session.js';
import type { WebViews } from './web-views.js';

function hostOf(request: Partial<WebRequest>, response: Partial<Response>): ArgumentsHost {
  return { switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) } as unknown as ArgumentsHost;
}

describe('WebExceptionFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers a plain 500, and logs why, when the error page itself cannot be shown, instead of leaving the browser waiting', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const views = {
      page: () => {
        throw new TypeError('no cookies to bind a CSRF token to');
      },
    } as unknown as WebViews;
    const sent: { status?: number; type?: string; body?: string } = {};
    const response = {
      headersSent: false,
      status(code: number) {
        sent.status = code;
        return this;
      },
      type(value: string) {
        sent.type = value;
        return this;
      },
      send(body: string) {
        sent.body = body;
        return this;
      },
    } as unknown as Response;
    const filter = new WebExceptionFilter(views, {} as WebRefusals);
    await filter.catch(new NotFoundException(), hostOf({ method: 'GET', originalUrl: '/ui/nope' }, response));
    expect(sent).toEqual({ status: 500, type: 'text/plain', body: 'Something went wrong on our side; the error was logged. Try again in a moment.' });
    expect(String(logged.mock.calls[0]?.[0])).toContain('could not show the error page for GET /ui/nope: TypeError: no cookies to bind a CSRF token to');
  });
});
