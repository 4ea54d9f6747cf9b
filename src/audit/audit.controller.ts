import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { PageQueryDto } from '../common/http/page-query.dto.js';
import { AuditService } from './audit.service.js';
import { auditExportHeaders, auditRowView } from './audit.view.js';
import { AuditQueryDto, ExportQueryDto } from './dto/audit-query.dto.js';
import {
  AuditBrokenResponse,
  AuditListResponse,
  AuditRowResponse,
  AuditVerifiedResponse,
  CheckpointLineResponse,
  CheckpointListResponse,
} from './dto/audit-response.dto.js';

@ApiTags('audit')
@ApiBearerAuth()
@Roles('auditor', 'admin')
@ApiExtraModels(AuditVerifiedResponse, AuditBrokenResponse, AuditRowResponse, CheckpointLineResponse)
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({ type: AuditListResponse })
  @ApiErrors(400, 401, 403)
  async list(@Query() query: AuditQueryDto) {
    const { items, total } = await this.audit.search(query);
    return { items: items.map(auditRowView), total };
  }

  @Get('verify')
  @ApiOkResponse({ schema: { oneOf: [{ $ref: getSchemaPath(AuditVerifiedResponse) }, { $ref: getSchemaPath(AuditBrokenResponse) }] } })
  @ApiErrors(401, 403)
  verify() {
    return this.audit.verify();
  }

  @Get('checkpoints')
  @ApiOkResponse({ type: CheckpointListResponse })
  @ApiErrors(400, 401, 403)
  listCheckpoints(@Query() query: PageQueryDto) {
    return this.audit.listCheckpoints(query.limit, query.offset);
  }

  /** The whole chain, streamed a batch at a time (AuditService.export says how each format reads). */
  @Get('export')
  @ApiOkResponse({
    description:
      'JSONL: one AuditRowResponse per line, in seq order; after the row a checkpoint signs, a line {"checkpoint": CheckpointResponse}. ' +
      'CSV: the rows only, for reading: the same columns plus actorName (beside actorId), actorRoles space-separated, payload as canonical JSON, ' +
      'and a cell that a spreadsheet would run as a formula prefixed with a single quote.',
    content: {
      'application/x-ndjson': { schema: { oneOf: [{ $ref: getSchemaPath(AuditRowResponse) }, { $ref: getSchemaPath(CheckpointLineResponse) }] } },
      'text/csv': { schema: { type: 'string' } },
    },
  })
  @ApiErrors(400, 401, 403)
  async export(@Query() query: ExportQueryDto, @Res() res: Response): Promise<void> {
    const format = query.format ?? 'jsonl';
    res.status(200).set(auditExportHeaders(format));
    await this.audit.export(format, res);
  }
}

/** The key that signs the chain's checkpoints, for anyone to keep where whoever holds the database cannot change it. */
@ApiTags('audit')
@Public()
@Controller('audit')
export class AuditPublicKeyController {
  constructor(private readonly audit: AuditService) {}

  @Get('public-key')
  @Header('Content-Type', 'application/x-pem-file; charset=utf-8')
  @ApiOkResponse({
    description:
      'The Ed25519 public key (SubjectPublicKeyInfo PEM) that checks the checkpoints; `npm run audit:verify -- <export> --public-key <file>` takes it.',
    content: { 'application/x-pem-file': { schema: { type: 'string' } } },
  })
  publicKey(): string {
    return this.audit.publicKeyPem();
  }
}
