import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import { requestIdOf } from '../common/http/request-id.js';
import { CreateOrganizationDto, ORGANIZATION_KINDS } from '../organizations/dto/organization.dto.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { partnershipSummary } from '../partnerships/partnership.view.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import { refusalOf, type Refusal } from './refusal-words.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, validDto, type FormBody } from './web-forms.js';
import { WEB_PREFIX } from './web-paths.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

const CONTACT_ROWS = 3;
const LISTED = 200;

function organizationOf(body: FormBody): Record<string, unknown> {
  const contacts = [];
  for (let i = 0; i < CONTACT_ROWS; i += 1) {
    const name = field(body, `contact.${i}.name`);
    if (name === undefined) continue;
    const title = field(body, `contact.${i}.title`);
    const email = field(body, `contact.${i}.email`);
    contacts.push({ name, ...(title ? { title } : {}), ...(email ? { email } : {}) });
  }
  const optional = Object.fromEntries(['city', 'website'].flatMap((name) => (field(body, name) ? [[name, field(body, name)]] : [])));
  return { name: field(body, 'name'), kind: field(body, 'kind'), country: field(body, 'country'), ...optional, contacts };
}

/** Organizations: a list with a create form, and a page each with contacts and partnerships. Session-cookie pages, hence `@Public()`. */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard, CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/organizations')
export class OrganizationPagesController {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly partnerships: PartnershipsService,
    private readonly views: WebViews,
  ) {}

  @Get()
  async list(@Query('q') q: string | undefined, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, q?.trim() || undefined, {});
  }

  @Post()
  @Roles('manager')
  async create(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    try {
      const input = validDto(CreateOrganizationDto, organizationOf(body));
      const row = await this.organizations.create(input, request.actor!, requestIdOf(request));
      response.redirect(303, `${WEB_PREFIX}/organizations/${row.id}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = refusalOf(error);
      await this.render(request, response, undefined, body, refusal, refusal.status);
    }
  }

  @Get(':id')
  async show(@Param('id', ParseUUIDPipe) id: string, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const organization = await this.organizations.get(id);
    const { items, total } = await this.partnerships.list({ organizationId: id, limit: LISTED });
    this.views.page(request, response, 'organization', { title: organization.name, organization, partnerships: items.map(partnershipSummary), total });
  }

  private async render(request: WebRequest, response: Response, q: string | undefined, values: FormBody, refusal?: Refusal, status = 200): Promise<void> {
    const { items, total } = await this.organizations.list({ q, limit: LISTED });
    this.views.page(
      request,
      response,
      'organizations',
      { title: 'Organizations', organizations: items, total, q: q ?? '', values, refusal: refusal ?? null, kinds: ORGANIZATION_KINDS, contactRows: CONTACT_ROWS },
      status,
    );
  }
}
