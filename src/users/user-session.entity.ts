import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A signed-in token's session: the token is valid only while its row exists (see AuthService). */
@Entity('user_sessions')
@Index('idx_user_sessions_user', ['userId', 'expiresAt'])
export class UserSession {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId: string;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  /** When its token expires; rows past it are deleted when the user next signs in. */
  @Column({ name: 'expires_at', type: 'varchar', length: 30 })
  expiresAt: string;
}
