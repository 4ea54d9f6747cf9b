import { Body, Controller, Get, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import { NoStore } from '../common/http/no-store.js';
import { requestIdOf } from '../common/http/request-id.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { MigrationRequestDto } from '../workflows/dto/migration.dto.js';
import { WorkflowMigrations, type MigrationItem } from '../workflows/workflow-migrations.service.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { field, fieldList, validDto, type FormBody } from './web-forms.js';
import { WebRefusals } from './web-refusals.js';
import { CsrfGuard, type WebRequest } from './web-session.js';
import { WebViews } from './web-views.js';

/** A row of the migration table, in words: the partnership by title, the states by their labels. */
interface MigrationRow {
  id: string;
  title: string;
  from: string;
  to: string | null;
  ok: boolean;
  reason: string | null;
}

/**
 * Moving running partnerships to a newer version of their workflow, for admins: choose the
 * versions (and rename states the new one renamed), see what would happen to each partnership,
 * then confirm. The same WorkflowMigrations the API calls, dry run first.
 */
@ApiExcludeController()
@Public()
@Roles('admin')
@UseGuards(CsrfGuard)
@UseFilters(WebExceptionFilter)
@Controller('ui/workflows')
export class WorkflowPagesController {
  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly migrations: WorkflowMigrations,
    private readonly partnerships: PartnershipsService,
    private readonly views: WebViews,
    private readonly refusals: WebRefusals,
  ) {}

  @Get()
  @NoStore()
  async list(@Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.render(request, response, {});
  }

  /** The dry run: what would happen to each partnership, with a button to go ahead. */
  @Post(':id/preview')
  @NoStore()
  async preview(@Param('id') id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.run(id, body, true, request, response);
  }

  /** The real run, for the partnerships the dry run said would move. */
  @Post(':id/migrate')
  @NoStore()
  async migrate(@Param('id') id: string, @Body() body: FormBody, @Req() request: WebRequest, @Res() response: Response): Promise<void> {
    await this.run(id, body, false, request, response);
  }

  private async run(id: string, body: FormBody, dryRun: boolean, request: WebRequest, response: Response): Promise<void> {
    try {
      const ids = fieldList(body, 'ids');
      const input = validDto(MigrationRequestDto, {
        fromVersion: Number(field(body, 'fromVersion')),
        toVersion: Number(field(body, 'toVersion')),
        mapping: mappingOf(field(body, 'mapping') ?? ''),
        ...(dryRun ? {} : { partnershipIds: ids }),
        dryRun,
      });
      const { items } = await this.migrations.migrate(id, input, request.actor!, requestIdOf(request));
      const rows = await this.rows(id, input.fromVersion, input.toVersion, items);
      await this.render(request, response, {
        result: { workflowId: id, dryRun, fromVersion: input.fromVersion, toVersion: input.toVersion, mapping: field(body, 'mapping') ?? '', rows },
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refusal = await this.refusals.of(error, request);
      await this.render(request, response, { failed: { form: id, values: body, refusal } }, refusal.status);
    }
  }

  private async rows(workflowId: string, fromVersion: number, toVersion: number, items: MigrationItem[]): Promise<MigrationRow[]> {
    const label = (state: string | null, version: number) => (state === null ? null : `${this.registry.stateLabel(state, workflowId).title} (v${version})`);
    const rows: MigrationRow[] = [];
    for (const item of items) {
      const title = await this.partnerships.get(item.id).then(
        (row) => row.title,
        () => item.id,
      );
      rows.push({
        id: item.id,
        title,
        from: label(item.fromState, fromVersion) ?? '',
        to: label(item.toState, toVersion),
        ok: item.ok,
        reason: item.reason ?? null,
      });
    }
    return rows;
  }

  private async render(request: WebRequest, response: Response, extra: Record<string, unknown>, status = 200): Promise<void> {
    const ids = [...new Set(this.registry.all().map((w) => w.definition.id))];
    const workflows = [];
    for (const id of ids) {
      const counts = await this.migrations.instancesByVersion(id);
      const versions = this.registry
        .versions(id)
        .map((w) => ({ version: w.definition.version, title: w.definition.title, running: counts.get(w.definition.version) ?? 0 }));
      workflows.push({ id, title: this.registry.latest(id).definition.title, versions });
    }
    await this.views.page(request, response, 'workflows', { title: 'Workflows', workflows, result: null, failed: null, ...extra }, status);
  }
}

/** `old = new`, one a line, as the API's mapping; a line without `=` is refused, naming it. */
function mappingOf(text: string): Record<string, string> {
  const mapping: Array<[string, string]> = [];
  for (const line of text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
    const [old, renamed, ...rest] = line.split('=').map((part) => part.trim());
    if (!old || !renamed || rest.length > 0) {
      const problem = `write each renamed state as “old state = new state”, one a line: “${line}” is not`;
      throw new DomainError('VALIDATION_FAILED', problem, { errors: [problem] });
    }
    mapping.push([old, renamed]);
  }
  // Own keys, `__proto__` included (an assignment would set the prototype instead), for validDto to refuse.
  return Object.fromEntries(mapping);
}
