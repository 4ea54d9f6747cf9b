import { applyDecorators, Controller, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { readFile } from 'node:fs/promises';
import { CurrentActor, Roles } from '../../auth/auth.decorators.js';
import { DomainError } from '../../common/domain-error.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { NoStore } from '../../common/http/no-store.js';
import { RequestId } from '../../common/http/request-id.js';
import { DryRunQueryDto } from '../../common/http/send-event.dto.js';
import { receiveBody, receiveUpload } from '../../documents/upload-receiver.js';
import type { Actor } from '../../workflow-engine/workflow.types.js';
import { AGREEMENT_COLUMNS, AgreementsImport, type AgreementCheck, type AgreementResult } from '../../partnerships/agreements-import.service.js';
import { ImportCheckResponse, ImportFileBody, ImportResultResponse } from './import.dto.js';
import { IMPORT_COLUMNS, ImportService, type ImportCheck, type ImportKind, type ImportResult } from './import.service.js';
import { XLSX } from './import-table.js';

/** The media types a file may be sent as, whole, without multipart. */
const RAW_TYPES: Record<string, string> = { 'text/csv': 'import.csv', [XLSX]: 'import.xlsx' };

/** What both import routes share: the role, the bodies taken and the answers given. */
function ImportRoute(kind: ImportKind) {
  const more = kind === 'people' ? ' (organization: the name of one already recorded, any case)' : ' (country: its name or two-letter code)';
  return applyDecorators(
    NoStore(),
    Roles('manager'),
    HttpCode(201),
    ApiOperation({
      summary: `Import ${kind} from a CSV file or an Excel workbook`,
      description:
        `The first row names the fields: ${IMPORT_COLUMNS[kind].columns.join(', ')}${more}. Send the file as multipart/form-data in the field "file", or as the whole body ` +
        `(text/csv, or ${XLSX}). With ?dryRun=true the answer (200) lists every invalid row and why, and nothing is written; without it the file is imported whole (201), ` +
        'each row audited as its creation, or nothing is (422 IMPORT_INVALID, its details as the dry run answers).',
    }),
    ApiConsumes('multipart/form-data', 'text/csv', XLSX),
    ApiBody({ type: ImportFileBody }),
    ApiOkResponse({ type: ImportCheckResponse, description: 'The dry run: nothing was written.' }),
    ApiCreatedResponse({ type: ImportResultResponse }),
    ApiErrors(400, 401, 403, 413, 415, 422),
  );
}

@ApiTags('import')
@ApiBearerAuth()
@Controller('import')
export class ImportController {
  constructor(
    private readonly imports: ImportService,
    private readonly agreementsImport: AgreementsImport,
  ) {}

  @Post('organizations')
  @ImportRoute('organizations')
  organizations(
    @Query() query: DryRunQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<ImportCheck | ImportResult> {
    return this.run('organizations', query, req, res, actor, requestId);
  }

  @Post('people')
  @ImportRoute('people')
  people(
    @Query() query: DryRunQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<ImportCheck | ImportResult> {
    return this.run('people', query, req, res, actor, requestId);
  }

  @Post('agreements')
  @NoStore()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Import agreements signed before the system from a CSV file or an Excel workbook',
    description:
      `The first row names the fields: ${AGREEMENT_COLUMNS.join(', ')} (organization: the name of one already recorded; effectiveFrom and expiresOn: YYYY-MM-DD; ` +
      'signatories: "partner: name, YYYY-MM-DD; own: name, YYYY-MM-DD"; activities, optional: "kind: title; …", each yearly). Each row becomes a partnership recorded ' +
      'in force through RECORD_EXISTING. With ?dryRun=true the answer (200) lists every invalid row and why, and nothing is written; without it the file is imported ' +
      'whole (201) or nothing is (422 IMPORT_INVALID).',
  })
  @ApiConsumes('multipart/form-data', 'text/csv', XLSX)
  @ApiBody({ type: ImportFileBody })
  @ApiOkResponse({ type: ImportCheckResponse, description: 'The dry run: nothing was written.' })
  @ApiCreatedResponse({ type: ImportResultResponse })
  @ApiErrors(400, 401, 403, 413, 415, 422)
  async agreements(
    @Query() query: DryRunQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<AgreementCheck | AgreementResult> {
    const { bytes, name } = await this.receive(req);
    if (query.dryRun === 'true') {
      res.status(200);
      return this.agreementsImport.check(bytes, name, actor);
    }
    return this.agreementsImport.import(bytes, name, actor, requestId);
  }

  private async run(
    kind: ImportKind,
    query: DryRunQueryDto,
    req: Request,
    res: Response,
    actor: Actor,
    requestId: string,
  ): Promise<ImportCheck | ImportResult> {
    const { bytes, name } = await this.receive(req);
    if (query.dryRun === 'true') {
      res.status(200);
      return this.imports.check(kind, bytes, name);
    }
    return this.imports.import(kind, bytes, name, actor, requestId);
  }

  private async receive(req: Request): Promise<{ bytes: Buffer; name: string }> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'multipart/form-data') {
      const upload = await receiveUpload(req, this.imports.maxUploadBytes);
      const extra = Object.keys(upload.fields);
      if (extra.length > 0) throw new DomainError('VALIDATION_FAILED', `an import takes the file alone, not ${extra.join(', ')}`);
      // A spreadsheet is parsed whole: its bytes are read from where the upload was spooled.
      return { bytes: await readFile(upload.path), name: upload.name };
    }
    const name = RAW_TYPES[type];
    if (!name) throw new DomainError('UNSUPPORTED_MEDIA_TYPE', `an import is sent as multipart/form-data, text/csv or ${XLSX}`);
    return receiveBody(req, this.imports.maxUploadBytes, name);
  }
}
