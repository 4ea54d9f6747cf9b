import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DAY_MS } from '../common/clock.js';
import { Organization } from '../organizations/organization.entity.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import { currentApprovals } from '../workflow-engine/vocabulary.js';
import type { Actor } from '../workflow-engine/workflow.types.js';

const REVIEW_STATE = 'senior_management_review';

/** The approver's inbox: what waits for this approver's decision, oldest submission first. */
@Injectable()
export class ApprovalsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly partnerships: PartnershipsService,
  ) {}

  /** A page of what waits for this approver, oldest submission first, with the total. */
  async pending(actor: Actor, page: { limit?: number; offset?: number } = {}) {
    const rows = await this.dataSource.getRepository(Partnership).find({ where: { state: REVIEW_STATE } });
    const organizationIds = [...new Set(rows.map((row) => row.organizationId))];
    const organizations = organizationIds.length
      ? await this.dataSource.getRepository(Organization).createQueryBuilder('o').where('o.id IN (:...ids)', { ids: organizationIds }).getMany()
      : [];
    const byId = new Map(organizations.map((o) => [o.id, o]));
    const waiting = rows
      .map((row) => ({ row, facts: this.partnerships.factsOf(row, byId.get(row.organizationId) ?? null) }))
      .filter(({ row, facts }) => this.partnerships.availableEvents(row, actor, facts).includes('APPROVE'))
      .sort((a, b) => String(a.row.context.submittedAt).localeCompare(String(b.row.context.submittedAt)) || a.row.id.localeCompare(b.row.id));
    const offset = page.offset ?? 0;
    const items = waiting.slice(offset, offset + (page.limit ?? 50)).map(({ row, facts }) => {
      const submittedAt = String(row.context.submittedAt);
      return {
        id: row.id,
        title: row.title,
        organization: { id: row.organizationId, name: byId.get(row.organizationId)?.name ?? null },
        summary: row.summary,
        version: row.version,
        submittedBy: row.context.submittedBy as string,
        submittedAt,
        dueAt: new Date(Date.parse(submittedAt) + Number(row.context.approvalSlaDays ?? row.approvalSlaDays) * DAY_MS).toISOString(),
        overdue: row.overdue,
        approvals: currentApprovals(row.context, facts.contentHash).length,
        requiredApprovals: Number(row.context.requiredApprovals ?? row.requiredApprovals),
      };
    });
    return { items, total: waiting.length };
  }
}
