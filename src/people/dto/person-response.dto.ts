import { ApiProperty } from '@nestjs/swagger';

export class AffiliationResponse {
  @ApiProperty({ format: 'uuid' })
  organizationId: string;

  @ApiProperty({ example: 'Centre for Governance Research' })
  organizationName: string;

  @ApiProperty({ type: String, nullable: true, example: 'Chief Coordinator' })
  title: string | null;
}

export class PersonResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Dr Kaleem' })
  name: string;

  @ApiProperty({ type: String, nullable: true, format: 'email' })
  email: string | null;

  @ApiProperty({ type: String, nullable: true })
  phone: string | null;

  @ApiProperty({ type: String, nullable: true })
  notes: string | null;

  @ApiProperty({ type: AffiliationResponse, isArray: true })
  affiliations: AffiliationResponse[];

  @ApiProperty({ description: 'Send it back as If-Match to change the person; the ETag header carries it too.', example: 1 })
  version: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class PersonListResponse {
  @ApiProperty({ type: PersonResponse, isArray: true })
  items: PersonResponse[];

  @ApiProperty({ description: 'All matches, not only this page.', example: 1 })
  total: number;
}
