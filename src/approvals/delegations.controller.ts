import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors, ErrorResponse } from '../common/http/api-errors.js';
import { RequestId } from '../common/http/request-id.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { DelegationsService } from './delegations.service.js';
import { CreateDelegationDto, DelegationDto, DelegationListDto, DelegationQueryDto } from './dto/delegation.dto.js';

/** An approver away from work hands their approval authority to someone for a while (SPEC "Delegation"). */
@ApiTags('delegations')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('delegations')
export class DelegationsController {
  constructor(private readonly delegations: DelegationsService) {}

  @Post()
  @Roles('approver', 'admin')
  @ApiCreatedResponse({ type: DelegationDto })
  @ApiErrors(400, 403)
  @ApiConflictResponse({ type: ErrorResponse, description: 'CONFLICT: the approver already hands their authority to this delegate on some of these days' })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponse,
    description:
      'GUARD_FAILED: details.rule is principalIsApprover, delegateIsAnother, delegateIsActiveUser, delegationDates or noChain (delegations do not chain)',
  })
  create(@Body() body: CreateDelegationDto, @CurrentActor() actor: Actor, @RequestId() requestId: string): Promise<DelegationDto> {
    return this.delegations.create(body, actor, requestId);
  }

  @Get()
  @ApiOkResponse({ type: DelegationListDto })
  @ApiErrors(400)
  list(@Query() query: DelegationQueryDto, @CurrentActor() actor: Actor): Promise<DelegationListDto> {
    return this.delegations.list(actor, query);
  }

  @Delete(':id')
  @ApiOkResponse({ type: DelegationDto, description: 'Ended now; the delegation is kept, with endedAt.' })
  @ApiErrors(400)
  @ApiNotFoundResponse({
    type: ErrorResponse,
    description: 'NOT_FOUND: no delegation of which the caller is the principal or the delegate (admins: none at all)',
  })
  @ApiConflictResponse({ type: ErrorResponse, description: 'CONFLICT: it was already ended, or ran its course' })
  end(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: Actor, @RequestId() requestId: string): Promise<DelegationDto> {
    return this.delegations.end(id, actor, requestId);
  }
}
