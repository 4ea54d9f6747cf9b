import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { answerEvent, EventRoute } from '../common/http/event-request.js';
import { ApiIfMatch, ETAG_HEADER, etagOf, IfMatchVersion } from '../common/http/if-match.js';
import { RequestId } from '../common/http/request-id.js';
import { DryRunQueryDto, SendEventDto } from '../common/http/send-event.dto.js';
import { ProposedActivityDto } from '../partnerships/dto/partnership.dto.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { ActivitiesService, occurrenceView } from './activities.service.js';
import { UPCOMING_DAYS, UpcomingQueryDto } from './dto/upcoming-query.dto.js';
import { ActivitySeriesListResponse, OccurrenceResponse, UpcomingListResponse } from './dto/activity-response.dto.js';
import type { Occurrence } from './occurrence.entity.js';

@ApiTags('activities')
@ApiBearerAuth()
@Controller()
export class ActivitiesController {
  constructor(private readonly activities: ActivitiesService) {}

  @Get('partnerships/:id/activities')
  @ApiOkResponse({ type: ActivitySeriesListResponse })
  @ApiErrors(400, 401, 404)
  async list(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.seriesView(id, actor);
  }

  /** Adds a commitment; needs If-Match with the partnership's version, whose ETag the answer carries. */
  @Post('partnerships/:id/activities')
  @Roles('manager')
  @ApiCreatedResponse({
    type: ActivitySeriesListResponse,
    description: "The partnership's series, the new one last; the ETag is the partnership's new version.",
    headers: ETAG_HEADER,
  })
  @ApiIfMatch()
  @ApiErrors(400, 401, 403, 404, 409, 412, 428)
  async add(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ProposedActivityDto,
    @IfMatchVersion() version: number,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.activities.addSeries(id, body, actor, version, requestId);
    res.setHeader('ETag', etagOf(version + 1));
    res.status(201);
    return this.seriesView(id, actor);
  }

  @Get('activities/upcoming')
  @ApiOkResponse({ type: UpcomingListResponse })
  @ApiErrors(400, 401)
  async upcoming(@Query() query: UpcomingQueryDto) {
    return this.activities.upcoming(query.days ?? UPCOMING_DAYS, query);
  }

  @Get('occurrences/:id')
  @ApiOkResponse({ type: OccurrenceResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 404)
  async occurrence(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const row = await this.activities.occurrence(id);
    res.setHeader('ETag', etagOf(row.version));
    return this.occurrenceWithEvents(row, actor);
  }

  @Post('occurrences/:id/events')
  @EventRoute('occurrence', OccurrenceResponse)
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
    return answerEvent(this.activities, id, { body, query, version, actor, requestId, prefer, res }, (row) => this.occurrenceWithEvents(row, actor));
  }

  private occurrenceWithEvents(row: Occurrence, actor: Actor) {
    return { ...occurrenceView(row), availableEvents: this.activities.availableEvents(row, actor), eventsRefused: this.activities.eventsRefused(row) ?? null };
  }

  private async seriesView(partnershipId: string, actor: Actor) {
    const series = await this.activities.forPartnership(partnershipId);
    const items = series.map((s) => ({
      id: s.id,
      kind: s.kind,
      title: s.title,
      recurrence: s.recurrence,
      startsOn: s.startsOn,
      origin: s.origin,
      createdAt: s.createdAt,
      occurrences: s.occurrences.map((o) => this.occurrenceWithEvents(o, actor)),
    }));
    return { items, total: items.length };
  }
}
