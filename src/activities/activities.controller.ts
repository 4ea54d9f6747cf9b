import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { dryRunView, eventInput } from '../common/http/event-request.js';
import { etagOf, IfMatchVersion } from '../common/http/if-match.js';
import { RequestId } from '../common/http/request-id.js';
import { DryRunQueryDto, SendEventDto } from '../common/http/send-event.dto.js';
import { WriteRateLimitGuard } from '../common/http/write-rate-limit.guard.js';
import { ProposedActivityDto } from '../partnerships/dto/partnership.dto.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { ActivitiesService, occurrenceView } from './activities.service.js';
import { UpcomingQueryDto } from './dto/upcoming-query.dto.js';
import type { Occurrence } from './occurrence.entity.js';

@ApiTags('activities')
@ApiBearerAuth()
@Controller()
export class ActivitiesController {
  constructor(private readonly activities: ActivitiesService) {}

  @Get('partnerships/:id/activities')
  @ApiErrors(400, 401, 404)
  async list(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor) {
    return this.seriesView(id, actor);
  }

  /** Adds a commitment; needs If-Match with the partnership's version, whose ETag the answer carries. */
  @Post('partnerships/:id/activities')
  @Roles('manager')
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
  @ApiErrors(400, 401)
  async upcoming(@Query() query: UpcomingQueryDto) {
    const items = await this.activities.upcoming(query.days ?? 90);
    return { items, total: items.length };
  }

  @Get('occurrences/:id')
  @ApiErrors(400, 401, 404)
  async occurrence(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const row = await this.activities.occurrence(id);
    res.setHeader('ETag', etagOf(row.version));
    return this.occurrenceWithEvents(row, actor);
  }

  @Post('occurrences/:id/events')
  @HttpCode(200)
  @UseGuards(WriteRateLimitGuard)
  @ApiErrors(400, 401, 403, 404, 409, 412, 422, 428)
  async send(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: SendEventDto,
    @Query() query: DryRunQueryDto,
    @IfMatchVersion() version: number,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = eventInput(body, actor, version, requestId);
    if (query.dryRun === 'true') {
      const { row, result } = await this.activities.dryRun(id, input);
      res.setHeader('ETag', etagOf(row.version));
      return dryRunView(body.type, result);
    }
    const { row } = await this.activities.send(id, input);
    res.setHeader('ETag', etagOf(row.version));
    return this.occurrenceWithEvents(row, actor);
  }

  private occurrenceWithEvents(row: Occurrence, actor: Actor) {
    return { ...occurrenceView(row), availableEvents: this.activities.availableEvents(row, actor) };
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
