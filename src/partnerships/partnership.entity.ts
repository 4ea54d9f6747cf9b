import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { WorkflowContext } from '../workflow-engine/workflow.types.js';

/** The instance kind of partnerships: timers' instance type and audit rows' entity type. */
export const PARTNERSHIP_KIND = 'partnership';

export interface ProposedActivity {
  kind: string;
  title: string;
  recurrence: { frequency: 'once' | 'yearly'; month?: number; day?: number };
  startsOn?: string;
}

/** A partnership is an instance of the `partnership-mou` workflow plus the details people edit. */
@Entity('partnerships')
@Index('idx_partnerships_state', ['state', 'createdAt'])
@Index('idx_partnerships_org', ['organizationId', 'createdAt'])
@Index('idx_partnerships_created', ['createdAt'])
@Index('idx_partnerships_title', ['titleKey'])
export class Partnership {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

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

  @Column({ name: 'workflow_id', type: 'varchar', length: 80 })
  workflowId: string;

  @Column({ name: 'workflow_version', type: 'integer' })
  workflowVersion: number;

  @Column({ name: 'definition_hash', type: 'varchar', length: 64 })
  definitionHash: string;

  @Column({ type: 'varchar', length: 80 })
  state: string;

  @Column({ type: 'simple-json' })
  context: WorkflowContext;

  /** Mirrors context.overdue so lists can filter on it with an index. */
  @Column({ type: 'boolean' })
  overdue: boolean;

  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy: string;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt: string;
}
