import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DAY_MS } from '../common/clock.js';
import { Organization } from '../organizations/organization.entity.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { PartnershipsService } from '../partnerships/partnerships.service.js';
import type { Actor } from '../workflow-engine/workflow.types.js';

const REVIEW_STATE = 'senior_management_review';

/** The approver's inbox: what waits for this approver's decision, oldest submission first. */
@Injectable()
export class ApprovalsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly partnerships: PartnershipsService,
  ) {}

  async pending(actor: Actor) {
    const rows = await this.dataSource.getRepository(Partnership).find({ where: { state: REVIEW_STATE } });
    const waiting = rows
      .filter((row) => this.partnerships.availableEvents(row, actor).includes('APPROVE'))
      .sort((a, b) => String(a.context.submittedAt).localeCompare(String(b.context.submittedAt)) || a.id.localeCompare(b.id));
    const organizationIds = [...new Set(waiting.map((row) => row.organizationId))];
    const organizations = organizationIds.length
      ? await this.dataSource.getRepository(Organization).createQueryBuilder('o').where('o.id IN (:...ids)', { ids: organizationIds }).getMany()
      : [];
    const names = new Map(organizations.map((o) => [o.id, o.name]));
    const items = waiting.map((row) => {
      const submittedAt = String(row.context.submittedAt);
      const approvals = (row.context.approvals ?? []) as Array<{ by: string }>;
      return {
        id: row.id,
        title: row.title,
        organization: { id: row.organizationId, name: names.get(row.organizationId) ?? null },
        summary: row.summary,
        version: row.version,
        submittedBy: row.context.submittedBy as string,
        submittedAt,
        dueAt: new Date(Date.parse(submittedAt) + Number(row.context.approvalSlaDays ?? row.approvalSlaDays) * DAY_MS).toISOString(),
        overdue: row.overdue,
        approvals: approvals.length,
        requiredApprovals: Number(row.context.requiredApprovals ?? row.requiredApprovals),
      };
    });
    return { items, total: items.length };
  }
}
