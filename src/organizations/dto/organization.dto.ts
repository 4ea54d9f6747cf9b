import { PartialType } from '@nestjs/swagger';
import { IsOmittable } from '../../common/http/event-data.dto.js';
import { PageQueryDto } from '../../common/http/page-query.dto.js';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsEmail, IsIn, IsISO31661Alpha2, IsOptional, IsString, IsUrl, Length, ValidateNested } from 'class-validator';

export const ORGANIZATION_KINDS = [
  'university',
  'think_tank',
  'civil_society',
  'government_agency',
  'law_enforcement',
  'international_org',
  'other',
] as const;

export class ContactDto {
  @IsString()
  @Length(1, 200)
  name: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  title?: string;

  @IsOptional()
  @IsEmail()
  email?: string;
}

export class CreateOrganizationDto {
  @IsString()
  @Length(1, 200)
  name: string;

  @IsIn(ORGANIZATION_KINDS)
  kind: (typeof ORGANIZATION_KINDS)[number];

  /** ISO 3166-1 alpha-2, e.g. PK. */
  @IsISO31661Alpha2()
  country: string;

  @IsOptional()
  @IsString()
  @Length(1, 120)
  city?: string;

  @IsOptional()
  @IsUrl({ require_protocol: true })
  website?: string;

  @IsOmittable()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts?: ContactDto[];
}

/** Null is refused like any other wrong type (400), not written over a required column. */
export class UpdateOrganizationDto extends PartialType(CreateOrganizationDto, { skipNullProperties: false }) {}

export class ListOrganizationsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}
