import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { ApiIfMatch, ETAG_HEADER, etagOf, IfMatchVersion } from '../common/http/if-match.js';
import { NoStore } from '../common/http/no-store.js';
import { RequestId } from '../common/http/request-id.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { CreateEngagementDto, ListEngagementsQueryDto, UpdateEngagementDto } from './dto/engagement.dto.js';
import { EngagementListResponse, EngagementResponse } from './dto/engagement-response.dto.js';
import { EngagementsService } from './engagements.service.js';

/** Engagements name the people who attended: their answers are not kept by caches. */
@ApiTags('engagements')
@ApiBearerAuth()
@Controller('engagements')
export class EngagementsController {
  constructor(private readonly engagements: EngagementsService) {}

  @Post()
  @NoStore()
  @Roles('manager')
  @ApiCreatedResponse({ type: EngagementResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 403, 404, 422)
  async create(@Body() body: CreateEngagementDto, @CurrentActor() actor: Actor, @RequestId() requestId: string, @Res({ passthrough: true }) res: Response) {
    const engagement = await this.engagements.create(body, actor, requestId);
    res.setHeader('ETag', etagOf(engagement.version));
    return engagement;
  }

  @Get()
  @NoStore()
  @ApiOkResponse({ type: EngagementListResponse })
  @ApiErrors(400, 401)
  list(@Query() query: ListEngagementsQueryDto) {
    return this.engagements.list(query);
  }

  @Get(':id')
  @NoStore()
  @ApiOkResponse({ type: EngagementResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 404)
  async get(@Param('id', ParseUUIDPipe) id: string, @Res({ passthrough: true }) res: Response) {
    const engagement = await this.engagements.get(id);
    res.setHeader('ETag', etagOf(engagement.version));
    return engagement;
  }

  @Patch(':id')
  @NoStore()
  @Roles('manager')
  @ApiOkResponse({ type: EngagementResponse, headers: ETAG_HEADER })
  @ApiIfMatch()
  @ApiErrors(400, 401, 403, 404, 412, 422, 428)
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateEngagementDto,
    @IfMatchVersion() version: number,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const engagement = await this.engagements.update(id, body, actor, version, requestId);
    res.setHeader('ETag', etagOf(engagement.version));
    return engagement;
  }
}
