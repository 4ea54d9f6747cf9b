import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ActivitiesService } from '../activities/activities.service.js';
import { Public, Roles } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import { eventInput } from '../common/http/event-request.js';
import { PageQueryDto } from '../common/http/page-query.dto.js';
import { requestIdOf } from '../common/http/request-id.js';
import { SendEventDto } from '../common/http/send-event.dto.js';
import { WriteRateLimitGuard } from '../common/http/write-rate-limit.guard.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { CreatePartnershipDto, ProposedActivityDto, UpdatePartnershipDto } from '../partnerships/dto/partnership.dto.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import { CreatePartnerLinkDto, type IssuedPartnerLinkDto } from '../documents/partner-links/dto/partner-link.dto.js';
import { PartnerLinksService } from '../documents/partner-links/partner-links.service.js';
import { eventRequestOf } from './event-forms.js';
import {
  ACTIVITY_KINDS,
  activityFieldsOf,
  ACTIVITY_ROW_PREFIXES,
  undatedActivities,
  activityRowsFor,
  MAX_ACTIVITY_ROWS,
  partnershipFieldsOf,
  partnershipFormValues,
  postedRows,
} from './partnership-form.js';
import { PartnershipPage, type FailedAttempt } from './partnership-page.js';
import type { Refusal } from './refusal-words.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { changedFields, field, integerField, validDto, versionOf, type FormBody } from './web-forms.js';
import { safeLocalPath, WEB_PREFIX } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';
import { ReplayService, type ReplayResult } from '../workflow-engine/replay.service.js';

const ALL_FIELDS = ['title', 'organizationId', 'summary', 'programme', 'focalPoint', 'notes', 'requiredApprovals', 'approvalSlaDays', 'proposedActivities'];

/**
 * The partnership pages. Every change goes through PartnershipsService / ActivitiesService exactly
 * as the API's does (same actor, same version check, same audit). Pages authenticate with the
 * session cookie, hence `@Public()` for the bearer-token guard.
 */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard, CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui')
export class PartnershipPagesController {
  constructor(
    private readonly partnerships: PartnershipsService,
    private readonly activities: ActivitiesService,
    private readonly organizations: OrganizationsService,
    private readonly page: PartnershipPage,
    private readonly partnerLinks: PartnerLinksService,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
    private readonly replays: ReplayService,
  ) {}

  @Get('partnerships/new')
  @Roles('manager')
  async newProposal(@Query('organizationId') organizationId: string | undefined, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const defaults = this.partnerships.defaults();
    await this.proposalForm(request, response, {
      organizationId: organizationId ?? '',
      requiredApprovals: String(defaults.requiredApprovals),
      approvalSlaDays: String(defaults.approvalSlaDays),
    });
  }

  @Post('partnerships')
  @Roles('manager')
  async create(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    // "Add another activity": the same form again, what was typed kept, with one more row; nothing is created.
    if (field(body, 'addRow') === 'activity') return this.proposalForm(request, response, body, undefined, 200, postedRows(body, 'activity') + 1);
    try {
      const input = validDto(CreatePartnershipDto, partnershipFieldsOf(body, ALL_FIELDS), undatedActivities(body, ACTIVITY_ROW_PREFIXES));
      const row = await this.partnerships.create(input, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/partnerships/${row.id}?done=CREATED`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      await this.proposalForm(request, response, body, refusal, refusal.status);
    }
  }

  @Get('partnerships/:id')
  async show(@Param('id', ParseUUIDPipe) id: string, @Query() query: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const { offset = 0 } = validDto(PageQueryDto, { offset: integerField(query, 'historyOffset') });
    await this.render(request, response, id, undefined, field(query, 'done'), 200, offset);
  }

  /** Auditors and admins: the chain's events re-run against the stored row. With htmx only the verdict is swapped in; without, the whole page. */
  @Get('partnerships/:id/replay')
  @Roles('auditor', 'admin')
  async replay(@Param('id', ParseUUIDPipe) id: string, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, id, undefined, undefined, 200, 0, null, await this.replays.replay('partnership', id));
  }

  @Post('partnerships/:id/events')
  @UseGuards(WriteRateLimitGuard)
  async send(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const event = validDto(SendEventDto, eventRequestOf(body));
      await this.partnerships.send(id, eventInput(event, request.actor!, versionOf(body), requestIdOf(request)));
      response.redirect(303, `${WEB_PREFIX}/partnerships/${id}?done=${event.type}`);
    } catch (error) {
      await this.refused(error, request, response, id, { form: field(body, 'type') ?? '', type: field(body, 'type'), values: body });
    }
  }

  @Post('partnerships/:id/details')
  @Roles('manager')
  async updateDetails(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const current = partnershipFieldsOf(partnershipFormValues(await this.partnerships.get(id)), ALL_FIELDS, { clear: true });
      const submitted = partnershipFieldsOf(body, ALL_FIELDS, { clear: true });
      // Only what the person changed is sent, so fields they could not edit are not "changed" to themselves.
      const changes = changedFields(current, submitted);
      if (Object.keys(changes).length === 0) return response.redirect(303, `${WEB_PREFIX}/partnerships/${id}?done=UNCHANGED`);
      const input = validDto(UpdatePartnershipDto, changes, changes.proposedActivities ? undatedActivities(body, ACTIVITY_ROW_PREFIXES) : []);
      await this.partnerships.updateDetails(id, input, request.actor!, versionOf(body), requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/partnerships/${id}?done=EDITED`);
    } catch (error) {
      await this.refused(error, request, response, id, { form: 'details', values: body });
    }
  }

