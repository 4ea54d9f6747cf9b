import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export interface Recurrence {
  frequency: 'once' | 'yearly';
  month?: number;
  day?: number;
}

/** A commitment of an MOU (an annual lecture, yearly research visits, a course) that recurs over its terms. */
@Entity('activity_series')
@Index('idx_series_partnership', ['partnershipId', 'position'])
export class ActivitySeries {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'partnership_id', type: 'varchar', length: 36 })
  partnershipId: string;

  /** Order within the partnership; the first ones mirror the proposed activities, in their order. */
  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'varchar', length: 40 })
  kind: string;

  @Column({ type: 'varchar', length: 300 })
  title: string;

  @Column({ type: 'simple-json' })
  recurrence: Recurrence;

  /** `proposal` for the MOU's own commitments, `added` for those added later. */
  @Column({ type: 'varchar', length: 20 })
  origin: 'proposal' | 'added';

  @Column({ name: 'starts_on', type: 'varchar', length: 10, nullable: true })
  startsOn: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy: string;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;
}
