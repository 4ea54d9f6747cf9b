import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { partnershipStages } from '../partnerships/partnership-workflows.js';
import type { SortDirection, TableSort } from '../reports/dto/partnership-table.query.js';
import { ReportsService, type PartnershipTableRow } from '../reports/reports.service.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { timerTitle } from './workflow-words.js';

export const LIST_PAGE_SIZE = 50;
const EXPORT_BATCH = 200;
const CSV_COLUMNS = ['title', 'organization', 'stage', 'owner', 'ownerId', 'nextDeadline', 'nextDeadlineIs', 'id'] as const;

export interface ListOrder {
  sort: TableSort;
  direction: SortDirection;
}

/** The partnership list view: every partnership with its organization, stage, owner and next deadline, sorted by any of them; and its CSV. */
@Injectable()
export class PartnershipList {
  constructor(
    private readonly reports: ReportsService,
    private readonly registry: WorkflowRegistry,
  ) {}

  async page(order: ListOrder, offset: number) {
    const { items, total } = await this.reports.partnershipTable({ ...order, limit: LIST_PAGE_SIZE, offset }, this.stages());
    return { rows: items.map((row) => this.view(row)), total, offset, pageSize: LIST_PAGE_SIZE, order };
  }

  /**
   * Writes every partnership in this order as CSV to `out`, a batch at a time, and ends it. A cell a
   * spreadsheet would run as a formula (=, +, -, @, a tab or a carriage return first) is prefixed
   * with a quote, as the audit export does (csv-stringify's `escape_formulas`).
   */
  async exportCsv(order: ListOrder, out: Writable): Promise<void> {
    const csv = stringify({ header: true, columns: [...CSV_COLUMNS], escape_formulas: true });
    csv.pipe(out);
    for (let offset = 0; ; offset += EXPORT_BATCH) {
      const { items } = await this.reports.partnershipTable({ ...order, limit: EXPORT_BATCH, offset }, this.stages());
      for (const row of items.map((item) => this.view(item))) {
        const record = {
          title: row.title,
          organization: row.organizationName,
          stage: row.stage,
          owner: row.ownerName,
          ownerId: row.ownerId,
          nextDeadline: row.nextDeadline?.dueAt ?? '',
          nextDeadlineIs: row.nextDeadline?.title ?? '',
          id: row.id,
        };
        if (!csv.write(record)) await once(csv, 'drain');
      }
      if (items.length < EXPORT_BATCH) break;
    }
    csv.end();
    await once(out, 'finish');
  }

  private stages(): string[] {
    const { open, final } = partnershipStages(this.registry);
    return [...open.map((stage) => stage.key), ...final];
  }

  private view(row: PartnershipTableRow) {
    return {
      id: row.id,
      title: row.title,
      organizationName: row.organizationName ?? '—',
      // Partnership workflows that share a state name it alike.
      stage: this.registry.stateLabel(row.state).title,
      ownerId: row.ownerId,
      ownerName: row.ownerName ?? row.ownerId,
      nextDeadline: row.nextDeadline && { dueAt: row.nextDeadline.dueAt, title: timerTitle(this.registry, row.nextDeadline.event) },
    };
  }
}