  /** A commitment added later: a new activity series, through ActivitiesService.addSeries as the API adds one. */
  @Post('partnerships/:id/activities')
  @Roles('manager')
  async addActivity(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const input = validDto(ProposedActivityDto, activityFieldsOf(body, 'series'), undatedActivities(body, ['series']));
      const series = await this.activities.addSeries(id, input, request.actor!, versionOf(body), requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/partnerships/${id}?done=ADD_ACTIVITY#series-${series.id}`);
    } catch (error) {
      await this.refused(error, request, response, id, { form: 'activity', values: body });
    }
  }

  /** A link for the partner's signatory to the agreed text: the page shows its address this once, as the API answers its token once. */
  @Post('partnerships/:id/partner-links')
  @Roles('manager')
  async issuePartnerLink(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const input = validDto(CreatePartnerLinkDto, {
        name: field(body, 'name') ?? '',
        email: field(body, 'email'),
        expiresInDays: integerField(body, 'expiresInDays'),
      });
      const issued = await this.partnerLinks.issue(id, input, request.actor!, requestIdOf(request));
      await this.render(request, response, id, undefined, undefined, 201, 0, issued);
    } catch (error) {
      await this.refused(error, request, response, id, { form: 'partnerLink', values: body });
    }
  }

  @Post('partnerships/:id/partner-links/:linkId/revoke')
  @Roles('manager')
  async revokePartnerLink(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('linkId', ParseUUIDPipe) linkId: string,
    @Req() request: WebRequest,
    @Res() response: Response,
  ): Promise<void> {
    try {
      await this.partnerLinks.revoke(linkId, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/partnerships/${id}?done=PARTNER_LINK_REVOKED#partner-acknowledgements`);
    } catch (error) {
      await this.refused(error, request, response, id, { form: 'partnerLink', values: {} });
    }
  }

  /** An occurrence's event, from the partnership page or the upcoming activities; the form says where to return. */
  @Post('occurrences/:id/events')
  @UseGuards(WriteRateLimitGuard)
  async sendToOccurrence(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const back = safeLocalPath(field(body, 'returnTo'));
    try {
      const event = validDto(SendEventDto, eventRequestOf(body));
      await this.activities.send(id, eventInput(event, request.actor!, versionOf(body), requestIdOf(request)));
      response.redirect(303, `${back}${back.includes('?') ? '&' : '?'}done=${event.type}#occurrence-${id}`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'NOT_FOUND') throw error;
      const occurrence = await this.activities.occurrence(id);
      await this.refused(error, request, response, occurrence.partnershipId, { form: `occurrence:${id}`, type: field(body, 'type'), values: body });
    }
  }

  private async refused(error: unknown, request: WebRequest, response: Response, id: string, attempt: Omit<FailedAttempt, 'refusal'>): Promise<void> {
    if (!(error instanceof DomainError) || error.code === 'NOT_FOUND') throw error;
    const refusal = await this.refusals.of(error, request);
    await this.render(request, response, id, { ...attempt, refusal }, undefined, refusal.status);
  }

  private async render(
    request: WebRequest,
    response: Response,
    id: string,
    failed?: FailedAttempt,
    done?: string,
    status = 200,
    historyOffset = 0,
    issuedLink: IssuedPartnerLinkDto | null = null,
    replayed?: ReplayResult,
  ): Promise<void> {
    const data = await this.page.build(id, request.actor!, failed, historyOffset);
    const replay = replayed ? this.page.replayWords(replayed, data.p.workflow.id) : null;
    const values = failed?.form === 'details' ? failed.values : partnershipFormValues(data.p);
    await this.views.page(
      request,
      response,
      'partnership',
      {
        title: data.p.title,
        ...data,
        replay,
        values,
        kinds: ACTIVITY_KINDS,
        rows: activityRowsFor(values),
        done: /^[A-Z_]{1,40}$/.test(done ?? '') ? done : null,
        issuedLink,
      },
      status,
    );
  }

  private async proposalForm(request: WebRequest, response: Response, values: FormBody, refusal?: Refusal, status = 200, atLeastRows = 0): Promise<void> {
    const organizations = await this.organizations.choices();
    const rows = Math.min(MAX_ACTIVITY_ROWS, Math.max(activityRowsFor(values), atLeastRows));
    await this.views.page(
      request,
      response,
      'partnership-new',
      {
        title: 'New proposal',
        organizations,
        values,
        kinds: ACTIVITY_KINDS,
        rows,
        editable: ALL_FIELDS,
        refusal: refusal ?? null,
        addRows: rows < MAX_ACTIVITY_ROWS,
      },
      status,
    );
  }
}
