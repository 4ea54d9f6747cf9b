import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';
import { IsIsoDate, IsOmittable, NoBidiControls } from '../../common/http/validators.js';
import { ENGAGEMENT_KINDS, type EngagementKind } from '../engagement.entity.js';

/** How many organizations, attendees, staff or partnerships one engagement names: a round table has dozens at most. */
export const MAX_LINKS = 100;

export class CreateEngagementDto {
  @ApiProperty({ enum: ENGAGEMENT_KINDS, example: 'meeting' })
  @IsIn(ENGAGEMENT_KINDS)
  kind: EngagementKind;

  @ApiProperty({ minLength: 1, maxLength: 300, example: 'Meeting with Beaconhouse University' })
  @IsString()
  @Length(1, 300)
  @NoBidiControls()
  title: string;

  @ApiProperty({ format: 'date', example: '2024-11-15' })
  @IsIsoDate()
  startsOn: string;

  @ApiPropertyOptional({ type: String, format: 'date', nullable: true, example: '2024-11-17', description: 'Not before startsOn; null in a PATCH clears it.' })
  @IsOptional()
  @IsIsoDate()
  endsOn?: string;

  @ApiPropertyOptional({ type: String, minLength: 1, maxLength: 200, nullable: true, example: 'Lahore' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  place?: string;

  @ApiProperty({ type: String, format: 'uuid', isArray: true, minItems: 1, maxItems: MAX_LINKS, uniqueItems: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LINKS)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  organizationIds: string[];

  @ApiPropertyOptional({ type: String, format: 'uuid', isArray: true, maxItems: MAX_LINKS, uniqueItems: true, description: 'People who attended.' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_LINKS)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  attendeeIds?: string[];

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    isArray: true,
    maxItems: MAX_LINKS,
    uniqueItems: true,
    description: 'Users of the service who took part.',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_LINKS)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  staffIds?: string[];

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 20000,
    nullable: true,
    example: 'Agreed to examine a formal collaboration, underpinned by an MOU.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 20000)
  notes?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', isArray: true, maxItems: MAX_LINKS, uniqueItems: true, description: 'Partnerships discussed.' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_LINKS)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  partnershipIds?: string[];

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'The trip this meeting was part of; null in a PATCH takes it out.' })
  @IsOptional()
  @IsUUID()
  parentId?: string;
}

/** A JSON Merge Patch: null clears endsOn, place, notes or parentId; lists sent replace the whole list. */
export class UpdateEngagementDto extends PartialType(CreateEngagementDto, { skipNullProperties: false }) {}

export class ListEngagementsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only engagements with this organization.' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Only engagements that end on or after this day.' })
  @IsOptional()
  @IsIsoDate()
  from?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Only engagements that start on or before this day.' })
  @IsOptional()
  @IsIsoDate()
  to?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'Part of the title, any case.', example: 'Beaconhouse' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}
