import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';
import { IsIsoDate, NoBidiControls, queryBoolean } from '../../common/http/validators.js';

/** The states of follow-up v1, for the list's filter. */
export const FOLLOW_UP_STATES = ['open', 'done', 'cancelled'] as const;

export class CreateFollowUpDto {
  @ApiProperty({ minLength: 1, maxLength: 300, example: 'Draft a workplan on migrant smuggling and TIP in Pakistan' })
  @IsString()
  @Length(1, 300)
  @NoBidiControls()
  title: string;

  @ApiProperty({ format: 'uuid', description: 'The active user who is to do it; they may complete, cancel and reopen it.' })
  @IsUUID()
  ownerId: string;

  @ApiProperty({ format: 'date', example: '2025-01-31', description: 'On this day an open follow-up becomes overdue and its owner is told.' })
  @IsIsoDate()
  dueOn: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'The organization it concerns.' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'The partnership it concerns.' })
  @IsOptional()
  @IsUUID()
  partnershipId?: string;
}

export class ListFollowUpsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiPropertyOptional({ enum: FOLLOW_UP_STATES })
  @IsOptional()
  @IsIn(FOLLOW_UP_STATES)
  state?: (typeof FOLLOW_UP_STATES)[number];

  @ApiPropertyOptional({ type: Boolean, description: 'true: only those open past their due date; false: only the others' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  overdue?: boolean;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only those promised at this engagement.' })
  @IsOptional()
  @IsUUID()
  engagementId?: string;
}
