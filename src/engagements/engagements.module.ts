import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { EngagementsController } from './engagements.controller.js';
import { EngagementsService } from './engagements.service.js';
import { FollowUpsController } from './follow-ups.controller.js';
import { FollowUpsService } from './follow-ups.service.js';

@Module({
  imports: [AuditModule],
  controllers: [EngagementsController, FollowUpsController],
  providers: [EngagementsService, FollowUpsService],
  exports: [EngagementsService, FollowUpsService],
})
export class EngagementsModule {}
