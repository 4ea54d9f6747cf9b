import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import { once } from 'node:events';
import { Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { AuditService } from './audit.service.js';
import { auditRowView } from './audit.view.js';
import { AuditQueryDto, ExportQueryDto } from './dto/audit-query.dto.js';
import { AuditBrokenResponse, AuditListResponse, AuditRowResponse, AuditVerifiedResponse } from './dto/audit-response.dto.js';

const CSV_COLUMNS = [
  'seq',
  'occurredAt',
  'actorId',
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
@ApiExtraModels(AuditVerifiedResponse, AuditBrokenResponse, AuditRowResponse)
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

  /** The whole chain, streamed a batch at a time; `npm run audit:verify -- <file>` checks a JSONL export offline. */
  @Get('export')
  @ApiOkResponse({
    description: 'JSONL: one AuditRowResponse per line, in seq order. CSV: the same columns, actorRoles space-separated, payload as canonical JSON.',
    content: {
      'application/x-ndjson': { schema: { $ref: getSchemaPath(AuditRowResponse) } },
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
      const csv = stringify({ header: true, columns: [...CSV_COLUMNS] });
      csv.pipe(res);
      for await (const batch of this.audit.batches()) {
        for (const row of batch) {
          const view = auditRowView(row);
          if (!csv.write({ ...view, actorRoles: view.actorRoles.join(' '), payload: row.payload })) await once(csv, 'drain');
        }
      }
      csv.end();
      await once(res, 'finish');
      return;
    }
    for await (const batch of this.audit.batches()) {
      const chunk = batch.map((row) => JSON.stringify(auditRowView(row))).join('\n') + '\n';
      if (!res.write(chunk)) await once(res, 'drain');
    }
    res.end();
  }
}
