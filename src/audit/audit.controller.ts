import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import { once } from 'node:events';
import { Public, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { PageQueryDto } from '../common/http/page-query.dto.js';
import { UsersService } from '../users/users.service.js';
import { SYSTEM_ACTOR } from '../workflow-engine/workflow.types.js';
import { AuditService } from './audit.service.js';
import { auditRowView } from './audit.view.js';
import { AuditQueryDto, ExportQueryDto } from './dto/audit-query.dto.js';
import {
  AuditBrokenResponse,
  AuditListResponse,
  AuditRowResponse,
  AuditVerifiedResponse,
  CheckpointLineResponse,
  CheckpointListResponse,
} from './dto/audit-response.dto.js';

const CSV_COLUMNS = [
  'seq',
  'occurredAt',
  'actorId',
  'actorName',
  'actorRoles',
  'action',
  'entityType',
  'entityId',
  'fromState',
  'toState',
  'workflowId',
  'workflowVersion',
  'outcome',
  'requestId',
  'payload',
  'prevHash',
  'hash',
] as const;

@ApiTags('audit')
@ApiBearerAuth()
@Roles('auditor', 'admin')
@ApiExtraModels(AuditVerifiedResponse, AuditBrokenResponse, AuditRowResponse, CheckpointLineResponse)
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly users: UsersService,
  ) {}

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

  /**
   * The whole chain, streamed a batch at a time. JSONL: each row, and after a row its checkpoint,
   * if it has one; `npm run audit:verify -- <file>` checks it offline. CSV: for people to read,
   * with each actor's name beside their id, and every cell a spreadsheet would run as a formula
   * (starting with =, +, -, @, a tab or a carriage return) prefixed with a quote (csv-stringify's
   * `escape_formulas`, OWASP's rule).
   */
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
    res.status(200);
    res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="audit-chain.${format}"`);
    if (format === 'csv') {
      const csv = stringify({ header: true, columns: [...CSV_COLUMNS], escape_formulas: true });
      csv.pipe(res);
      for await (const batch of this.audit.batches()) {
        const names = await this.users.displayNames(batch.map((row) => row.actorId));
        for (const row of batch) {
          const view = auditRowView(row);
          const name = names.get(row.actorId);
          const actorName = name ? `${name.displayName} (${name.username})` : row.actorId === SYSTEM_ACTOR.id ? 'system' : '';
          if (!csv.write({ ...view, actorName, actorRoles: view.actorRoles.join(' '), payload: row.payload })) await once(csv, 'drain');
        }
      }
      csv.end();
      await once(res, 'finish');
      return;
    }
    for await (const { rows, checkpoints } of this.audit.exportBatches()) {
      const lines: string[] = [];
      let next = 0;
      for (const row of rows) {
        lines.push(JSON.stringify(auditRowView(row)));
        if (checkpoints[next]?.seq === row.seq) lines.push(JSON.stringify({ checkpoint: checkpoints[next++] }));
      }
      // Checkpoints past the last row exported: the chain was cut below them, which the offline verifier reports.
      for (; next < checkpoints.length; next += 1) lines.push(JSON.stringify({ checkpoint: checkpoints[next] }));
      if (!res.write(lines.join('\n') + '\n')) await once(res, 'drain');
    }
    res.end();
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
    description: 'The Ed25519 public key (SubjectPublicKeyInfo PEM) that checks the checkpoints; `npm run audit:verify -- <export> --public-key <file>` takes it.',
    content: { 'application/x-pem-file': { schema: { type: 'string' } } },
  })
  publicKey(): string {
    return this.audit.publicKeyPem();
  }
}
