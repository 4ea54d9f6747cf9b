import { Body, Controller, Get, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFile } from 'node:fs/promises';
import { Public, Roles } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import { requestIdOf } from '../common/http/request-id.js';
import { IMPORT_COLUMNS, IMPORT_KINDS, ImportService, type ImportCheck, type ImportKind, type ImportResult } from '../people/import/import.service.js';
import { MAX_IMPORT_ROWS } from '../people/import/import-table.js';
import { AgreementsImport, type AgreementCheck, type AgreementResult } from '../partnerships/agreements-import.service.js';
import type { Refusal } from './refusal-words.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { WebRefusals } from './web-refusals.js';
import { field, type FormBody } from './web-forms.js';
import { CsrfGuard, SignedInGuard, type WebRequest } from './web-session.js';
import { MultipartForm, type UploadingRequest } from './web-uploads.js';
import { WebViews } from './web-views.js';

/** What the page shows after a file was sent: the check, what was imported, or why it was refused (with the rows, when they were the reason). */
interface Outcome<Kind = ImportKind> {
  kind: Kind;
  name: string;
  check?: ImportCheck | AgreementCheck;
  result?: ImportResult | AgreementResult;
  refusal?: Refusal;
}

/** What a page does with a sent spreadsheet: check it (the dry run), or import it whole. */
interface Steps {
  check(file: SentFile): Promise<ImportCheck | AgreementCheck>;
  import(file: SentFile): Promise<ImportResult | AgreementResult>;
}

interface SentFile {
  bytes: Buffer;
  name: string;
}

/**
 * Importing a register: upload a CSV file or an Excel workbook, see every invalid row (the API's dry
 * run), and import it, through ImportService as the API does; agreements signed before the system
 * (admins) through AgreementsImport. The form is multipart: CsrfGuard reads it (MultipartForm) and
 * checks its token before the file is kept.
 */
@ApiExcludeController()
@Public()
@UseGuards(SignedInGuard, CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/import')
export class ImportPagesController {
  constructor(
    private readonly imports: ImportService,
    private readonly agreements: AgreementsImport,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get()
  @Roles('manager')
  async show(@Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response);
  }

  @Get('agreements')
  @Roles('admin')
  async showAgreements(@Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.renderAgreements(request, response);
  }

  // Before ':kind', which would take `agreements` for a kind of register.
  @Post('agreements')
  @Roles('admin')
  @MultipartForm({ fileFields: ['file'], maxFiles: 1 })
  async uploadAgreements(@Body() body: FormBody, @Req() request: UploadingRequest, @Res() response: Response): Promise<void> {
    const outcome = await this.outcomeOf('agreements' as const, body, request, {
      check: (file) => this.agreements.check(file.bytes, file.name, request.actor!),
      import: (file) => this.agreements.import(file.bytes, file.name, request.actor!, requestIdOf(request)),
    });
    await this.renderAgreements(request, response, outcome, outcome.refusal?.status);
  }

  @Post(':kind')
  @Roles('manager')
  @MultipartForm({ fileFields: ['file'], maxFiles: 1 })
  async upload(@Param('kind') kind: string, @Body() body: FormBody, @Req() request: UploadingRequest, @Res() response: Response): Promise<void> {
    if (!(IMPORT_KINDS as readonly string[]).includes(kind)) throw new DomainError('NOT_FOUND', `there is no import of ${kind}`);
    const register = kind as ImportKind;
    const outcome = await this.outcomeOf(register, body, request, {
      check: (file) => this.imports.check(register, file.bytes, file.name),
      import: (file) => this.imports.import(register, file.bytes, file.name, request.actor!, requestIdOf(request)),
    });
    await this.render(request, response, outcome, outcome.refusal?.status);
  }

  /** Checks or imports the sent file; a refusal is shown on the page, with the invalid rows when they were its reason. */
  private async outcomeOf<Kind>(kind: Kind, body: FormBody, request: UploadingRequest, steps: Steps): Promise<Outcome<Kind>> {
    const [file] = request.uploads?.files ?? [];
    const outcome: Outcome<Kind> = { kind, name: file?.name ?? '' };
    try {
      if (request.uploads?.refusal) throw request.uploads.refusal;
      if (!file) throw new DomainError('VALIDATION_FAILED', 'choose the spreadsheet to import', { errors: ['choose the spreadsheet to import'] });
      // A spreadsheet is parsed whole: its bytes are read from where the upload was spooled.
      const sent = { bytes: await readFile(file.path), name: file.name };
      if (field(body, 'step') === 'import') outcome.result = await steps.import(sent);
      else outcome.check = await steps.check(sent);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      outcome.refusal = await this.refusals.of(error, request);
      if (error.code === 'IMPORT_INVALID') outcome.check = error.details as unknown as ImportCheck | AgreementCheck;
    }
    return outcome;
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

  private async renderAgreements(request: WebRequest, response: Response, outcome?: Outcome<'agreements'>, status = 200): Promise<void> {
    await this.views.page(
      request,
      response,
      'import-agreements',
      { title: 'Import existing agreements', maxRows: MAX_IMPORT_ROWS, outcome: outcome ?? null },
      status,
    );
  }
}
