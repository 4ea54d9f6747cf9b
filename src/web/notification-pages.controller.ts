import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import { NoStore } from '../common/http/no-store.js';
import { NotificationListQueryDto } from '../notifications/dto/notification-query.dto.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, integerField, validDto, type FormBody } from './web-forms.js';
import { safeLocalPath, WEB_PREFIX } from './web-paths.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

const PAGE_SIZE = 50;

/**
 * One's own notices, newest first, and marking them read: one at a time or all. A form posts back
 * to the page it was on (`returnTo`), which htmx swaps in without leaving it. Session-cookie pages,
 * hence `@Public()`.
 */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard, CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/notifications')
export class NotificationPagesController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly views: WebViews,
  ) {}

  @Get()
  @NoStore()
  async list(@Query() query: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    const page = validDto(NotificationListQueryDto, { offset: integerField(query, 'offset'), limit: PAGE_SIZE });
    const notices = await this.notifications.list(request.actor!, page);
    await this.views.page(request, response, 'notifications', { title: 'Notifications', ...notices, offset: page.offset ?? 0, pageSize: PAGE_SIZE });
  }

  @Post('read-all')
  async markAllRead(@Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.notifications.markAllRead(request.actor!);
    response.redirect(303, returnTo(body));
  }

  @Post(':id/read')
  async markRead(@Param('id', ParseUUIDPipe) id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.notifications.markRead(request.actor!, id);
    response.redirect(303, returnTo(body));
  }
}

/** The page the form was on: My work or this list (any other local path too); by default this list. */
function returnTo(body: FormBody): string {
  const path = field(body, 'returnTo');
  return path === undefined ? `${WEB_PREFIX}/notifications` : safeLocalPath(path);
}
