import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { DataSource, type EntityManager } from 'typeorm';
import { validateEventData } from '../common/http/event-data.dto.js';
import { DomainError } from '../common/domain-error.js';
import { plainQuery } from '../database/plain-query.js';
import { WriteQueue } from '../database/write-queue.js';
import { readTable, type Table, type TableRow } from '../people/import/import-table.js';
import { WorkflowEngine } from '../workflow-engine/engine.js';
import { InstanceRuntime } from '../workflow-engine/instance-runtime.service.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import type { Actor, EngineEvent } from '../workflow-engine/workflow.types.js';
import { CreatePartnershipDto } from './dto/partnership.dto.js';
import { PARTNERSHIP_KIND } from './partnership.entity.js';
import { PARTNERSHIP_WORKFLOW, PartnershipsService } from './partnerships.service.js';

/** The columns of an agreements file (its header row, any case); `activities` may be left out. */
export const AGREEMENT_COLUMNS = ['organization', 'title', 'effectivefrom', 'expireson', 'signatories', 'activities'] as const;
const REQUIRED = ['organization', 'title', 'effectivefrom', 'expireson', 'signatories'];

export interface AgreementCheck {
  rows: number;
  valid: number;
  invalid: Array<{ row: number; errors: string[] }>;
}

export interface AgreementResult {
  rows: number;
  created: Array<{ row: number; id: string; name: string }>;
}

interface PlannedAgreement {
  row: number;
  input: CreatePartnershipDto;
  data: Record<string, unknown>;
}

/**
 * Agreements signed before the system, from a CSV file or an Excel workbook (the same reader as the
 * imports of organizations and people): each row becomes a partnership, created and recorded in
 * force through RECORD_EXISTING, the event an admin sends by hand. A file goes in whole, in one
 * write transaction, or not at all; a dry run judges every row by the same rules, the workflow's
 * own guards included, and writes nothing.
 */
@Injectable()
export class AgreementsImport {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly partnerships: PartnershipsService,
    private readonly runtime: InstanceRuntime,
    private readonly registry: WorkflowRegistry,
    private readonly engine: WorkflowEngine,
  ) {}

  async check(bytes: Buffer, name: string, actor: Actor): Promise<AgreementCheck> {
    const { rows, valid, invalid } = await this.judge(this.dataSource.manager, await tableOf(bytes, name), actor);
    return { rows, valid, invalid };
  }

  async import(bytes: Buffer, name: string, actor: Actor, requestId?: string): Promise<AgreementResult> {
    const table = await tableOf(bytes, name);
    return this.queue.run(async (manager) => {
      const judged = await this.judge(manager, table, actor);
      if (judged.invalid.length > 0) {
        const { rows, valid, invalid } = judged;
        throw new DomainError('IMPORT_INVALID', `${invalid.length} of ${rows} rows are invalid: nothing was imported`, { rows, valid, invalid });
      }
      const created: AgreementResult['created'] = [];
      for (const { row, input, data } of judged.planned) {
        const proposal = await this.partnerships.createIn(manager, input, actor, requestId);
        await this.runtime.apply(manager, PARTNERSHIP_KIND, proposal.id, { type: 'RECORD_EXISTING', actor, requestId, data });
        created.push({ row, id: proposal.id, name: proposal.title });
      }
      return { rows: judged.rows, created };
    });
  }

  private async judge(manager: EntityManager, table: Table, actor: Actor): Promise<AgreementCheck & { planned: PlannedAgreement[] }> {
    const names = [...new Set(table.rows.map((row) => row.cells.organization?.toLowerCase()).filter((n): n is string => !!n))];
    const byName = new Map<string, string[]>();
    for (let start = 0; start < names.length; start += 500) {
      const chunk = names.slice(start, start + 500);
      const sql = `SELECT id, name_key AS "key" FROM organizations WHERE name_key IN (${chunk.map(() => '?').join(', ')})`;
      for (const { id, key } of await plainQuery<{ id: string; key: string }>(manager, sql, chunk)) byName.set(key, [...(byName.get(key) ?? []), id]);
    }
    const { definition } = this.registry.latest(PARTNERSHIP_WORKFLOW);
    const at = this.runtime.now();
    const limits = this.runtime.kind(PARTNERSHIP_KIND).limits;
    const planned: PlannedAgreement[] = [];
    const invalid: AgreementCheck['invalid'] = [];
    for (const row of table.rows) {
      const errors: string[] = [];
      if (row.extraCells > 0) errors.push(`${row.extraCells} cell${row.extraCells === 1 ? '' : 's'} beyond the columns the header names`);
      const organization = row.cells.organization;
      const ids = organization ? (byName.get(organization.toLowerCase()) ?? []) : [];
      if (organization && ids.length === 0) errors.push(`organization: no organization is named "${organization}": import or add it first`);
      if (ids.length > 1)
        errors.push(`organization: ${ids.length} organizations are named "${organization}": record this agreement from the page of the one meant`);
      const input = plainToInstance(CreatePartnershipDto, {
        title: row.cells.title,
        organizationId: ids.length === 1 ? ids[0] : '00000000-0000-4000-8000-000000000000',
        proposedActivities: activitiesOf(row, errors),
      });
      errors.push(...validateSync(input, { whitelist: true, forbidNonWhitelisted: true }).flatMap(messagesOf));
      const signatures = signaturesOf(row, errors);
      const data = { effectiveFrom: row.cells.effectivefrom, expiresOn: row.cells.expireson, signatures };
      if (errors.length === 0) {
        try {
          const checked = validateEventData('RECORD_EXISTING', data) ?? {};
          // The workflow's own rules, on a proposal as it starts: the term, the signatures, who may record it.
          const start = this.engine.start(definition, { context: {}, at });
          const event: EngineEvent = { type: 'RECORD_EXISTING', actor, at, data: checked, ...(limits ? { limits } : {}) };
          this.engine.send(definition, start, event);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          const details = error.details ?? {};
          errors.push(
            ...(Array.isArray(details.errors) ? (details.errors as string[]) : [typeof details.reason === 'string' ? details.reason : error.message]),
          );
        }
      }
      if (errors.length > 0) invalid.push({ row: row.row, errors });
      else planned.push({ row: row.row, input, data });
    }
    return { rows: table.rows.length, valid: planned.length, invalid, planned };
  }
}

