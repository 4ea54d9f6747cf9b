import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An approver's authority handed to someone else for some days; ending it early keeps the row. */
@Entity('delegations')
@Index('idx_delegations_delegate', ['delegateId', 'endsOn'])
@Index('idx_delegations_principal', ['principalId', 'endsOn'])
export class Delegation {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** The approver whose authority it is. */
  @Column({ name: 'principal_id', type: 'varchar', length: 36 })
  principalId: string;

  @Column({ name: 'delegate_id', type: 'varchar', length: 36 })
  delegateId: string;

  /** The first day it is in force (UTC, inclusive). */
  @Column({ name: 'starts_on', type: 'varchar', length: 10 })
  startsOn: string;

  /** The last day it is in force (UTC, inclusive). */
  @Column({ name: 'ends_on', type: 'varchar', length: 10 })
  endsOn: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 36 })
  createdBy: string;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  /** When someone ended it before its last day; null while it runs its course. */
  @Column({ name: 'ended_at', type: 'varchar', length: 30, nullable: true })
  endedAt: string | null;

  @Column({ name: 'ended_by', type: 'varchar', length: 36, nullable: true })
  endedBy: string | null;

  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt: string;
}
