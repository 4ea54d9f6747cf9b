import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { answerEvent, EventRoute } from '../common/http/event-request.js';
import { ETAG_HEADER, etagOf, IfMatchVersion } from '../common/http/if-match.js';
import { RequestId } from '../common/http/request-id.js';
import { DryRunQueryDto, SendEventDto } from '../common/http/send-event.dto.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { CreateFollowUpDto, ListFollowUpsQueryDto } from './dto/follow-up.dto.js';
import { FollowUpListResponse, FollowUpResponse } from './dto/follow-up-response.dto.js';
import type { FollowUp } from './follow-up.entity.js';
import { FollowUpsService, followUpView } from './follow-ups.service.js';

@ApiTags('follow-ups')
@ApiBearerAuth()
@Controller()
export class FollowUpsController {
  constructor(private readonly followUps: FollowUpsService) {}

  @Post('engagements/:id/follow-ups')
  @Roles('manager')
  @ApiCreatedResponse({ type: FollowUpResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 403, 404)
  async create(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: CreateFollowUpDto,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const row = await this.followUps.create(id, body, actor, requestId);
    res.setHeader('ETag', etagOf(row.version));
    return this.withEvents(row, actor);
  }

  @Get('follow-ups')
  @ApiOkResponse({ type: FollowUpListResponse })
  @ApiErrors(400, 401)
  async list(@Query() query: ListFollowUpsQueryDto, @CurrentActor() actor: Actor) {
    const { items, total } = await this.followUps.list(query);
    return { items: items.map((row) => this.withEvents(row, actor)), total };
  }

  @Get('follow-ups/:id')
  @ApiOkResponse({ type: FollowUpResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 404)
  async get(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const row = await this.followUps.get(id);
    res.setHeader('ETag', etagOf(row.version));
    return this.withEvents(row, actor);
  }

  @Post('follow-ups/:id/events')
  @EventRoute('follow-up', FollowUpResponse)
  async send(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: SendEventDto,
    @Query() query: DryRunQueryDto,
    @IfMatchVersion() version: number,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return answerEvent(this.followUps, id, { body, query, version, actor, requestId, prefer, res }, (row) => this.withEvents(row, actor));
  }

  private withEvents(row: FollowUp, actor: Actor) {
    return { ...followUpView(row), availableEvents: this.followUps.availableEvents(row, actor), eventsRefused: this.followUps.eventsRefused(row) ?? null };
  }
}
