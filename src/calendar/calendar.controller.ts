import { Body, Controller, Delete, Get, Headers, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { once } from 'node:events';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Public } from '../auth/auth.decorators.js';
import { AuthService } from '../auth/auth.service.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { NoStore } from '../common/http/no-store.js';
import { PageQueryDto } from '../common/http/page-query.dto.js';
import { RequestId } from '../common/http/request-id.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { CalendarService } from './calendar.service.js';
import { CalendarFeedQueryDto, CreateCalendarTokenDto } from './dto/calendar.dto.js';
import { CalendarTokenListResponse, CalendarTokenResponse, CreatedCalendarTokenResponse } from './dto/calendar-response.dto.js';

@ApiTags('calendar')
@Controller()
export class CalendarController {
  constructor(
    private readonly calendar: CalendarService,
    private readonly auth: AuthService,
  ) {}

  /** With a bearer token, or with `?token=` of a personal feed token for calendar apps. Streamed: the window's events a batch at a time. */
  @Get('calendar.ics')
  @Public()
  @ApiBearerAuth()
  @ApiOkResponse({
    description: 'iCalendar (RFC 5545): occurrences, MOU expiries and renewal windows whose dates fall in the window (from, to), streamed.',
    content: { 'text/calendar': { schema: { type: 'string' } } },
  })
  @ApiErrors(400, 401)
  async feed(@Query() query: CalendarFeedQueryDto, @Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    if (query.token !== undefined) await this.calendar.userForToken(query.token);
    else await this.auth.authenticate(authorization);
    const window = this.calendar.window(query);
    // Set only once the request is accepted, so a refusal still answers JSON in the one error shape.
    res.status(200);
    res.type('text/calendar; charset=utf-8');
    res.setHeader('Cache-Control', 'private, max-age=300');
    for await (const piece of this.calendar.feed(window)) {
      if (res.destroyed) return;
      if (!res.write(piece)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  }

  @Post('calendar/tokens')
  @NoStore()
  @ApiBearerAuth()
  @ApiCreatedResponse({ type: CreatedCalendarTokenResponse })
  @ApiErrors(400, 401)
  createToken(@Body() body: CreateCalendarTokenDto, @CurrentActor() actor: Actor, @RequestId() requestId: string) {
    return this.calendar.createToken(actor, body.label, requestId);
  }

  @Get('calendar/tokens')
  @NoStore()
  @ApiBearerAuth()
  @ApiOkResponse({ type: CalendarTokenListResponse })
  @ApiErrors(400, 401)
  listTokens(@Query() page: PageQueryDto, @CurrentActor() actor: Actor) {
    return this.calendar.listTokens(actor, page);
  }

  @Delete('calendar/tokens/:id')
  @NoStore()
  @ApiBearerAuth()
  @ApiOkResponse({ type: CalendarTokenResponse, description: 'The token, revoked (again, if it already was).' })
  @ApiErrors(400, 401, 404)
  revokeToken(@Param('id', ParseUUIDPipe) id: string, @CurrentActor() actor: Actor, @RequestId() requestId: string) {
    return this.calendar.revokeToken(actor, id, requestId);
  }
}
