import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { PartnershipsModule } from '../partnerships/partnerships.module.js';
import { ApprovalsController } from './approvals.controller.js';
import { ApprovalsService } from './approvals.service.js';
import { DelegationsController } from './delegations.controller.js';
import { DelegationsService } from './delegations.service.js';

@Module({
  imports: [AuditModule, NotificationsModule, PartnershipsModule],
  controllers: [ApprovalsController, DelegationsController],
  providers: [ApprovalsService, DelegationsService],
  exports: [ApprovalsService, DelegationsService],
})
export class ApprovalsModule {}
