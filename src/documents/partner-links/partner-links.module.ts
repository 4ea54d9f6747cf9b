import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { NotificationsModule } from '../../notifications/notifications.module.js';
import { DocumentsModule } from '../documents.module.js';
import { PartnerController } from './partner.controller.js';
import { PartnerLinksController } from './partner-links.controller.js';
import { PartnerLinksService } from './partner-links.service.js';
import { PartnerThrottle } from './partner-throttle.js';

@Module({
  imports: [AuditModule, DocumentsModule, NotificationsModule],
  controllers: [PartnerLinksController, PartnerController],
  providers: [PartnerLinksService, PartnerThrottle],
  exports: [PartnerLinksService],
})
export class PartnerLinksModule {}
