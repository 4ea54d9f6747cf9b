import { Column, Entity, Index } from 'typeorm';
import { WorkflowInstanceColumns } from '../workflow-engine/workflow-instance.columns.js';

/** The instance kind of partnerships: timers' instance type and audit rows' entity type. */
export const PARTNERSHIP_KIND = 'partnership';

export interface ProposedActivity {
  kind: string;
  title: string;
  recurrence: { frequency: 'once' | 'yearly'; month?: number; day?: number };
  startsOn?: string;
}

/** An edit of judged content by `by`, made after the submission at `after` (null: before the first). */
export interface JudgedEdit {
  by: string;
  after: string | null;
}

/** A partnership is an instance of the `partnership-mou` workflow plus the details people edit. */
@Entity('partnerships')
// The list's indexes end in its order, created_at DESC then id (the migrations say DESC; decorators cannot).
@Index('idx_partnerships_state', ['state', 'createdAt', 'id'])
@Index('idx_partnerships_org', ['organizationId', 'createdAt', 'id'])
@Index('idx_partnerships_created', ['createdAt', 'id'])
@Index('idx_partnerships_overdue', ['overdue', 'createdAt', 'id'])
@Index('idx_partnerships_expires', ['expiresOn'])
@Index('idx_partnerships_origin', ['originEngagementId'])
@Index('idx_partnerships_owner', ['ownerId'])
export class Partnership extends WorkflowInstanceColumns {
  @Column({ type: 'varchar', length: 300 })
  title: string;

  @Column({ name: 'title_key', type: 'varchar', length: 300 })
  titleKey: string;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId: string;

  @Column({ type: 'text', nullable: true })
  summary: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  programme: string | null;

  @Column({ name: 'focal_point', type: 'varchar', length: 200, nullable: true })
  focalPoint: string | null;

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @Column({ name: 'proposed_activities', type: 'simple-json' })
  proposedActivities: ProposedActivity[];

  @Column({ name: 'required_approvals', type: 'integer' })
  requiredApprovals: number;

  @Column({ name: 'approval_sla_days', type: 'integer' })
  approvalSlaDays: number;

  /** Mirrors context.overdue so lists can filter on it with an index. */
  @Column({ type: 'boolean' })
  overdue: boolean;

  /** Mirrors context.expiresOn while the partnership is in force, else null, so the report finds MOUs about to expire with an index. */
  @Column({ name: 'expires_on', type: 'varchar', length: 10, nullable: true })
  expiresOn: string | null;

  /** Who edited what approvers judge since the last submission: they are its authors too, so they never decide on it. */
  @Column({ name: 'judged_edits', type: 'simple-json' })
  judgedEdits: JudgedEdit[];

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy: string;

  /** Who looks after it: told of what waits, and lists its activities as their work. Its creator, unless someone handed it on. */
  @Column({ name: 'owner_id', type: 'varchar', length: 64 })
  ownerId: string;

  /** The engagement it grew out of (that of its follow-up, when it grew out of one). */
  @Column({ name: 'origin_engagement_id', type: 'varchar', length: 36, nullable: true })
  originEngagementId: string | null;

  /** The follow-up it grew out of. */
  @Column({ name: 'origin_follow_up_id', type: 'varchar', length: 36, nullable: true })
  originFollowUpId: string | null;
}
