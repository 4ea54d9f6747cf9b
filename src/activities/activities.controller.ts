import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { answerEvent } from '../common/http/event-request.js';
import { etagOf, IfMatchVersion } from '../common/http/if-match.js';
import { RequestId } from '../common/http/request-id.js';
import { DryRunQueryDto, SendEventDto } from '../common/http/send-event.dto.js';
import { WriteRateLimitGuard } from '../common/http/write-rate-limit.guard.js';
import { ProposedActivityDto } from '../partnerships/dto/partnership.dto.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { ActivitiesService, occurrenceView } from './activities.service.js';
import { UPCOMING_DAYS, UpcomingQueryDto } from './dto/upcoming-query.dto.js';
import { ActivitySeriesListResponse, OccurrenceResponse, UpcomingListResponse } from './dto/activity-response.dto.js';
import { DryRunResponse, MinimalEventResponse } from '../partnerships/dto/partnership-response.dto.js';
import type { Occurrence } from './occurrence.entity.js';

const ETAG_HEADER = { ETag: { description: 'The version to send back as If-Match', schema: { type: 'string', example: '"2"' } } };

@ApiTags('activities')
@ApiBearerAuth()
@ApiExtraModels(OccurrenceResponse, DryRunResponse, MinimalEventResponse)
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
  @ApiCreatedResponse({ type: ActivitySeriesListResponse, description: "The partnership's series, the new one last; the ETag is the partnership's new version.", headers: ETAG_HEADER })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The version you read, as its ETag: "3"' })
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
  @HttpCode(200)
  @UseGuards(WriteRateLimitGuard)
  @ApiOkResponse({
    description: 'The occurrence after the event; with ?dryRun=true, what the event would do.',
    headers: ETAG_HEADER,
    // anyOf, not oneOf: the objects are open, so the whole view also matches MinimalEventResponse's three fields.
    schema: { anyOf: [{ $ref: getSchemaPath(OccurrenceResponse) }, { $ref: getSchemaPath(DryRunResponse) }, { $ref: getSchemaPath(MinimalEventResponse) }] },
  })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The version you read, as its ETag: "3"' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retry-safe key (1-200 of A-Z a-z 0-9 . _ : -): the same key and body replays the first answer' })
  @ApiHeader({ name: 'Prefer', required: false, description: 'return=minimal: answer only id, state and version (and Preference-Applied: return=minimal), not the whole view' })
  @ApiErrors(400, 401, 403, 404, 409, 412, 422, 428, 429)
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
