import { Body, Controller, Get, Param, Post, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../auth/auth.decorators.js';
import { loginClientOf } from '../../auth/login-throttle.js';
import { ApiErrors, ErrorResponse } from '../../common/http/api-errors.js';
import { NoStore } from '../../common/http/no-store.js';
import { documentDownload } from '../document-download.js';
import { TAKEN_MEDIA_TYPES } from '../media-type.js';
import { AcknowledgeDto, PartnerCommentDto, PartnerViewDto } from './dto/partner-link.dto.js';
import { PartnerLinksService } from './partner-links.service.js';

const NOT_FOUND = 'NOT_FOUND, alike for a token that is unknown, revoked or expired';

/**
 * What the partner's signatory does through a link, with no account: the token in the path is the
 * credential. Throttled per address like sign-in; the writes also per link.
 */
@ApiTags('partner')
@Public()
@Controller('partner/:token')
export class PartnerController {
  constructor(private readonly links: PartnerLinksService) {}

  @Get()
  @NoStore()
  @ApiOkResponse({ type: PartnerViewDto })
  @ApiNotFoundResponse({ type: ErrorResponse, description: NOT_FOUND })
  @ApiErrors(429)
  async read(@Param('token') token: string, @Req() request: Request): Promise<PartnerViewDto> {
    return (await this.links.read(token, loginClientOf(request))).view;
  }

  @Get('document')
  @NoStore()
  @ApiOkResponse({
    description: 'The bytes of the agreed text, with its Content-Type, `Content-Disposition: attachment` and `ETag: "<sha256>"`.',
    content: Object.fromEntries(TAKEN_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
  })
  @ApiNotFoundResponse({ type: ErrorResponse, description: NOT_FOUND })
  @ApiErrors(429)
  async document(@Param('token') token: string, @Req() request: Request, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    return documentDownload(await this.links.document(token, loginClientOf(request)), res);
  }

  @Post('acknowledge')
  @NoStore()
  @ApiCreatedResponse({ type: PartnerViewDto, description: 'Recorded in the audit chain as PARTNER_ACKNOWLEDGED with the hash; the owner is told.' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: NOT_FOUND })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: 'CONFLICT (details.rule acknowledgedOnce): already acknowledged through this link; TEXT_CHANGED: the agreed text changed after issue',
  })
  @ApiErrors(400, 429)
  async acknowledge(@Param('token') token: string, @Body() body: AcknowledgeDto, @Req() request: Request): Promise<PartnerViewDto> {
    const client = loginClientOf(request);
    await this.links.acknowledge(token, body, client);
    return (await this.links.read(token, client)).view;
  }

  @Post('comment')
  @NoStore()
  @ApiCreatedResponse({ type: PartnerViewDto, description: 'Recorded in the audit chain as PARTNER_COMMENTED; the owner is told.' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: NOT_FOUND })
  @ApiErrors(400, 429)
  async comment(@Param('token') token: string, @Body() body: PartnerCommentDto, @Req() request: Request): Promise<PartnerViewDto> {
    const client = loginClientOf(request);
    await this.links.comment(token, body.comment, client);
    return (await this.links.read(token, client)).view;
  }
}
