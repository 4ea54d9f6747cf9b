import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import { requestIdOf } from '../common/http/request-id.js';
import { CreateOrganizationDto, ORGANIZATION_KINDS, UpdateOrganizationDto } from '../organizations/dto/organization.dto.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { TimelineService, type TimelineEntry } from '../engagements/timeline.service.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { partnershipSummary } from '../partnerships/partnership.view.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import { addsContactRow, contactRowsFor, organizationFieldsOf, organizationFormValues } from './organization-form.js';
import type { Refusal } from './refusal-words.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { changedFields, field, validDto, versionOf, type FormBody } from './web-forms.js';
import { WEB_PREFIX } from './web-paths.js';
import { WebRefusals } from './web-refusals.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

const LISTED = 200;
/** The newest entries of an organization's timeline its page shows. */
const TIMELINE_SHOWN = 30;

/** The edit form sent back open, with what the user typed, and the reason it was refused if it was. */
interface OpenEdit {
  values: FormBody;
  refusal: Refusal | null;
}

/**
 * Organizations: a list with a create form, and a page each with contacts, partnerships and an edit
 * form. Changes go through OrganizationsService as the API's do. Session-cookie pages, hence `@Public()`.
 */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard, CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/organizations')
export class OrganizationPagesController {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly partnerships: PartnershipsService,
    private readonly timeline: TimelineService,
    private readonly registry: WorkflowRegistry,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get()
  async list(@Query('q') q: string | undefined, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, q?.trim() || undefined, {});
  }

  @Post()
  @Roles('manager')
  async create(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    if (addsContactRow(body)) return this.render(request, response, undefined, body);
    try {
      const input = validDto(CreateOrganizationDto, organizationFieldsOf(body));
      const row = await this.organizations.create(input, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/organizations/${row.id}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      await this.render(request, response, undefined, body, refusal, refusal.status);
    }
  }

  @Get(':id')
  async show(
    @Param('id', ParseUUIDPipe) id: string,
    @Query('done') done: string | undefined,
    @Req() request: WebRequest,
    @Res() response: Response,
  ): Promise<void> {
    await this.renderOne(request, response, id, undefined, done === 'EDITED' || done === 'UNCHANGED' ? done : undefined);
  }

  /** The edit form carries the version it was read at, as If-Match does for the API: a stale form is refused, not merged. */
  @Post(':id/details')
  @Roles('manager')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    if (addsContactRow(body)) return this.renderOne(request, response, id, { values: body, refusal: null });
    try {
      const version = versionOf(body);
      const current = organizationFieldsOf(organizationFormValues(await this.organizations.get(id)), { clear: true });
      const changes = changedFields(current, organizationFieldsOf(body, { clear: true }));
      if (Object.keys(changes).length === 0) return response.redirect(303, `${WEB_PREFIX}/organizations/${id}?done=UNCHANGED`);
      await this.organizations.update(id, validDto(UpdateOrganizationDto, changes), request.actor!, version, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/organizations/${id}?done=EDITED`);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'NOT_FOUND') throw error;
      const refusal = await this.refusals.of(error, request);
      await this.renderOne(request, response, id, { values: body, refusal }, undefined, refusal.status);
    }
  }

  private async renderOne(request: WebRequest, response: Response, id: string, editing?: OpenEdit, done?: string, status = 200): Promise<void> {
    const profile = await this.organizations.profile(id);
    const organization = profile.organization;
    const { items, total } = await this.partnerships.list({ organizationId: id, limit: LISTED });
    const timeline = await this.timeline.of(id, { limit: TIMELINE_SHOWN });
    const values = editing?.values ?? organizationFormValues(organization);
    await this.views.page(
      request,
      response,
      'organization',
      {
        title: organization.name,
        organization,
        partnerships: items.map(partnershipSummary),
        total,
        people: profile.people,
        parent: profile.parent,
        children: profile.children,
        timeline: { total: timeline.total, items: timeline.items.map((entry) => ({ ...entry, words: this.timelineWords(entry) })) },
        values,
        editing: editing ?? null,
        // A form sent back for another contact row keeps the version it was read at, so that saving it still finds a change made meanwhile.
        formVersion: editing && !editing.refusal ? (field(editing.values, 'version') ?? organization.version) : organization.version,
        done: done ?? null,
        kinds: ORGANIZATION_KINDS,
        contactRows: contactRowsFor(values),
      },
      status,
    );
  }

  /** What an entry of the timeline says happened, in words: never an action's or a state's id. */
  private timelineWords(entry: TimelineEntry): string {
    switch (entry.kind) {
      case 'engagement':
        return entry.detail.replace(/_/g, ' ');
      case 'document':
        return `document (${entry.detail.replace(/_/g, ' ')})`;
      case 'follow_up':
        return `follow-up due: ${this.registry.stateLabel(entry.detail, 'follow-up').title.toLowerCase()}`;
      default: {
        if (entry.detail === 'CREATE') return 'proposed';
        if (entry.detail === 'UPDATE') return 'details edited';
        const label = this.registry.eventLabel(entry.detail);
        const state = entry.state ? `, now ${this.registry.stateLabel(entry.state).title.toLowerCase()}` : '';
        return `${label.phrase === entry.detail ? 'changed' : label.phrase.replace(/\bit\b/, 'this partnership')}${state}`;
      }
    }
  }

  private async render(request: WebRequest, response: Response, q: string | undefined, values: FormBody, refusal?: Refusal, status = 200): Promise<void> {
    const { items, total } = await this.organizations.list({ q, limit: LISTED });
    await this.views.page(
      request,
      response,
      'organizations',
      {
        title: 'Organizations',
        organizations: items,
        total,
        q: q ?? '',
        values,
        refusal: refusal ?? null,
        kinds: ORGANIZATION_KINDS,
        contactRows: contactRowsFor(values),
      },
      status,
    );
  }
}
