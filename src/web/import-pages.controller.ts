import { Body, Controller, Get, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import { requestIdOf } from '../common/http/request-id.js';
import { IMPORT_COLUMNS, IMPORT_KINDS, ImportService, type ImportCheck, type ImportKind, type ImportResult } from '../people/import/import.service.js';
import { MAX_IMPORT_ROWS } from '../people/import/import-table.js';
import type { Refusal } from './refusal-words.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { WebRefusals } from './web-refusals.js';
import { field, type FormBody } from './web-forms.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { MultipartForm, type UploadingRequest } from './web-uploads.js';
import { WebViews } from './web-views.js';

/** What the page shows after a file was sent: the check, what was imported, or why it was refused (with the rows, when they were the reason). */
interface Outcome {
  kind: ImportKind;
  name: string;
  check?: ImportCheck;
  result?: ImportResult;
  refusal?: Refusal;
}

/**
 * Importing a register: upload a CSV file or an Excel workbook, see every invalid row (the API's dry
 * run), and import it, through ImportService as the API does. The form is multipart: CsrfGuard
 * reads it (MultipartForm) and checks its token before the file is kept.
 */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard, CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/import')
export class ImportPagesController {
  constructor(
    private readonly imports: ImportService,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get()
  @Roles('manager')
  async show(@Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response);
  }

  @Post(':kind')
  @Roles('manager')
  @MultipartForm({ fileFields: ['file'], maxFiles: 1 })
  async upload(@Param('kind') kind: string, @Body() body: FormBody, @Req() request: UploadingRequest, @Res() response: Response): Promise<void> {
    if (!(IMPORT_KINDS as readonly string[]).includes(kind)) throw new DomainError('NOT_FOUND', `there is no import of ${kind}`);
    const [file] = request.uploads?.files ?? [];
    const outcome: Outcome = { kind: kind as ImportKind, name: file?.name ?? '' };
    try {
      if (request.uploads?.refusal) throw request.uploads.refusal;
      if (!file) throw new DomainError('VALIDATION_FAILED', 'choose the spreadsheet to import', { errors: ['choose the spreadsheet to import'] });
      if (field(body, 'step') === 'import')
        outcome.result = await this.imports.import(outcome.kind, file.bytes, file.name, request.actor!, requestIdOf(request));
      else outcome.check = await this.imports.check(outcome.kind, file.bytes, file.name);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      outcome.refusal = await this.refusals.of(error, request);
      if (error.code === 'IMPORT_INVALID') outcome.check = error.details as unknown as ImportCheck;
      return this.render(request, response, outcome, outcome.refusal.status);
    }
    await this.render(request, response, outcome);
  }

  private async render(request: WebRequest, response: Response, outcome?: Outcome, status = 200): Promise<void> {
    await this.views.page(
      request,
      response,
      'import',
      { title: 'Import a register', kinds: IMPORT_KINDS, columns: IMPORT_COLUMNS, maxRows: MAX_IMPORT_ROWS, outcome: outcome ?? null },
      status,
    );
  }
}
