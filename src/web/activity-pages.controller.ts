import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { UPCOMING_DAYS, UpcomingQueryDto } from '../activities/dto/upcoming-query.dto.js';
import { ActivitiesService, OCCURRENCE_WORKFLOW } from '../activities/activities.service.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { Public } from '../auth/auth.decorators.js';
import { CalendarService } from '../calendar/calendar.service.js';
import { CreateCalendarTokenDto } from '../calendar/dto/calendar.dto.js';
import { DomainError } from '../common/domain-error.js';
import { requestIdOf } from '../common/http/request-id.js';
import { eventForms } from './event-forms.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, integerField, validDto, type FormBody } from './web-forms.js';
import { WEB_PREFIX } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

/** Occurrences a page lists, each with its forms. */
const PAGE_SIZE = 50;

/**
 * Upcoming activity occurrences with what can be done to each, and personal calendar feed tokens
 * (a calendar app cannot send the session cookie). Session-cookie pages, hence `@Public()`.
 */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard, CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/activities')
export class ActivityPagesController {
  constructor(
    private readonly activities: ActivitiesService,
    private readonly calendar: CalendarService,
    private readonly views: WebViews,
    private readonly registry: WorkflowRegistry,
    private readonly refusals: WebRefusals,
  ) {}

  @Get()
  async upcoming(@Query() query: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const done = field(query, 'done');
    let window: UpcomingQueryDto;
    try {
      window = validDto(UpcomingQueryDto, { days: integerField(query, 'days'), offset: integerField(query, 'offset') });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // A window the list cannot show is said beside "Days ahead", with what was typed; the default window is listed below.
      const refusal = await this.refusals.of(error, request);
      const typed = field(query, 'days') ?? '';
      const daysWrong = ((error.details?.errors ?? []) as string[]).some((problem) => problem.startsWith('days'));
      const message =
        refusal.status === 429
          ? refusal.message
          : daysWrong
            ? `Days ahead takes a whole number from 1 to 3660, not “${typed}”. Below: the next ${UPCOMING_DAYS} days.`
            : `That page of the list does not exist. Below: the first page of the next ${UPCOMING_DAYS} days.`;
      return this.render(
        request,
        response,
        { days: UPCOMING_DAYS, offset: 0, done: null, windowRefused: { typed: daysWrong ? typed : null, message } },
        refusal.status,
      );
    }
    await this.render(request, response, {
      days: window.days ?? UPCOMING_DAYS,
      offset: window.offset ?? 0,
      done: done && /^[A-Z_]{1,40}$/.test(done) ? done : null,
    });
  }

  @Post('calendar-tokens')
  async createToken(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const { label } = validDto(CreateCalendarTokenDto, { label: field(body, 'label') });
    const created = await this.calendar.createToken(request.actor!, label, requestIdOf(request));
    const feedUrl = `${request.protocol}://${request.get('host')}${created.path}`;
    await this.render(request, response, { days: UPCOMING_DAYS, offset: 0, done: null, feedUrl });
  }

  @Post('calendar-tokens/:id/revoke')
  async revokeToken(@Param('id', ParseUUIDPipe) id: string, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.calendar.revokeToken(request.actor!, id, requestIdOf(request));
    response.redirect(303, `${WEB_PREFIX}/activities?done=REVOKED`);
  }

  private async render(
    request: WebRequest,
    response: Response,
    extra: { days: number; offset: number; done: string | null; feedUrl?: string; windowRefused?: { typed: string | null; message: string } },
    status = 200,
  ): Promise<void> {
    const actor = request.actor!;
    const upcoming = await this.activities.upcoming(extra.days, { limit: PAGE_SIZE, offset: extra.offset });
    const toRecord = await this.activities.toRecord(PAGE_SIZE);
    const withForms = (list: typeof upcoming.items) =>
      Promise.all(
        list.map(async (item) => {
          const row = await this.activities.occurrence(item.id);
          return { ...item, forms: eventForms(this.activities.availableEvents(row, actor), this.registry.labels(OCCURRENCE_WORKFLOW)) };
        }),
      );
    const items = await withForms(upcoming.items);
    const tokens = await this.calendar.listTokens(actor, { limit: PAGE_SIZE });
    await this.views.page(
      request,
      response,
      'activities',
      {
        title: 'Activities',
        items,
        total: upcoming.total,
        toRecord: { items: await withForms(toRecord.items), total: toRecord.total },
        pageSize: PAGE_SIZE,
        tokens: tokens.items,
        tokenTotal: tokens.total,
        feedUrl: null,
        failed: null,
        windowRefused: null,
        ...extra,
      },
      status,
    );
  }
}
