import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';
import { queryBoolean } from '../../common/http/validators.js';

export class ListPartnershipsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'in_force', description: 'A state or a dotted prefix: in_force finds in_force.active and in_force.renewal_due.' })
  @IsOptional()
  @Matches(/^[a-z_]+(\.[a-z_]+)*$/, { message: 'state must be a state name such as in_force or in_force.active' })
  state?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 200,
    description:
      'Text searched in titles: any part of a title, case-insensitive, every character literal. The total of a search is counted up to 1,000 (see totalRelation).',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  overdue?: boolean;
}
