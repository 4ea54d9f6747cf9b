import { ApiProperty } from '@nestjs/swagger';
import { DOCUMENT_KINDS } from '../../documents/document.entity.js';
import { ENGAGEMENT_KINDS } from '../engagement.entity.js';
import { FollowUpViewResponse } from './follow-up-response.dto.js';

export class NamedLinkResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ description: 'The name of the organization or person, the display name of the member of staff, the title of the partnership.' })
  name: string;
}

export class EngagementSummaryResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ENGAGEMENT_KINDS, example: 'meeting' })
  kind: string;

  @ApiProperty({ example: 'Meeting with Beaconhouse University' })
  title: string;

  @ApiProperty({ format: 'date', example: '2024-11-15' })
  startsOn: string;

  @ApiProperty({ type: String, format: 'date', nullable: true })
  endsOn: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Lahore' })
  place: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The trip it was part of.' })
  parentId: string | null;

  @ApiProperty({ type: NamedLinkResponse, isArray: true })
  organizations: NamedLinkResponse[];

  @ApiProperty({ description: 'Send it back as If-Match to change the engagement; the ETag header carries it too.', example: 1 })
  version: number;

  @ApiProperty({ format: 'uuid', description: 'Who recorded it.' })
  createdBy: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class EngagementParentResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Field visit to Pakistan' })
  title: string;
}

export class MeetingResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ENGAGEMENT_KINDS })
  kind: string;

  @ApiProperty()
  title: string;

  @ApiProperty({ format: 'date' })
  startsOn: string;

  @ApiProperty({ type: String, format: 'date', nullable: true })
  endsOn: string | null;

  @ApiProperty({ type: String, nullable: true })
  place: string | null;
}

export class LedToResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  title: string;

  @ApiProperty({ example: 'proposal' })
  state: string;
}

export class EngagementDocumentResponse {
  @ApiProperty({ format: 'uuid', description: 'GET /api/documents/{id}/content downloads it.' })
  id: string;

  @ApiProperty({ example: 'Minutes.pdf' })
  name: string;

  @ApiProperty({ type: String, nullable: true })
  title: string | null;

  @ApiProperty({ enum: DOCUMENT_KINDS })
  kind: string;

  @ApiProperty({ example: 'application/pdf' })
  mediaType: string;

  @ApiProperty({ type: 'integer', description: 'Bytes.' })
  size: number;

  @ApiProperty({ format: 'date-time' })
  uploadedAt: string;
}

export class EngagementResponse extends EngagementSummaryResponse {
  @ApiProperty({ type: String, nullable: true })
  notes: string | null;

  @ApiProperty({ type: NamedLinkResponse, isArray: true, description: 'People who attended.' })
  attendees: NamedLinkResponse[];

  @ApiProperty({ type: NamedLinkResponse, isArray: true, description: 'Users of the service who took part.' })
  staff: NamedLinkResponse[];

  @ApiProperty({ type: NamedLinkResponse, isArray: true, description: 'Partnerships discussed.' })
  partnerships: NamedLinkResponse[];

  @ApiProperty({ type: EngagementParentResponse, nullable: true, description: 'The trip it was part of.' })
  parent: EngagementParentResponse | null;

  @ApiProperty({ type: MeetingResponse, isArray: true, description: "A trip's meetings, in the order they were held." })
  meetings: MeetingResponse[];

  @ApiProperty({ type: FollowUpViewResponse, isArray: true, description: 'What was promised there, soonest due first.' })
  followUps: FollowUpViewResponse[];

  @ApiProperty({ type: EngagementDocumentResponse, isArray: true, description: 'Documents brought back from it, newest first.' })
  documents: EngagementDocumentResponse[];

  @ApiProperty({ type: LedToResponse, isArray: true, description: 'The partnerships that grew out of it (or out of its follow-ups), oldest first.' })
  ledTo: LedToResponse[];
}

export class EngagementListResponse {
  @ApiProperty({ type: EngagementSummaryResponse, isArray: true, description: 'Newest first.' })
  items: EngagementSummaryResponse[];

  @ApiProperty({ description: 'All matches, not only this page.', example: 1 })
  total: number;
}
