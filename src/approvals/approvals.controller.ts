import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { ApprovalsService } from './approvals.service.js';
import { PendingApprovalListResponse } from './dto/pending-approvals-response.dto.js';

@ApiTags('approvals')
@ApiBearerAuth()
@Controller('approvals')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  /** Excludes what the caller submitted or already approved; `overdue` marks items past their approval SLA. */
  @Get('pending')
  @Roles('approver')
  @ApiOkResponse({ type: PendingApprovalListResponse })
  @ApiErrors(401, 403)
  pending(@CurrentActor() actor: Actor) {
    return this.approvals.pending(actor);
  }
}
