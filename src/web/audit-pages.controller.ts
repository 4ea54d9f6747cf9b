import { Controller, Get, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditService } from '../audit/audit.service.js';
import { auditExportHeaders, auditRowView } from '../audit/audit.view.js';
import type { VerifyReport } from '../audit/audit-checkpoint.js';
import { AuditQueryDto, ExportQueryDto } from '../audit/dto/audit-query.dto.js';
import { Public, Roles } from '../auth/auth.decorators.js';
import { UsersService } from '../users/users.service.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, integerField, validDto, type FormBody } from './web-forms.js';
import { SignedInGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

const FILTERS = ['entityId', 'actor', 'action', 'outcome', 'from', 'to'] as const;
const PAGE_SIZE = 50;
const USERS_LISTED = 200;

/** The audit chain for auditors and admins: search, verify, export. Read-only. Session-cookie pages, hence `@Public()`. */
@ApiExcludeController()
@Public()
@Roles('auditor', 'admin')
@UseGuards(SignedInGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/audit')
export class AuditPagesController {
  constructor(
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly registry: WorkflowRegistry,
    private readonly views: WebViews,
  ) {}

  @Get()
  async search(@Query() query: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, query);
  }

  /** With htmx only the result is swapped in; without, the whole page comes back with it. */
  @Get('verify')
  async verify(@Query() query: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, query, await this.audit.verify());
  }

  /** The API's export, so a download from the page is the same file, verifiable offline with `npm run audit:verify`. */
  @Get('export')
  async export(@Query() query: FormBody, @Res() response: Response): Promise<void> {
    const format = validDto(ExportQueryDto, { format: field(query, 'format') }).format ?? 'jsonl';
    response.status(200).set(auditExportHeaders(format));
    await this.audit.export(format, response);
  }

  private async render(request: WebRequest, response: Response, query: FormBody, verified?: VerifyReport): Promise<void> {
    const filters = Object.fromEntries(FILTERS.flatMap((name) => (field(query, name) ? [[name, field(query, name)]] : [])));
    // Newest first: what an auditor looks for is usually today's.
    const search = validDto(AuditQueryDto, { ...filters, order: 'desc', offset: integerField(query, 'offset'), limit: PAGE_SIZE });
    const { items, total } = await this.audit.search(search);
    // A workflow's event with its title beside the code the chain records; other actions as recorded.
    const actions = (await this.audit.actions()).map((action) => {
      const title = this.registry.eventLabel(action).title;
      return { value: action, label: title === action ? action : `${title} (${action})` };
    });
    const users = (await this.users.list({ limit: USERS_LISTED })).items;
    const names = Object.fromEntries(users.map((u) => [u.id, u.displayName]));
    const params = new URLSearchParams(filters as Record<string, string>);
    await this.views.page(request, response, 'audit', {
      title: 'Audit',
      rows: items.map(auditRowView),
      total,
      offset: search.offset ?? 0,
      pageSize: PAGE_SIZE,
      filters,
      query: params.toString(),
      users,
      actions,
      names,
      verified: verified ?? null,
    });
  }
}
