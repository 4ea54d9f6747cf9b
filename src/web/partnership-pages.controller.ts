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
import { formFields } from '../common/http/event-data.dto.js';
import { DocumentsService } from '../documents/documents.service.js';
import { ATTACHMENT_KINDS, isAttachment } from '../partnerships/judged-content.js';
import { EVENT_FILE_FIELDS, eventRequestOf, keptName } from './event-forms.js';
import {
  ACTIVITY_KINDS,
  activityFieldsOf,
  ACTIVITY_ROW_PREFIXES,
  undatedActivities,
  activityRowsFor,
  MAX_ACTIVITY_ROWS,
  partnershipFieldsOf,
  partnershipFormValues,
} from './partnership-form.js';
import { PartnershipPage, type FailedAttempt } from './partnership-page.js';
import type { Refusal } from './refusal-words.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { changedFields, field, integerField, postedRows, validDto, versionOf, type FormBody } from './web-forms.js';
import { safeLocalPath, WEB_PREFIX } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { MultipartForm, type UploadingRequest } from './web-uploads.js';
import { WebViews } from './web-views.js';
import { ReplayService, type ReplayResult } from '../workflow-engine/replay.service.js';

/** The new proposal form's files: `attachment.concept_note`, `attachment.workplan`. */
const ATTACHMENT_FIELDS = ATTACHMENT_KINDS.map((kind) => `attachment.${kind}`);
const attachmentKindOf = (fileField: string) => fileField.slice('attachment.'.length);

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
    private readonly documents: DocumentsService,
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
  @MultipartForm({ fileFields: ATTACHMENT_FIELDS, maxFiles: ATTACHMENT_FIELDS.length })
  async create(@Body() body: FormBody, @Req() request: UploadingRequest, @Res() response: Response): Promise<void> {
    // "Add another activity": the same form again, what was typed kept, with one more row; nothing is created.
    if (field(body, 'addRow') === 'activity') return this.proposalForm(request, response, body, undefined, 200, postedRows(body, 'activity') + 1);
    try {
      if (request.uploads?.refusal) throw request.uploads.refusal;
      const workflowId = field(body, 'workflowId');
      const input = validDto(
        CreatePartnershipDto,
        { ...partnershipFieldsOf(body, ALL_FIELDS), ...(workflowId ? { workflowId } : {}) },
        undatedActivities(body, ACTIVITY_ROW_PREFIXES),
      );
      // Every file is looked at before anything is kept: a file of a type not taken leaves no proposal behind.
      const attachments = [];
      for (const file of request.uploads?.files ?? [])
        attachments.push(await this.documents.inspect({ ...file, fields: { kind: attachmentKindOf(file.field) } }));
      const row = await this.partnerships.create(input, request.actor!, requestIdOf(request));
      for (const attachment of attachments) {
        await this.documents.upload({ ...attachment, fields: { ...attachment.fields, partnershipId: row.id } }, request.actor!, requestIdOf(request));
      }
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
  @MultipartForm({ fileFields: EVENT_FILE_FIELDS, maxFiles: 1 })
  async send(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: UploadingRequest, @Res() response: Response): Promise<void> {
    let values = body;
    try {
      values = await this.withUploadedDocuments(id, field(body, 'type'), body, request);
      const event = validDto(SendEventDto, eventRequestOf(values));
      await this.partnerships.send(id, eventInput(event, request.actor!, versionOf(values), requestIdOf(request)));
      response.redirect(303, `${WEB_PREFIX}/partnerships/${id}?done=${event.type}`);
    } catch (error) {
      await this.refused(error, request, response, id, { form: field(body, 'type') ?? '', type: field(body, 'type'), values });
    }
  }

  /** A concept note or workplan attached to the proposal, as POST /api/documents attaches one. */
  @Post('partnerships/:id/documents')
  @Roles('manager')
  @MultipartForm({ fileFields: ['file'], maxFiles: 1 })
  async attach(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: UploadingRequest, @Res() response: Response): Promise<void> {
    try {
      if (request.uploads?.refusal) throw request.uploads.refusal;
      const kind = field(body, 'kind') ?? '';
      if (!isAttachment(kind))
        throw new DomainError('VALIDATION_FAILED', 'a proposal takes a concept note or a workplan', { errors: ['choose what the document is'] });
      const [file] = request.uploads?.files ?? [];
      if (!file) throw new DomainError('VALIDATION_FAILED', 'choose the file to attach', { errors: ['choose the file to attach'] });
      const document = await this.documents.upload({ ...file, fields: { kind, partnershipId: id } }, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/partnerships/${id}?done=ATTACHED#document-${document.id}`);
    } catch (error) {
      await this.refused(error, request, response, id, { form: 'attachment', values: body });
    }
  }

  /**
   * The event form's file, uploaded as a document of this partnership of the kind the field names, its id then sent in the field as an API client
   * sends it; the page shows the form again with the document kept when the event is refused.
   */
  private async withUploadedDocuments(id: string, type: string | undefined, body: FormBody, request: UploadingRequest): Promise<FormBody> {
    if (request.uploads?.refusal) throw request.uploads.refusal;
    const fileFields = type ? formFields(type).filter((f) => f.upload) : [];
    const values: FormBody = { ...body };
    for (const file of request.uploads?.files ?? []) {
      const target = fileFields.find((f) => f.path === file.field);
      if (!target?.upload) throw new DomainError('VALIDATION_FAILED', `this step takes no file in ${file.field}`, { errors: [`no file in ${file.field}`] });
      if (!request.actor!.roles.includes('manager')) throw new DomainError('FORBIDDEN', 'only a manager uploads documents');
      const document = await this.documents.upload({ ...file, fields: { kind: target.upload.kind, partnershipId: id } }, request.actor!, requestIdOf(request));
      values[file.field] = document.id;
      values[keptName(file.field)] = document.name;
    }
    for (const f of fileFields) {
      if (f.upload!.required && !field(values, f.path)) {
        throw new DomainError('VALIDATION_FAILED', `choose the file of ${f.words}`, {
          errors: [`choose the file of ${f.words}`],
          rule: 'fileRequired',
          field: f.words,
        });
      }
    }
    return values;
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
        workflows: this.partnerships.workflowChoices(),
        values,
        kinds: ACTIVITY_KINDS,
        rows,
        editable: ALL_FIELDS,
        refusal: refusal ?? null,
        addRows: rows < MAX_ACTIVITY_ROWS,
        maxUploadMb: this.documents.maxUploadBytes / (1024 * 1024),
      },
      status,
    );
  }
}
