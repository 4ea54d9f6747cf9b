import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsDefined, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';
import { PARTNERSHIP_WORKFLOW, PARTNERSHIP_WORKFLOWS } from '../partnership-workflows.js';
import { IsDayOfEveryYear, IsIsoDate, IsOmittable, NoBidiControls } from '../../common/http/validators.js';

/** A partnership has at most this many activity series, proposed and added later together (SPEC). */
export const MAX_ACTIVITY_SERIES = 20;

export const ACTIVITY_KINDS = ['annual_lecture', 'research_visit', 'seminar', 'course', 'training', 'other'] as const;

export const RECURRENCE_FREQUENCIES = ['once', 'yearly'] as const;

export class RecurrenceDto {
  @ApiProperty({
    enum: RECURRENCE_FREQUENCIES,
    example: 'yearly',
    description: 'yearly: every year of each MOU term, on month/day; once: a single occurrence in the term.',
  })
  @IsIn(RECURRENCE_FREQUENCIES)
  frequency: (typeof RECURRENCE_FREQUENCIES)[number];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 12,
    example: 10,
    description: 'Defaults to the month the term starts; leave it out for the default (null is refused).',
  })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(12)
  month?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 31,
    example: 15,
    description:
      'Defaults to 1; a day that exists every year in the month (up to 28 in February, and without a month); leave it out for the default (null is refused).',
  })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(31)
  @IsDayOfEveryYear('month')
  day?: number;
}

export class ProposedActivityDto {
  @ApiProperty({ enum: ACTIVITY_KINDS, example: 'annual_lecture' })
  @IsIn(ACTIVITY_KINDS)
  kind: (typeof ACTIVITY_KINDS)[number];

  @ApiProperty({ minLength: 1, maxLength: 300, example: 'Annual lecture on transnational organized crime, named after a prominent GI-TOC figure' })
  @IsString()
  @Length(1, 300)
  @NoBidiControls()
  title: string;

  @ApiProperty({ type: () => RecurrenceDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => RecurrenceDto)
  recurrence: RecurrenceDto;

  @ApiPropertyOptional({
    type: String,
    format: 'date',
    nullable: true,
    example: '2026-10-15',
    description: 'No occurrence falls before this day; with frequency once, it is the due date.',
  })
  @IsOptional()
  @IsIsoDate()
  startsOn?: string;
}

export class CreatePartnershipDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 300,
    example: 'Beaconhouse National University: MOU for a named annual lecture, an organized-crime course and yearly research visits',
  })
  @IsString()
  @Length(1, 300)
  @NoBidiControls()
  title: string;

  @ApiProperty({ format: 'uuid', description: 'The partner organization (POST /api/organizations).' })
  @IsUUID()
  organizationId: string;

  @ApiPropertyOptional({
    enum: PARTNERSHIP_WORKFLOWS,
    default: PARTNERSHIP_WORKFLOW,
    description:
      'The workflow it runs, at its latest version: partnership-mou for an MOU, training-programme for a training collaboration that needs no MOU. Chosen once, here.',
  })
  @IsOmittable()
  @IsIn(PARTNERSHIP_WORKFLOWS, { message: `workflowId must be one of ${PARTNERSHIP_WORKFLOWS.join(', ')}` })
  workflowId?: (typeof PARTNERSHIP_WORKFLOWS)[number];

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 10000,
    nullable: true,
    description: 'Needed to submit. null in a PATCH clears it (JSON Merge Patch).',
    example:
      'A formal collaboration underpinned by an MOU: an annual lecture on transnational organized crime named after a prominent GI-TOC figure; ' +
      'direct GI-TOC involvement in the creation of a course on organized crime; yearly research visits to host seminars and conduct research on Pakistan.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 10000)
  summary?: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 200,
    nullable: true,
    description: 'null in a PATCH clears it.',
    example: 'Academic engagement (Pakistan Strategic Advisory Group, CSAObs)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  programme?: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 200,
    nullable: true,
    description: 'null in a PATCH clears it.',
    example: 'Ambassador Mansoor Ahmad Khan, Director, BCPR',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  focalPoint?: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 0,
    maxLength: 10000,
    nullable: true,
    description: 'null in a PATCH clears it.',
    example: 'Met at the university in Lahore during the November 2024 field visit, with two colleagues from the faculty of International Relations.',
  })
  @IsOptional()
  @IsString()
  @Length(0, 10000)
  notes?: string;

  @ApiPropertyOptional({
    type: () => [ProposedActivityDto],
    maxItems: MAX_ACTIVITY_SERIES,
    description: 'The commitments the MOU would carry; each becomes a series of occurrences once it is in force. With the series added later, at most 20.',
  })
  @IsOmittable()
  @ArrayMaxSize(MAX_ACTIVITY_SERIES)
  @ValidateNested({ each: true })
  @Type(() => ProposedActivityDto)
  proposedActivities?: ProposedActivityDto[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 5,
    example: 2,
    description:
      "Approvals needed to pass senior-management review; when left out at creation, the workflow definition's default (machine.context, 1 in partnership-mou v1).",
  })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(5)
  requiredApprovals?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 365,
    example: 14,
    description:
      "Days a submission may wait for a decision before it is overdue; when left out at creation, the workflow definition's default (machine.context, 14 in partnership-mou v1).",
  })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(365)
  approvalSlaDays?: number;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'The engagement it grew out of; set at creation only.' })
  @IsOptional()
  @IsUUID()
  originEngagementId?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The follow-up it grew out of (its engagement becomes the origin engagement unless one is named); set at creation only.',
  })
  @IsOptional()
  @IsUUID()
  originFollowUpId?: string;
}

/**
 * A JSON Merge Patch: null clears an optional field (summary, programme, focalPoint, notes, which
 * keep their IsOptional); for a required one it is refused like any other wrong type (400).
 */
export class UpdatePartnershipDto extends PartialType(OmitType(CreatePartnershipDto, ['originEngagementId', 'originFollowUpId', 'workflowId'] as const), {
  skipNullProperties: false,
}) {
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    description: 'Who looks after it (an active manager or admin), where the workflow lets it be handed on (partnership-mou v2: until it ends).',
  })
  @IsOmittable()
  @IsUUID()
  ownerId?: string;
}