async function tableOf(bytes: Buffer, name: string): Promise<Table> {
  const table = await readTable(bytes, name);
  const unknown = table.columns.filter((column) => column !== '' && !(AGREEMENT_COLUMNS as readonly string[]).includes(column));
  if (unknown.length > 0) {
    throw new DomainError(
      'UNREADABLE_FILE',
      `the header names ${unknown.map((c) => `"${c}"`).join(', ')}: the columns of agreements are ${AGREEMENT_COLUMNS.join(', ')}`,
      {
        unknownColumns: unknown,
      },
    );
  }
  const missing = REQUIRED.filter((column) => !table.columns.includes(column));
  if (missing.length > 0) {
    throw new DomainError('UNREADABLE_FILE', `the header names no ${missing.map((c) => `"${c}"`).join(', ')} column: agreements need ${REQUIRED.join(', ')}`, {
      missingColumns: missing,
    });
  }
  return table;
}

/** `partner: Rector, 2024-08-20; own: Executive Director, 2024-08-25`: each party, who signed, and the day (after the last comma). */
function signaturesOf(row: TableRow, errors: string[]): Array<{ party: string; signatory: string; signedOn: string }> {
  const cell = row.cells.signatories ?? '';
  const signatures = [];
  for (const part of cell
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^(partner|own)\s*:\s*(.+),\s*([^,]+)$/i.exec(part);
    if (!match) {
      errors.push(`signatories: write each as "partner: name, YYYY-MM-DD" or "own: name, YYYY-MM-DD", separated by ";": "${part}" is not`);
      continue;
    }
    signatures.push({ party: match[1].toLowerCase(), signatory: match[2].trim(), signedOn: match[3].trim() });
  }
  return signatures;
}

/** `annual_lecture: Annual named lecture; research_visit: Research visit`: each a yearly commitment of the MOU. */
function activitiesOf(row: TableRow, errors: string[]): Array<{ kind: string; title: string; recurrence: { frequency: 'yearly' } }> {
  const activities = [];
  for (const part of (row.cells.activities ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = part.indexOf(':');
    if (at < 0) {
      errors.push(`activities: write each as "kind: title", separated by ";": "${part}" is not`);
      continue;
    }
    activities.push({
      kind: part
        .slice(0, at)
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_'),
      title: part.slice(at + 1).trim(),
      recurrence: { frequency: 'yearly' as const },
    });
  }
  return activities;
}

function messagesOf(error: ValidationError): string[] {
  return [...Object.values(error.constraints ?? {}), ...(error.children ?? []).flatMap(messagesOf)];
}
