import { Column, Entity, Index } from 'typeorm';
import { WorkflowInstanceColumns } from '../workflow-engine/workflow-instance.columns.js';

/** One occurrence of an activity series: an instance of the `recurring-activity` workflow. */
@Entity('occurrences')
@Index('idx_occurrences_series_due', ['seriesId', 'dueOn'], { unique: true })
@Index('idx_occurrences_partnership', ['partnershipId', 'dueOn'])
@Index('idx_occurrences_due', ['dueOn'])
@Index('idx_occurrences_occurs', ['occursOn', 'id'])
@Index('idx_occurrences_state_occurs', ['state', 'occursOn'])
export class Occurrence extends WorkflowInstanceColumns {
  @Column({ name: 'series_id', type: 'varchar', length: 36 })
  seriesId: string;

  @Column({ name: 'partnership_id', type: 'varchar', length: 36 })
  partnershipId: string;

  @Column({ name: 'term_number', type: 'integer' })
  termNumber: number;

  @Column({ name: 'due_on', type: 'varchar', length: 10 })
  dueOn: string;

  /** Mirrors the date it is expected on (the scheduled date once there is one, else `dueOn`), so windows of dates are read through an index. */
  @Column({ name: 'occurs_on', type: 'varchar', length: 10 })
  occursOn: string;
}
