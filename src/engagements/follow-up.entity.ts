import { Column, Entity, Index } from 'typeorm';
import { WorkflowInstanceColumns } from '../workflow-engine/workflow-instance.columns.js';

/** The instance kind of follow-ups: timers' instance type and audit rows' entity type. */
export const FOLLOW_UP_KIND = 'follow_up';
export const FOLLOW_UP_WORKFLOW = 'follow-up';

/** Something promised at an engagement, with its owner and due date: an instance of the `follow-up` workflow. */
@Entity('follow_ups')
@Index('idx_follow_ups_engagement', ['engagementId', 'dueOn'])
@Index('idx_follow_ups_owner', ['ownerId', 'state', 'dueOn', 'id'])
@Index('idx_follow_ups_due', ['state', 'dueOn', 'id'])
@Index('idx_follow_ups_organization', ['organizationId', 'dueOn'])
export class FollowUp extends WorkflowInstanceColumns {
  @Column({ name: 'engagement_id', type: 'varchar', length: 36 })
  engagementId: string;

  @Column({ type: 'varchar', length: 300 })
  title: string;

  /** The user who is to do it. */
  @Column({ name: 'owner_id', type: 'varchar', length: 36 })
  ownerId: string;

  @Column({ name: 'due_on', type: 'varchar', length: 10 })
  dueOn: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36, nullable: true })
  organizationId: string | null;

  @Column({ name: 'partnership_id', type: 'varchar', length: 36, nullable: true })
  partnershipId: string | null;

  /** Mirrors the context: open past its due date. */
  @Column({ type: 'boolean' })
  overdue: boolean;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy: string;
}
