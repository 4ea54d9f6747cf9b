import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { PageQueryDto } from '../../../common/http/page-query.dto.js';
import { NoBidiControls } from '../../../common/http/validators.js';

export const EXPIRES_IN_DAYS = { min: 1, max: 60, default: 14 } as const;

export class CreatePartnerLinkDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Prof. Sara Malik', description: 'The partner’s signatory the link is sent to.' })
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  name: string;

  @ApiPropertyOptional({ type: String, format: 'email', minLength: 3, maxLength: 254, nullable: true, example: 'rector@example.edu' })
  @IsOptional()
  @IsEmail()
  @Length(3, 254)
  email?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: EXPIRES_IN_DAYS.min,
    maximum: EXPIRES_IN_DAYS.max,
    default: EXPIRES_IN_DAYS.default,
    nullable: true,
    description: 'Days until the link opens nothing; null or left out: the default.',
  })
  @IsOptional()
  @IsInt()
  @Min(EXPIRES_IN_DAYS.min)
  @Max(EXPIRES_IN_DAYS.max)
  expiresInDays?: number | null;
}

export class PartnerLinkQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'Only the links of this partnership.' })
  @IsOptional()
  @IsUUID()
  partnershipId?: string;
}

export const PARTNER_LINK_STATUSES = ['open', 'acknowledged', 'revoked', 'expired'] as const;
export type PartnerLinkStatus = (typeof PARTNER_LINK_STATUSES)[number];

export class PartnerLinkDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  partnershipId: string;

  @ApiProperty({ description: 'Whom it was sent to.' })
  name: string;

  @ApiProperty({ type: String, nullable: true })
  email: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The agreed text’s document at issue.' })
  documentId: string | null;

  @ApiProperty({ description: 'SHA-256 of the agreed text the link is bound to.' })
  sha256: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ format: 'uuid' })
  createdBy: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  acknowledgedAt: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The name the partner gave when acknowledging.' })
  acknowledgedName: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The title the partner gave when acknowledging.' })
  acknowledgedTitle: string | null;

  @ApiProperty({ enum: PARTNER_LINK_STATUSES })
  status: PartnerLinkStatus;
}

export class IssuedPartnerLinkDto extends PartnerLinkDto {
  @ApiProperty({ description: 'The address to send the partner; it holds the token.' })
  url: string;

  @ApiProperty({ description: 'The token, in this answer only: the service keeps its SHA-256.' })
  token: string;
}

export class PartnerLinkListDto {
  @ApiProperty({ type: PartnerLinkDto, isArray: true, description: 'Newest first; tokens are never listed.' })
  items: PartnerLinkDto[];

  @ApiProperty()
  total: number;
}

export class AcknowledgeDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Prof. Sara Malik', description: 'Who acknowledges, for the partner.' })
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  name: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Rector' })
  @IsString()
  @Length(1, 200)
  @NoBidiControls()
  title: string;
}

export class PartnerCommentDto {
  @ApiProperty({ minLength: 1, maxLength: 2000, example: 'Article 4 should name the annual lecture’s month.' })
  @IsString()
  @Length(1, 2000)
  comment: string;
}

class PartnerOrganizationDto {
  @ApiProperty()
  name: string;

  @ApiProperty({ description: 'ISO 3166-1 alpha-2' })
  country: string;
}

class PartnerPartnershipDto {
  @ApiProperty()
  title: string;
}

class PartnerTermDto {
  @ApiProperty({ type: String, format: 'date', nullable: true })
  effectiveFrom: string | null;

  @ApiProperty({ type: String, format: 'date', nullable: true })
  expiresOn: string | null;
}

class AgreedTextDto {
  @ApiProperty()
  name: string;

  @ApiProperty()
  sha256: string;

  @ApiProperty({ description: 'bytes' })
  size: number;
}

/** What the partner's signatory reads through a link. */
export class PartnerViewDto {
  @ApiProperty({ type: PartnerOrganizationDto })
  organization: PartnerOrganizationDto;

  @ApiProperty({ type: PartnerPartnershipDto })
  partnership: PartnerPartnershipDto;

  @ApiProperty({ type: PartnerTermDto })
  term: PartnerTermDto;

  @ApiProperty({ type: AgreedTextDto })
  agreedText: AgreedTextDto;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  acknowledgedAt: string | null;
}
