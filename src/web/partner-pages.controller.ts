import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { loginClientOf } from '../auth/login-throttle.js';
import { DomainError } from '../common/domain-error.js';
import { NoStore } from '../common/http/no-store.js';
import { AcknowledgeDto, PartnerCommentDto } from '../documents/partner-links/dto/partner-link.dto.js';
import { PartnerLinksService } from '../documents/partner-links/partner-links.service.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, validDto, type FormBody, type FormOutcome } from './web-forms.js';
import { PARTNER_PAGE_PREFIX } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { CsrfGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

const DONE = ['ACKNOWLEDGED', 'COMMENTED'];

/**
 * The page the partner's signatory opens from the link a manager sent (SPEC "The partner's
 * acknowledgement"): the terms, the agreed text to download, a form to confirm it and one to
 * comment. No account: the token in the address is the credential, and the forms carry a CSRF token
 * like the sign-in form's. The same service as the API's partner routes, with the same throttle.
 */
@ApiExcludeController()
@Public()
@UseGuards(CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller(PARTNER_PAGE_PREFIX.slice(1))
export class PartnerPagesController {
  constructor(
    private readonly links: PartnerLinksService,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get(':token')
  @NoStore()
  async show(@Param('token') token: string, @Query('done') done: string | undefined, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(token, request, response, { done: DONE.includes(done ?? '') ? done : null });
  }

  @Post(':token/acknowledge')
  @NoStore()
  async acknowledge(@Param('token') token: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const input = validDto(AcknowledgeDto, { name: field(body, 'name') ?? '', title: field(body, 'title') ?? '' });
      await this.links.acknowledge(token, input, loginClientOf(request));
      response.redirect(303, `${PARTNER_PAGE_PREFIX}/${encodeURIComponent(token)}?done=ACKNOWLEDGED`);
    } catch (error) {
      await this.refuse(error, token, 'acknowledge', body, request, response);
    }
  }

  @Post(':token/comment')
  @NoStore()
  async comment(@Param('token') token: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const input = validDto(PartnerCommentDto, { comment: field(body, 'comment') ?? '' });
      await this.links.comment(token, input.comment, loginClientOf(request));
      response.redirect(303, `${PARTNER_PAGE_PREFIX}/${encodeURIComponent(token)}?done=COMMENTED`);
    } catch (error) {
      await this.refuse(error, token, 'comment', body, request, response);
    }
  }

  private async refuse(error: unknown, token: string, form: string, values: FormBody, request: WebRequest, response: Response): Promise<void> {
    if (!(error instanceof DomainError)) throw error;
    const refusal = await this.refusals.of(error, request);
    await this.render(token, request, response, { failed: { form, values, refusal } }, refusal.status);
  }

  /** The page; a link that opens nothing (unknown, revoked, expired, or the address throttled) is a page that says so, with its status. */
  private async render(token: string, request: WebRequest, response: Response, outcome: FormOutcome, status = 200): Promise<void> {
    let facts;
    try {
      facts = await this.links.read(token, loginClientOf(request));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      const gone = { title: 'This link does not open', refusal, token: null, facts: null, done: null, failed: null };
      return this.views.page(request, response, 'partner', gone, refusal.status);
    }
    const title = `The agreed text of ${facts.view.partnership.title}`;
    await this.views.page(request, response, 'partner', { title, token, facts, done: null, failed: null, ...outcome }, status);
  }
}
