import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../../common/domain-error.js';
import type { AppConfig } from '../../config/app.config.js';
import { plainQuery } from '../../database/plain-query.js';
import { WriteQueue } from '../../database/write-queue.js';
import { countryCode } from '../../organizations/countries.js';
import { CreateOrganizationDto } from '../../organizations/dto/organization.dto.js';
import { OrganizationsService } from '../../organizations/organizations.service.js';
import type { Actor } from '../../workflow-engine/workflow.types.js';
import { CreatePersonDto } from '../dto/person.dto.js';
import { PeopleService } from '../people.service.js';
import { readTable, type Table, type TableRow } from './import-table.js';

export const IMPORT_KINDS = ['organizations', 'people'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** The columns a file of each kind may name (its header row), the JSON fields of the create routes. */
export const IMPORT_COLUMNS: Record<ImportKind, { columns: readonly string[]; required: readonly string[] }> = {
  organizations: { columns: ['name', 'kind', 'country', 'city', 'website'], required: ['name', 'kind', 'country'] },
  people: { columns: ['name', 'email', 'phone', 'organization', 'title'], required: ['name'] },
};

export interface InvalidRow {
  row: number;
  errors: string[];
}

/** What a dry run answers, and a refused import carries: every invalid row and every reason. */
export interface ImportCheck {
  rows: number;
  valid: number;
  invalid: InvalidRow[];
}

export interface ImportResult {
  rows: number;
  created: Array<{ row: number; id: string; name: string }>;
}

/** A valid row, as the create route's DTO. */
interface Planned<T> {
  row: number;
  input: T;
}

interface Judged<T> extends ImportCheck {
  planned: Array<Planned<T>>;
}

/** How many names one IN (…) list asks for at once: well under either database's bound on parameters. */
const LOOKUP_CHUNK = 500;

/**
 * Imports of an office's existing register: organizations, then people matched to them by name.
 * Each row is judged by the rules of the JSON routes (their DTOs, class-validator) and against the
 * rest of the file and what is recorded; a file is imported whole, in one write transaction, each
 * row through the service's own insert (one audited CREATE per organization or person), or not at all.
 */
@Injectable()
export class ImportService {
  readonly maxUploadBytes: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly organizations: OrganizationsService,
    private readonly people: PeopleService,
    config: ConfigService,
  ) {
    this.maxUploadBytes = config.getOrThrow<AppConfig>('app').maxUploadBytes;
  }

  /** Every row judged, nothing written. */
  async check(kind: ImportKind, bytes: Buffer, name: string): Promise<ImportCheck> {
    const table = await this.tableOf(kind, bytes, name);
    const { rows, valid, invalid } = await this.judge(kind, this.dataSource.manager, table);
    return { rows, valid, invalid };
  }

  /** The whole file in one transaction, or nothing (422 IMPORT_INVALID with every invalid row) when any row is invalid. */
  async import(kind: ImportKind, bytes: Buffer, name: string, actor: Actor, requestId?: string): Promise<ImportResult> {
    const table = await this.tableOf(kind, bytes, name);
    return this.queue.run(async (manager) => {
      // Judged again inside the transaction, so that what another request recorded meanwhile counts as a duplicate.
      const judged = await this.judge(kind, manager, table);
      if (judged.invalid.length > 0) {
        const { rows, valid, invalid } = judged;
        throw new DomainError('IMPORT_INVALID', `${invalid.length} of ${rows} rows are invalid: nothing was imported`, { rows, valid, invalid });
      }
      const created: ImportResult['created'] = [];
      for (const { row, input } of judged.planned) {
        const origin = { import: { kind, row } };
        const entity =
          kind === 'organizations'
            ? await this.organizations.insert(manager, input as CreateOrganizationDto, actor, requestId, origin)
            : await this.people.insert(manager, input as CreatePersonDto, actor, requestId, origin);
        created.push({ row, id: entity.id, name: entity.name });
      }
      return { rows: judged.rows, created };
    });
  }

  private async tableOf(kind: ImportKind, bytes: Buffer, name: string): Promise<Table> {
    const table = await readTable(bytes, name);
    const { columns, required } = IMPORT_COLUMNS[kind];
    const unknown = table.columns.filter((column) => column !== '' && !columns.includes(column));
    if (unknown.length > 0) {
      throw new DomainError(
        'UNREADABLE_FILE',
        `the header names ${unknown.map((c) => `"${c}"`).join(', ')}: the columns of ${kind} are ${columns.join(', ')}`,
        {
          unknownColumns: unknown,
        },
      );
    }
    const missing = required.filter((column) => !table.columns.includes(column));
    if (missing.length > 0) {
      throw new DomainError('UNREADABLE_FILE', `the header names no ${missing.map((c) => `"${c}"`).join(', ')} column: ${kind} need ${required.join(', ')}`, {
        missingColumns: missing,
      });
    }
    return table;
  }

  private judge(kind: ImportKind, manager: EntityManager, table: Table): Promise<Judged<object>> {
    return kind === 'organizations' ? this.judgeOrganizations(manager, table) : this.judgePeople(manager, table);
  }

  private async judgeOrganizations(manager: EntityManager, table: Table): Promise<Judged<CreateOrganizationDto>> {
    const recorded = new Set(
      (await this.lookup(manager, 'SELECT name_key AS "key" FROM organizations WHERE name_key IN', keysOf(table, 'name'))).map((r) => r.key),
    );
    const seen = new Map<string, number>();
    return judged(table, (row, errors) => {
      const fields: Record<string, string> = { ...row.cells };
      if (fields.kind) fields.kind = fields.kind.toLowerCase().replace(/[\s-]+/g, '_');
      let countryProblem = false;
      if (fields.country) {
        const code = countryCode(fields.country);
        if (code) fields.country = code;
        else {
          errors.push(`country "${fields.country}" is neither a country's name nor its two-letter code`);
          countryProblem = true;
        }
      }
      const input = validated(CreateOrganizationDto, fields, errors, countryProblem ? ['country'] : []);
      const key = fields.name?.toLowerCase();
      if (key) {
        const first = seen.get(key);
        if (first !== undefined) errors.push(`name: the same as row ${first}`);
        else seen.set(key, row.row);
        if (recorded.has(key)) errors.push(`name: an organization named "${fields.name}" is recorded already`);
      }
      return input;
    });
  }

  private async judgePeople(manager: EntityManager, table: Table): Promise<Judged<CreatePersonDto>> {
    const organizationsByName = new Map<string, string[]>();
    for (const { id, key } of await this.lookup(manager, 'SELECT id, name_key AS "key" FROM organizations WHERE name_key IN', keysOf(table, 'organization'))) {
      organizationsByName.set(key, [...(organizationsByName.get(key) ?? []), id]);
    }
    const recordedEmails = new Set(
      (await this.lookup(manager, 'SELECT lower(email) AS "key" FROM people WHERE lower(email) IN', keysOf(table, 'email'))).map((r) => r.key),
    );
    const recordedAt = new Set(
      (
        await this.lookup(
          manager,
          'SELECT p.name_key AS "key", a.organization_id AS id FROM people p JOIN affiliations a ON a.person_id = p.id WHERE p.name_key IN',
          keysOf(table, 'name'),
        )
      ).map((r) => `${r.key}\n${r.id}`),
    );
    const seenEmails = new Map<string, number>();
    const seenAt = new Map<string, number>();
    return judged(table, (row, errors) => {
      const { name, email, phone, organization, title } = row.cells;
      let organizationId: string | undefined;
      if (organization) {
        const ids = organizationsByName.get(organization.toLowerCase()) ?? [];
        if (ids.length === 0) {
          errors.push(
            `organization: no organization is named "${organization}"; people are matched to organizations already recorded: import or add the organization first`,
          );
        } else if (ids.length > 1)
          errors.push(`organization: ${ids.length} organizations are named "${organization}": add this person from the page of the one meant`);
        else organizationId = ids[0];
      } else if (title) errors.push('title: a title is held at an organization: name it in the organization column');
      const fields = {
        ...(name ? { name } : {}),
        ...(email ? { email } : {}),
        ...(phone ? { phone } : {}),
        affiliations: organizationId ? [{ organizationId, ...(title ? { title } : {}) }] : [],
      };
      const input = validated(CreatePersonDto, fields, errors, []);
      if (email) {
        const key = email.toLowerCase();
        const first = seenEmails.get(key);
        if (first !== undefined) errors.push(`email: the same address as row ${first}`);
        else seenEmails.set(key, row.row);
        if (recordedEmails.has(key)) errors.push(`email: a person with the address ${email} is recorded already`);
      }
      if (name && organizationId) {
        const key = `${name.toLowerCase()}\n${organizationId}`;
        const first = seenAt.get(key);
        if (first !== undefined) errors.push(`name: the same person at the same organization as row ${first}`);
        else seenAt.set(key, row.row);
        if (recordedAt.has(key)) errors.push(`name: ${name} is recorded at ${organization} already`);
      }
      return input;
    });
  }

  /** Rows of `sql (…)` for every value, asked for a chunk at a time. */
  private async lookup(manager: EntityManager, sql: string, values: string[]): Promise<Array<{ key: string; id: string }>> {
    const found: Array<{ key: string; id: string }> = [];
    for (let start = 0; start < values.length; start += LOOKUP_CHUNK) {
      const chunk = values.slice(start, start + LOOKUP_CHUNK);
      found.push(...(await plainQuery<{ key: string; id: string }>(manager, `${sql} (${chunk.map(() => '?').join(', ')})`, chunk)));
    }
    return found;
  }
}

