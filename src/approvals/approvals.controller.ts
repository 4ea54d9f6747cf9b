import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { PageQueryDto } from '../common/http/page-query.dto.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { ApprovalsService } from './approvals.service.js';
import { PendingApprovalListResponse } from './dto/pending-approvals-response.dto.js';

@ApiTags('approvals')
@ApiBearerAuth()
@Controller('approvals')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  /**
   * What the caller may approve: in their own right (approvers), and for each approver whose
   * delegation to them is in force (`onBehalfOf`). Excludes what the caller, or the approver they
   * decide for, wrote (created, edited, submitted) or already approved; `overdue` marks items past
   * their approval SLA. Paged. Empty for someone who decides nothing.
   */
  @Get('pending')
  @ApiOkResponse({ type: PendingApprovalListResponse })
  @ApiErrors(400, 401)
  pending(@Query() query: PageQueryDto, @CurrentActor() actor: Actor) {
    return this.approvals.pending(actor, query);
  }
}
