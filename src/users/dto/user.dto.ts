import { ApiProperty } from '@nestjs/swagger';
import { EMAIL_MODES, ROLES, type EmailMode, type Role } from '../roles.js';
import type { User } from '../user.entity.js';

/** A user as the API shows it: never the password hash. */
export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'amina.khan' })
  username: string;

  @ApiProperty({ example: 'Amina Khan' })
  displayName: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  roles: Role[];

  @ApiProperty()
  active: boolean;

  @ApiProperty({ type: String, format: 'email', nullable: true })
  email: string | null;

  @ApiProperty({ enum: EMAIL_MODES, description: 'immediate: each notice is mailed; daily: one digest a day; off: none' })
  emailMode: EmailMode;

  @ApiProperty()
  version: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class UserListDto {
  @ApiProperty({ type: UserDto, isArray: true })
  items: UserDto[];

  @ApiProperty()
  total: number;
}

export function toUserDto(user: User): UserDto {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    roles: user.roles,
    active: user.active,
    email: user.email,
    emailMode: user.emailMode,
    version: user.version,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}
