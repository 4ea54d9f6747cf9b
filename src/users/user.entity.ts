import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Role } from './roles.js';

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

  @Column({ type: 'integer' })
  version: number;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt: string;
}
