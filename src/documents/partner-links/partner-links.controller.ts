import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '../../auth/auth.decorators.js';
import { ApiErrors, ErrorResponse } from '../../common/http/api-errors.js';
import { NoStore } from '../../common/http/no-store.js';
import { RequestId } from '../../common/http/request-id.js';
import type { Actor } from '../../workflow-engine/workflow.types.js';
import { CreatePartnerLinkDto, IssuedPartnerLinkDto, PartnerLinkDto, PartnerLinkListDto, PartnerLinkQueryDto } from './dto/partner-link.dto.js';
import { PartnerLinksService } from './partner-links.service.js';

/** Links a manager sends the partner's signatory to acknowledge the agreed text (SPEC "The partner's acknowledgement"). */
@ApiTags('partner links')
@ApiBearerAuth()
@ApiErrors(401)
@Controller()
export class PartnerLinksController {
  constructor(private readonly links: PartnerLinksService) {}

  @Post('partnerships/:id/partner-links')
  @Roles('manager')
  @NoStore()
  @ApiCreatedResponse({ type: IssuedPartnerLinkDto, description: 'The token is in this answer only; the service keeps its SHA-256.' })
  @ApiErrors(400, 403, 404)
  @ApiConflictResponse({ type: ErrorResponse, description: 'NO_AGREED_TEXT: the partnership has no agreed text held as a document' })
  issue(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: CreatePartnerLinkDto,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<IssuedPartnerLinkDto> {
    return this.links.issue(id, body, actor, requestId);
  }

  @Get('partner-links')
  @Roles('manager', 'auditor')
  @ApiOkResponse({ type: PartnerLinkListDto })
  @ApiErrors(400, 403)
  list(@Query() query: PartnerLinkQueryDto): Promise<PartnerLinkListDto> {
    return this.links.list(query);
  }

  @Delete('partner-links/:id')
  @Roles('manager')
  @ApiOkResponse({ type: PartnerLinkDto, description: 'Revoked now; the link is kept, with revokedAt, and opens nothing.' })
  @ApiErrors(400, 403, 404)
  @ApiConflictResponse({ type: ErrorResponse, description: 'CONFLICT: it was already revoked' })
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() actor: Actor, @RequestId() requestId: string): Promise<PartnerLinkDto> {
    return this.links.revoke(id, actor, requestId);
  }
}
