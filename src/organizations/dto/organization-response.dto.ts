import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ORGANIZATION_KINDS } from './organization.dto.js';

export class ContactResponse {
  @ApiProperty({ example: 'Dean of Social Sciences' })
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Dean', description: 'Left out when none was given; null when it was sent as null.' })
  title?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'email',
    nullable: true,
    example: 'dean@example.edu',
    description: 'Left out when none was given; null when it was sent as null.',
  })
  email?: string | null;
}

export class OrganizationResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Beaconhouse National University' })
  name: string;

  @ApiProperty({ enum: ORGANIZATION_KINDS, example: 'university' })
  kind: (typeof ORGANIZATION_KINDS)[number];

  @ApiProperty({ description: 'ISO 3166-1 alpha-2', example: 'PK' })
  country: string;

  @ApiProperty({ nullable: true, type: String, example: 'Lahore' })
  city: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'https://www.bnu.edu.pk' })
  website: string | null;

  @ApiProperty({ type: ContactResponse, isArray: true })
  contacts: ContactResponse[];

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The organization it is part of.' })
  parentId: string | null;

  @ApiProperty({ description: 'Send it back as If-Match to change the organization; the ETag header carries it too.', example: 1 })
  version: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class RelatedOrganizationResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Beaconhouse National University' })
  name: string;
}

export class MemberResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Ambassador Mansoor Ahmad Khan' })
  name: string;

  @ApiProperty({ type: String, nullable: true, example: 'Director, Beaconhouse Centre for Policy Research' })
  title: string | null;
}

/** One organization as its page shows it: where it belongs, what belongs to it, and the people met there. */
export class OrganizationProfileResponse extends OrganizationResponse {
  @ApiProperty({ type: RelatedOrganizationResponse, nullable: true })
  parent: RelatedOrganizationResponse | null;

  @ApiProperty({ type: RelatedOrganizationResponse, isArray: true, description: 'By name.' })
  children: RelatedOrganizationResponse[];

  @ApiProperty({ type: MemberResponse, isArray: true, description: 'People affiliated to it, by name.' })
  people: MemberResponse[];
}

export class OrganizationListResponse {
  @ApiProperty({ type: OrganizationResponse, isArray: true })
  items: OrganizationResponse[];

  @ApiProperty({ description: 'All matches, not only this page.', example: 1 })
  total: number;
}
