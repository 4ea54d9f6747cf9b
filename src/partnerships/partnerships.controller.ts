import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { etagOf, IfMatchVersion } from '../common/http/if-match.js';
import { RequestId } from '../common/http/request-id.js';
import { WriteRateLimitGuard } from '../common/http/write-rate-limit.guard.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { answerEvent } from '../common/http/event-request.js';
import { ListPartnershipsQueryDto } from './dto/list-partnerships.query.js';
import { CreatePartnershipDto, UpdatePartnershipDto } from './dto/partnership.dto.js';
import { DryRunQueryDto, SendEventDto } from '../common/http/send-event.dto.js';
import { UsersService } from '../users/users.service.js';
import { PartnershipsService } from './partnerships.service.js';
import { historyView } from '../audit/audit.view.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { PageQueryDto } from '../common/http/page-query.dto.js';
import { HistoryListResponse } from '../audit/dto/audit-response.dto.js';
import { DryRunResponse, MinimalEventResponse, PartnershipListResponse, PartnershipResponse } from './dto/partnership-response.dto.js';

const ETAG_HEADER = { ETag: { description: 'The version to send back as If-Match', schema: { type: 'string', example: '"2"' } } };

@ApiTags('partnerships')
@ApiBearerAuth()
@ApiExtraModels(PartnershipResponse, DryRunResponse, MinimalEventResponse)
@Controller('partnerships')
export class PartnershipsController {
  constructor(
    private readonly partnerships: PartnershipsService,
    private readonly users: UsersService,
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
  @ApiHeader({ name: 'If-Match', required: true, description: 'The version you read, as its ETag: "3"' })
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
  @UseGuards(WriteRateLimitGuard)
  @HttpCode(200)
  @ApiOkResponse({
    description: 'The partnership after the event; with ?dryRun=true, what the event would do.',
    headers: ETAG_HEADER,
    // anyOf, not oneOf: the objects are open, so the whole view also matches MinimalEventResponse's three fields.
    schema: { anyOf: [{ $ref: getSchemaPath(PartnershipResponse) }, { $ref: getSchemaPath(DryRunResponse) }, { $ref: getSchemaPath(MinimalEventResponse) }] },
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
    return answerEvent(this.partnerships, id, { body, query, version, actor, requestId, prefer, res }, (row) => this.partnerships.view(row, actor));
  }

  /** The partnership's rows and its occurrences', oldest first, a page at a time (limit 50 by default, at most 200). */
  @Get(':id/history')
  @ApiOkResponse({ type: HistoryListResponse })
  @ApiErrors(400, 401, 404)
  async history(@Param('id', ParseUUIDPipe) id: string, @Query() page: PageQueryDto) {
    const { items, total } = await this.partnerships.history(id, page);
    return { items: historyView(items, await this.users.displayNames(items.map((r) => r.actorId))), total };
  }
}
