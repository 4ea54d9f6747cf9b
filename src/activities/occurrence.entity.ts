import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { WorkflowContext } from '../workflow-engine/workflow.types.js';

/** One occurrence of an activity series: an instance of the `recurring-activity` workflow. */
@Entity('occurrences')
@Index('idx_occurrences_series_due', ['seriesId', 'dueOn'], { unique: true })
@Index('idx_occurrences_partnership', ['partnershipId', 'dueOn'])
@Index('idx_occurrences_due', ['dueOn'])
export class Occurrence {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'series_id', type: 'varchar', length: 36 })
  seriesId: string;

  @Column({ name: 'partnership_id', type: 'varchar', length: 36 })
  partnershipId: string;

  @Column({ name: 'term_number', type: 'integer' })
  termNumber: number;

  @Column({ name: 'due_on', type: 'varchar', length: 10 })
  dueOn: string;

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

  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt: string;
}
