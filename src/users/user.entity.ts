import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EmailMode, Role } from './roles.js';

@Entity('users')
@Index('idx_users_username', ['username'], { unique: true })
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Lower-case, so sign-in and uniqueness ignore case on both databases. */
  @Column({ type: 'varchar', length: 40 })
  username: string;

  @Column({ name: 'display_name', type: 'varchar', length: 120 })
  displayName: string;

  @Column({ type: 'simple-json' })
  roles: Role[];

  @Column({ type: 'boolean' })
  active: boolean;

  /** `scrypt$N$r$p$salt$hash`, see password-hasher.ts. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  /** Where notices are mailed; none, none are. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Column({ name: 'email_mode', type: 'varchar', length: 10, default: 'immediate' })
  emailMode: EmailMode;

  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt: string;
}
