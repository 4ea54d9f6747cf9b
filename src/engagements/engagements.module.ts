import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { EngagementsController } from './engagements.controller.js';
import { EngagementsService } from './engagements.service.js';
import { FollowUpsController } from './follow-ups.controller.js';
import { FollowUpsService } from './follow-ups.service.js';
import { TimelineController } from './timeline.controller.js';
import { TimelineService } from './timeline.service.js';

@Module({
  imports: [AuditModule],
  controllers: [EngagementsController, FollowUpsController, TimelineController],
  providers: [EngagementsService, FollowUpsService, TimelineService],
  exports: [EngagementsService, FollowUpsService, TimelineService],
})
export class EngagementsModule {}
