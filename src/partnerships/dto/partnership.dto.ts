import { PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsIsoDate, IsOmittable } from '../../common/http/event-data.dto.js';

export const ACTIVITY_KINDS = ['annual_lecture', 'research_visit', 'seminar', 'course', 'training', 'other'] as const;

export class RecurrenceDto {
  @IsIn(['once', 'yearly'])
  frequency: 'once' | 'yearly';

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(12)
  month?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31)
  day?: number;
}

export class ProposedActivityDto {
  @IsIn(ACTIVITY_KINDS)
  kind: (typeof ACTIVITY_KINDS)[number];

  @IsString()
  @Length(1, 300)
  title: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => RecurrenceDto)
  recurrence: RecurrenceDto;

  @IsOptional()
  @IsIsoDate()
  startsOn?: string;
}

export class CreatePartnershipDto {
  @IsString()
  @Length(1, 300)
  title: string;

  @IsUUID()
  organizationId: string;

  @IsOptional()
  @IsString()
  @Length(1, 10000)
  summary?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  programme?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  focalPoint?: string;

  @IsOptional()
  @IsString()
  @Length(0, 10000)
  notes?: string;

  @IsOmittable()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ProposedActivityDto)
  proposedActivities?: ProposedActivityDto[];

  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(5)
  requiredApprovals?: number;

  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(365)
  approvalSlaDays?: number;
}

/** Null is refused like any other wrong type (400), not written over a required column. */
export class UpdatePartnershipDto extends PartialType(CreatePartnershipDto, { skipNullProperties: false }) {}
