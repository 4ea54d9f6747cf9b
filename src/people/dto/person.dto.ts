import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsEmail, IsOptional, IsString, IsUUID, Length, Matches, ValidateNested } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto.js';
import { NoBidiControls } from '../../common/http/validators.js';

/** How many organizations one person is listed at: a handful in life, a bound here. */
export const MAX_AFFILIATIONS = 20;

export class AffiliationDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  organizationId: string;

  @ApiPropertyOptional({ type: String, minLength: 1, maxLength: 200, nullable: true, example: 'Chief Coordinator' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  title?: string;
}

export class CreatePersonDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Dr Kaleem' })
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  name: string;

  @ApiPropertyOptional({
    type: String,
    format: 'email',
    minLength: 3,
    maxLength: 320,
    nullable: true,
    description: 'null in a PATCH clears it.',
    example: 'kaleem@example.org',
  })
  @IsOptional()
  @IsEmail()
  @Length(3, 320)
  email?: string;

  @ApiPropertyOptional({ type: String, minLength: 3, maxLength: 40, nullable: true, pattern: '^[+0-9 ()./-]+$', example: '+92 42 111 000 000' })
  @IsOptional()
  @IsString()
  @Length(3, 40)
  @Matches(/^[+0-9 ()./-]+$/, { message: 'phone may hold digits, spaces, +, -, ., / and brackets' })
  phone?: string;

  @ApiPropertyOptional({ type: String, minLength: 1, maxLength: 5000, nullable: true, example: 'Focal point for topics the NPA could take up.' })
  @IsOptional()
  @IsString()
  @Length(1, 5000)
  notes?: string;

  @ApiProperty({
    type: () => [AffiliationDto],
    maxItems: MAX_AFFILIATIONS,
    description: 'Where the person works, each organization once; replaces the whole list in a PATCH.',
  })
  @IsArray()
  @ArrayMaxSize(MAX_AFFILIATIONS)
  @ValidateNested({ each: true })
  @Type(() => AffiliationDto)
  affiliations: AffiliationDto[];
}

/** A JSON Merge Patch: null clears email, phone or notes; name and affiliations cannot be null. */
export class UpdatePersonDto extends PartialType(CreatePersonDto, { skipNullProperties: false }) {}

export class ListPeopleQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only people affiliated to this organization.' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'Part of the name, any case.', example: 'Khosa' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}
