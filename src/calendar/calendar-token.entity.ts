import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A personal, revocable calendar feed token: calendar apps cannot send a bearer header. Only its SHA-256 is kept. */
@Entity('calendar_tokens')
@Index('idx_calendar_tokens_user', ['userId'])
export class CalendarToken {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Index('idx_calendar_tokens_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  label: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  @Column({ name: 'revoked_at', type: 'varchar', length: 30, nullable: true })
  revokedAt: string | null;
}
