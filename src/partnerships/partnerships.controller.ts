import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiIfMatch, ETAG_HEADER, etagOf, IfMatchVersion } from '../common/http/if-match.js';
import { RequestId } from '../common/http/request-id.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { answerEvent, EventRoute } from '../common/http/event-request.js';
import { ListPartnershipsQueryDto } from './dto/list-partnerships.query.js';
import { CreatePartnershipDto, UpdatePartnershipDto } from './dto/partnership.dto.js';
import { DryRunQueryDto, SendEventDto } from '../common/http/send-event.dto.js';
import { UsersService } from '../users/users.service.js';
import { PartnershipsService } from './partnerships.service.js';
import { historyView } from '../audit/audit.view.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { PageQueryDto } from '../common/http/page-query.dto.js';
import { HistoryListResponse } from '../audit/dto/audit-response.dto.js';
import { PartnershipListResponse, PartnershipResponse } from './dto/partnership-response.dto.js';
import { ReplayResponse } from './dto/replay-response.dto.js';
import { ReplayService } from '../workflow-engine/replay.service.js';

@ApiTags('partnerships')
@ApiBearerAuth()
@Controller('partnerships')
export class PartnershipsController {
  constructor(
    private readonly partnerships: PartnershipsService,
    private readonly users: UsersService,
    private readonly registry: WorkflowRegistry,
    private readonly replays: ReplayService,
  ) {}

  @Post()
  @Roles('manager')
  @ApiCreatedResponse({ type: PartnershipResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 403, 404)
  async create(@Body() body: CreatePartnershipDto, @CurrentActor() actor: Actor, @RequestId() requestId: string, @Res({ passthrough: true }) res: Response) {
    const row = await this.partnerships.create(body, actor, requestId);
    const view = await this.partnerships.view(row, actor);
    res.setHeader('ETag', etagOf(view.version));
    return view;
  }

  @Get()
  @ApiOkResponse({ type: PartnershipListResponse })
  @ApiErrors(400, 401)
  async list(@Query() query: ListPartnershipsQueryDto) {
    return this.partnerships.listSummaries(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: PartnershipResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 404)
  async get(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const view = await this.partnerships.view(await this.partnerships.get(id), actor);
    res.setHeader('ETag', etagOf(view.version));
    return view;
  }

  @Patch(':id')
  @Roles('manager')
  @ApiOkResponse({ type: PartnershipResponse, headers: ETAG_HEADER })
  @ApiIfMatch()
  @ApiErrors(400, 401, 403, 404, 409, 412, 428)
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdatePartnershipDto,
    @IfMatchVersion() version: number,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const row = await this.partnerships.updateDetails(id, body, actor, version, requestId);
    const view = await this.partnerships.view(row, actor);
    res.setHeader('ETag', etagOf(view.version));
    return view;
  }

  @Post(':id/events')
  @EventRoute('partnership', PartnershipResponse)
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
    return answerEvent(this.partnerships, id, { body, query, version, actor, requestId, prefer, res }, (row) => this.partnerships.view(row, actor));
  }

  /** The partnership's rows and its occurrences', oldest first, a page at a time (limit 50 by default, at most 200). */
  @Get(':id/history')
  @ApiOkResponse({ type: HistoryListResponse })
  @ApiErrors(400, 401, 404)
  async history(@Param('id', ParseUUIDPipe) id: string, @Query() page: PageQueryDto) {
    const { items, total } = await this.partnerships.history(id, page);
    return { items: historyView(items, await this.users.displayNames(items.map((r) => r.actorId)), this.registry), total };
  }

  /** Re-runs the partnership's accepted events from the audit chain on its workflow version and compares with the stored row. */
  @Get(':id/replay')
  @Roles('auditor', 'admin')
  @ApiOkResponse({ type: ReplayResponse })
  @ApiErrors(400, 401, 403, 404)
  async replay(@Param('id', ParseUUIDPipe) id: string): Promise<ReplayResponse> {
    const result = await this.replays.replay('partnership', id);
    return {
      ok: result.matches,
      storedState: result.stored,
      replayedState: result.replayed,
      events: result.events,
      ...(result.divergesAt && { divergesAt: result.divergesAt }),
    };
  }
}
