import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { ApiIfMatch, ETAG_HEADER, etagOf, IfMatchVersion } from '../common/http/if-match.js';
import { RequestId } from '../common/http/request-id.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { CreateOrganizationDto, ListOrganizationsQueryDto, UpdateOrganizationDto } from './dto/organization.dto.js';
import { OrganizationListResponse, OrganizationProfileResponse } from './dto/organization-response.dto.js';
import type { Organization } from './organization.entity.js';

import { OrganizationsService, type OrganizationProfile } from './organizations.service.js';

function organizationView(row: Organization) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    country: row.country,
    city: row.city,
    website: row.website,
    contacts: row.contacts,
    parentId: row.parentId ?? null,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function profileView({ organization, parent, children, people }: OrganizationProfile) {
  return { ...organizationView(organization), parent, children, people };
}

@ApiTags('organizations')
@ApiBearerAuth()
@Controller('organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @Roles('manager')
  @ApiCreatedResponse({ type: OrganizationProfileResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 403, 404)
  async create(@Body() body: CreateOrganizationDto, @CurrentActor() actor: Actor, @RequestId() requestId: string, @Res({ passthrough: true }) res: Response) {
    const row = await this.organizations.create(body, actor, requestId);
    res.setHeader('ETag', etagOf(row.version));
    return profileView(await this.organizations.profile(row));
  }

  @Get()
  @ApiOkResponse({ type: OrganizationListResponse })
  @ApiErrors(400, 401)
  async list(@Query() query: ListOrganizationsQueryDto) {
    const { items, total } = await this.organizations.list(query);
    return { items: items.map(organizationView), total };
  }

  @Get(':id')
  @ApiOkResponse({ type: OrganizationProfileResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 404)
  async get(@Param('id', ParseUUIDPipe) id: string, @Res({ passthrough: true }) res: Response) {
    const profile = await this.organizations.profile(id);
    res.setHeader('ETag', etagOf(profile.organization.version));
    return profileView(profile);
  }

  @Patch(':id')
  @Roles('manager')
  @ApiOkResponse({ type: OrganizationProfileResponse, headers: ETAG_HEADER })
  @ApiIfMatch()
  @ApiErrors(400, 401, 403, 404, 412, 422, 428)
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateOrganizationDto,
    @IfMatchVersion() version: number,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const row = await this.organizations.update(id, body, actor, version, requestId);
    res.setHeader('ETag', etagOf(row.version));
    return profileView(await this.organizations.profile(row));
  }
}
