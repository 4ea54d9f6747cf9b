import { Column, PrimaryColumn } from 'typeorm';
import type { WorkflowContext } from './workflow.types.js';

/** The columns every persisted workflow instance has; entities of each kind extend this. */
export abstract class WorkflowInstanceColumns {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'workflow_id', type: 'varchar', length: 80 })
  workflowId: string;

  @Column({ name: 'workflow_version', type: 'integer' })
  workflowVersion: number;

  /** SHA-256 of the definition file the instance started on. */
  @Column({ name: 'definition_hash', type: 'varchar', length: 64 })
  definitionHash: string;

  /** The dotted state value, e.g. `in_force.active`. */
  @Column({ type: 'varchar', length: 80 })
  state: string;

  @Column({ type: 'simple-json' })
  context: WorkflowContext;

  /** Bumped by every change; updates are made `WHERE version = ?`. */
  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt: string;
}
