import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';
import { IsIsoDate, queryBoolean } from '../../common/http/validators.js';
import { PersonRefDto } from '../../users/dto/person-ref.dto.js';

export class CreateDelegationDto {
  @ApiProperty({ format: 'uuid', description: 'Another active user, who decides for the approver while the delegation is in force.' })
  @IsUUID()
  delegateId: string;

  @ApiProperty({ format: 'date', example: '2026-04-01', description: 'The first day it is in force (UTC).' })
  @IsIsoDate()
  startsOn: string;

  @ApiProperty({ format: 'date', example: '2026-04-14', description: 'The last day it is in force (UTC), not before startsOn nor today.' })
  @IsIsoDate()
  endsOn: string;

  @ApiPropertyOptional({ type: String, nullable: true, minLength: 1, maxLength: 500, example: 'On leave for the spring conference.' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'Admins only: the approver whose authority is handed over; by default (or null) the caller’s own.',
  })
  @IsOptional()
  @IsUUID()
  principalId?: string;
}

export class DelegationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ type: Boolean, description: 'true: only those in force today; false: only the others' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  active?: boolean;
}

export class DelegationDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: PersonRefDto, description: 'The approver whose authority it is.' })
  principal: PersonRefDto;

  @ApiProperty({ type: PersonRefDto })
  delegate: PersonRefDto;

  @ApiProperty({ format: 'date', example: '2026-04-01' })
  startsOn: string;

  @ApiProperty({ format: 'date', example: '2026-04-14' })
  endsOn: string;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it was ended before its last day; null while it runs its course.' })
  endedAt: string | null;
}

export class DelegationListDto {
  @ApiProperty({ type: DelegationDto, isArray: true, description: 'Those naming the caller (an admin’s: all), latest start first.' })
  items: DelegationDto[];

  @ApiProperty()
  total: number;
}
