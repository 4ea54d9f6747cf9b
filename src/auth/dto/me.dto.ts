import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../../users/roles.js';

export class MeDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'admin' })
  username: string;

  @ApiProperty({ example: 'Administrator' })
  displayName: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  roles: Role[];
}