/** The distinct lower-cased values of a column. */
function keysOf(table: Table, column: string): string[] {
  return [...new Set(table.rows.map((row) => row.cells[column]?.toLowerCase()).filter((value): value is string => !!value))];
}

/** Each row judged by `judge`, which adds its reasons to `errors`; counts, the invalid rows, and the valid ones' inputs. */
function judged<T extends object>(table: Table, judge: (row: TableRow, errors: string[]) => T): Judged<T> {
  const planned: Array<Planned<T>> = [];
  const invalid: InvalidRow[] = [];
  for (const row of table.rows) {
    const errors: string[] = [];
    if (row.extraCells > 0) errors.push(`${row.extraCells} cell${row.extraCells === 1 ? '' : 's'} beyond the columns the header names`);
    const input = judge(row, errors);
    if (errors.length > 0) invalid.push({ row: row.row, errors });
    else planned.push({ row: row.row, input });
  }
  return { rows: table.rows.length, valid: planned.length, invalid, planned };
}

/** The row as the route's DTO, validated as the route validates it; every problem in `errors`, but those of fields already reported. */
function validated<T extends object>(type: new () => T, fields: object, errors: string[], reported: string[]): T {
  const input = plainToInstance(type, fields);
  const problems = validateSync(input, { whitelist: true, forbidNonWhitelisted: true });
  errors.push(...problems.filter((problem) => !reported.includes(problem.property)).flatMap((problem) => messagesOf(problem)));
  return input;
}

function messagesOf(error: ValidationError): string[] {
  return [...Object.values(error.constraints ?? {}), ...(error.children ?? []).flatMap(messagesOf)];
}
