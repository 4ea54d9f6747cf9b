import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../roles.js';
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
    version: user.version,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}
