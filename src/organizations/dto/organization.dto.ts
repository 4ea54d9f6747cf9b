import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsOmittable, NoBidiControls } from '../../common/http/validators.js';
import { PageQueryDto } from '../../common/http/page-query.dto.js';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsEmail, IsIn, IsISO31661Alpha2, IsOptional, IsString, IsUrl, IsUUID, Length, ValidateNested } from 'class-validator';

export const ORGANIZATION_KINDS = ['university', 'think_tank', 'civil_society', 'government_agency', 'law_enforcement', 'international_org', 'other'] as const;

export class ContactDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Mansoor Ahmad Khan' })
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  name: string;

  @ApiPropertyOptional({ type: String, minLength: 1, maxLength: 200, nullable: true, example: 'Director, Beaconhouse Centre for Policy Research (BCPR)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  title?: string;

  @ApiPropertyOptional({ type: String, format: 'email', nullable: true, example: 'bcpr@example.org' })
  @IsOptional()
  @IsEmail()
  email?: string;
}

export class CreateOrganizationDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Beaconhouse National University' })
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  name: string;

  @ApiProperty({ enum: ORGANIZATION_KINDS, example: 'university' })
  @IsIn(ORGANIZATION_KINDS)
  kind: (typeof ORGANIZATION_KINDS)[number];

  /** ISO 3166-1 alpha-2, e.g. PK. */
  @ApiProperty({ description: 'ISO 3166-1 alpha-2 country code; stored upper-case', minLength: 2, maxLength: 2, example: 'PK' })
  @IsISO31661Alpha2()
  country: string;

  @ApiPropertyOptional({ type: String, minLength: 1, maxLength: 120, nullable: true, description: 'null in a PATCH clears it.', example: 'Lahore' })
  @IsOptional()
  @IsString()
  @Length(1, 120)
  @NoBidiControls()
  city?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uri',
    nullable: true,
    description: 'With its protocol (https://…). null in a PATCH clears it.',
    example: 'https://www.bnu.edu.pk',
  })
  @IsOptional()
  @IsUrl({ require_protocol: true })
  website?: string;

  @ApiPropertyOptional({
    type: () => [ContactDto],
    maxItems: 50,
    description:
      'Replaces the whole list when sent in a PATCH. Each contact whose name (any case) no person of the organization bears becomes a person affiliated to it, with its title and email (see /api/people); one already there is left as it is.',
  })
  @IsOmittable()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts?: ContactDto[];

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The organization it is part of (a centre within a university); null in a PATCH clears it: the organization stands alone.',
  })
  @IsOptional()
  @IsUUID()
  parentId?: string;
}

/**
 * A JSON Merge Patch: null clears city or website (which keep their IsOptional); for a required
 * field it is refused like any other wrong type (400).
 */
export class UpdateOrganizationDto extends PartialType(CreateOrganizationDto, { skipNullProperties: false }) {}

export class ListOrganizationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'Part of the name, any case.', example: 'Beaconhouse' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}
