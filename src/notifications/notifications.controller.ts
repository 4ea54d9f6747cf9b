import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors, ErrorResponse } from '../common/http/api-errors.js';
import { RequestId } from '../common/http/request-id.js';
import { NoStore } from '../common/http/no-store.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { NotificationListQueryDto } from './dto/notification-query.dto.js';
import { NotificationListDto } from './dto/notification.dto.js';
import { OutboxListDto, OutboxMailDto, OutboxQueryDto } from './dto/outbox.dto.js';
import { MailOutboxService } from './mail/mail-outbox.service.js';
import { NotificationsService } from './notifications.service.js';

/** Each signed-in person's own notices. */
@ApiTags('notifications')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly outboxes: MailOutboxService,
  ) {}

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

  @Get('outbox')
  @Roles('admin')
  @NoStore()
  @ApiOkResponse({ type: OutboxListDto, description: 'Mail of notices, newest first; `?status=failed` is what needs an admin.' })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'FORBIDDEN: only admins see the mail' })
  @ApiErrors(400)
  outbox(@Query() query: OutboxQueryDto): Promise<OutboxListDto> {
    return this.outboxes.list(query);
  }

  @Post('outbox/:id/retry')
  @Roles('admin')
  @HttpCode(200)
  @NoStore()
  @ApiOkResponse({ type: OutboxMailDto, description: 'The mail, pending again with its tries counted afresh; it is sent at once.' })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'FORBIDDEN: only admins retry mail' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'CONFLICT: only failed mail is sent again' })
  @ApiErrors(400, 404)
  retry(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: Actor, @RequestId() requestId: string): Promise<OutboxMailDto> {
    return this.outboxes.retry(id, actor, requestId);
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The notice is read (it may have been already).' })
  @ApiErrors(400, 404)
  markRead(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.notifications.markRead(actor, id);
  }
}
