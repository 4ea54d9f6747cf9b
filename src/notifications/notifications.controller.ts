import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { NoStore } from '../common/http/no-store.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { NotificationListQueryDto } from './dto/notification-query.dto.js';
import { NotificationListDto } from './dto/notification.dto.js';
import { NotificationsService } from './notifications.service.js';

/** Each signed-in person's own notices. */
@ApiTags('notifications')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @NoStore()
  @ApiOkResponse({ type: NotificationListDto })
  @ApiErrors(400)
  list(@Query() query: NotificationListQueryDto, @CurrentActor() actor: Actor): Promise<NotificationListDto> {
    return this.notifications.list(actor, query);
  }

  @Post('read-all')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Every notice of the caller is read.' })
  markAllRead(@CurrentActor() actor: Actor): Promise<void> {
    return this.notifications.markAllRead(actor);
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The notice is read (it may have been already).' })
  @ApiErrors(400, 404)
  markRead(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.notifications.markRead(actor, id);
  }
}
