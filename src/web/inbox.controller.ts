import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApprovalsService } from '../approvals/approvals.service.js';
import { Public } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import { eventInput } from '../common/http/event-request.js';
import { parseIfMatch } from '../common/http/if-match.js';
import { requestIdOf } from '../common/http/request-id.js';
import { SendEventDto } from '../common/http/send-event.dto.js';
import { WriteRateLimitGuard } from '../common/http/write-rate-limit.guard.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { eventRequestOf } from './event-forms.js';
import type { FailedAttempt } from './partnership-page.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, validDto, type FormBody } from './web-forms.js';
import { WEB_PREFIX } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

const DECISIONS = ['APPROVE', 'REQUEST_CHANGES', 'REJECT'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The approver's inbox: decide from the list, overdue items first, in one's own right and for the
 * approvers whose delegation to one is in force. Decisions are partnership events sent through
 * PartnershipsService like any other. Pages authenticate with the session cookie, hence
 * `@Public()` for the bearer-token guard.
 */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard, CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/inbox')
export class InboxController {
  constructor(
    private readonly approvals: ApprovalsService,
    private readonly partnerships: PartnershipsService,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get()
  async show(
    @Query('done') done: string | undefined,
    @Query('of') of: string | undefined,
    @Req() request: WebRequest,
    @Res() response: Response,
  ): Promise<void> {
    await this.assertDecides(request.actor!);
    const decided = DECISIONS.includes(done ?? '') ? done : null;
    // What was decided on, by its title: "Done: you approved it (“Beaconhouse University MOU”)".
    const doneTitle =
      decided && of && UUID.test(of)
        ? await this.partnerships.get(of).then(
            (row) => row.title,
            () => null,
          )
        : null;
    await this.render(request, response, { done: decided, doneTitle });
  }

  @Post(':id')
  @UseGuards(WriteRateLimitGuard)
  async decide(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      await this.assertDecides(request.actor!);
      const { type, comment, data } = eventRequestOf(body);
      // One form serves the three decisions; only an approval carries the content hash it binds to, each whom it is for.
      const decision = type === 'APPROVE' ? data : data?.onBehalfOf === undefined ? undefined : { onBehalfOf: data.onBehalfOf };
      const event = validDto(SendEventDto, { type, comment, data: decision });
      if (!DECISIONS.includes(event.type)) throw new DomainError('VALIDATION_FAILED', 'not a decision', { errors: [`${event.type} is not a decision`] });
      await this.partnerships.send(id, eventInput(event, request.actor!, parseIfMatch(field(body, 'version')), requestIdOf(request)));
      response.redirect(303, `${WEB_PREFIX}/inbox?done=${event.type}&of=${id}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      const form = formKey(id, field(body, 'data.onBehalfOf'));
      await this.render(request, response, { failed: { form, type: field(body, 'type'), values: body, refusal } }, refusal.status);
    }
  }

  /** The inbox is for approvers, and for the delegates of one today. */
  private async assertDecides(actor: Actor): Promise<void> {
    if (!(await this.approvals.decides(actor)))
      throw new DomainError('FORBIDDEN', 'only approvers and their delegates decide on proposals', { requiredRoles: ['approver'] });
  }

  private async render(
    request: WebRequest,
    response: Response,
    extra: { done?: string | null; doneTitle?: string | null; failed?: FailedAttempt },
    status = 200,
  ): Promise<void> {
    const { items, total } = await this.items(request.actor!);
    await this.views.page(request, response, 'inbox', { title: 'Inbox', items, total, done: null, doneTitle: null, failed: null, ...extra }, status);
  }

  /** The oldest submissions (the inbox's first page), overdue first; each with what the approver judges and its content hash. */
  private async items(actor: Actor) {
    const { items, total } = await this.approvals.pending(actor);
    const ordered = items.slice().sort((a, b) => Number(b.overdue) - Number(a.overdue));
    const withContent = await Promise.all(
      ordered.map(async (item) => {
        const view = await this.partnerships.view(await this.partnerships.get(item.id), actor);
        const key = formKey(item.id, item.onBehalfOf?.id);
        return { ...item, key, contentHash: view.contentHash, proposedActivities: view.proposedActivities, programme: view.programme };
      }),
    );
    return { items: withContent, total };
  }
}

/** A proposal is listed once for each person it waits for: the caller, and each approver they decide for. */
function formKey(id: string, onBehalfOf: string | undefined): string {
  return onBehalfOf ? `${id}-for-${onBehalfOf}` : id;
}
