import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { MailOutboxMetrics } from './mail/mail-outbox.metrics.js';
import { MailOutboxService } from './mail/mail-outbox.service.js';
import { MailWorker } from './mail/mail-worker.service.js';
import { NotificationsController } from './notifications.controller.js';
import { NotificationsService } from './notifications.service.js';

@Module({
  controllers: [NotificationsController],
  imports: [AuditModule],
  providers: [NotificationsService, MailWorker, MailOutboxService, MailOutboxMetrics],
  exports: [NotificationsService],
})
export class NotificationsModule {}
