import { Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { Clock, DAY_MS } from '../common/clock.js';
import { Organization } from '../organizations/organization.entity.js';
import { Partnership } from '../partnerships/partnership.entity.js';
import { ATTACHMENT_KINDS } from '../partnerships/judged-content.js';
import { PartnershipsService, type JudgedAttachment } from '../partnerships/partnerships.service.js';
import { Document } from '../documents/document.entity.js';
import { displayNamesOf } from '../users/display-names.js';
import { partnershipStatesWhere } from '../partnerships/partnership-workflows.js';
import { approvalStates } from '../workflow-engine/definition-facts.js';
import { currentApprovals } from '../workflow-engine/vocabulary.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import type { Actor, Principal } from '../workflow-engine/workflow.types.js';
import { DelegationsService } from './delegations.service.js';

/**
 * The approver's inbox: what waits for this person's decision, in their own right and as the
 * delegate of approvers who handed them their authority, oldest submission first.
 */
@Injectable()
export class ApprovalsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly partnerships: PartnershipsService,
    private readonly delegations: DelegationsService,
    @Inject(Clock) private readonly clock: Clock,
    private readonly registry: WorkflowRegistry,
  ) {}

  /** The documents attached to each of these proposals, in one statement: what the content hash covers besides the row (proposalContent orders them). */
  private async attachmentsOf(partnershipIds: string[]): Promise<Map<string, JudgedAttachment[]>> {
    const byPartnership = new Map<string, JudgedAttachment[]>();
    if (partnershipIds.length === 0) return byPartnership;
    const documents = await this.dataSource
      .getRepository(Document)
      .createQueryBuilder('d')
      .where('d.partnership_id IN (:...ids)', { ids: partnershipIds })
      .andWhere('d.kind IN (:...kinds)', { kinds: ATTACHMENT_KINDS })
      .getMany();
    for (const document of documents)
      byPartnership.set(document.partnershipId as string, [...(byPartnership.get(document.partnershipId as string) ?? []), document]);
    return byPartnership;
  }

  /** Whether the person decides anything: an approver, or the delegate of one today. */
  async decides(actor: Actor): Promise<boolean> {
    return actor.roles.includes('approver') || (await this.delegations.principalsOf(actor.id)).length > 0;
  }

  /**
   * A page of what waits for this person, oldest submission first, with the total: each proposal
   * the rules let them approve in their own right, and each they may approve for someone else
   * (`onBehalfOf`), so one proposal can be listed twice.
   */
  async pending(actor: Actor, page: { limit?: number; offset?: number } = {}) {
    // Whatever waits for a quorum of approvals, in any partnership workflow.
    const rows = await this.dataSource.getRepository(Partnership).find({ where: { state: In(partnershipStatesWhere(this.registry, approvalStates)) } });
    const organizationIds = [...new Set(rows.map((row) => row.organizationId))];
    const organizations = organizationIds.length
      ? await this.dataSource.getRepository(Organization).createQueryBuilder('o').where('o.id IN (:...ids)', { ids: organizationIds }).getMany()
      : [];
    const byId = new Map(organizations.map((o) => [o.id, o]));
    const attachments = await this.attachmentsOf(rows.map((row) => row.id));
    const principals = await this.delegations.principalsOf(actor.id);
    const names = await displayNamesOf(
      this.dataSource,
      principals.map((p) => p.id),
    );
    const at = this.clock.now().toISOString();
    const deciders: Array<Principal | undefined> = [undefined, ...principals];
    const waiting = rows
      .flatMap((row) => {
        const facts = this.partnerships.factsOf(row, byId.get(row.organizationId) ?? null, attachments.get(row.id) ?? []);
        return deciders
          .filter((onBehalfOf) => this.partnerships.availableEvents(row, actor, { ...facts, onBehalfOf, at }).includes('APPROVE'))
          .map((onBehalfOf) => ({ row, facts, onBehalfOf }));
      })
      .sort((a, b) => String(a.row.context.submittedAt).localeCompare(String(b.row.context.submittedAt)) || a.row.id.localeCompare(b.row.id));
    const offset = page.offset ?? 0;
    const items = waiting.slice(offset, offset + (page.limit ?? 50)).map(({ row, facts, onBehalfOf }) => {
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
        onBehalfOf: onBehalfOf ? { id: onBehalfOf.id, displayName: names.get(onBehalfOf.id)?.displayName ?? onBehalfOf.id } : null,
      };
    });
    return { items, total: waiting.length };
  }
}
