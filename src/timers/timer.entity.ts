import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A durable timer: XState keeps `after` timers in memory only, so each one is a row with an absolute due time. */
@Entity('timers')
@Index('idx_timers_due', ['firedAt', 'dueAt'])
@Index('idx_timers_instance', ['instanceId', 'event'])
export class Timer {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'instance_type', type: 'varchar', length: 40 })
  instanceType: string;

  @Column({ name: 'instance_id', type: 'varchar', length: 36 })
  instanceId: string;

  @Column({ type: 'varchar', length: 200 })
  event: string;

  @Column({ name: 'due_at', type: 'varchar', length: 30 })
  dueAt: string;

  @Column({ name: 'fired_at', type: 'varchar', length: 30, nullable: true })
  firedAt: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;
}
