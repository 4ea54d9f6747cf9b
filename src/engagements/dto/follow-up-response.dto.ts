import { ApiProperty } from '@nestjs/swagger';
import { FOLLOW_UP_STATES } from './follow-up.dto.js';

export class FollowUpStepResponse {
  @ApiProperty({ format: 'uuid', description: 'Who did it.' })
  by: string;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ type: String, nullable: true })
  comment: string | null;
}

/** A follow-up as an engagement lists it. */
export class FollowUpViewResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  engagementId: string;

  @ApiProperty({ example: 'Draft a workplan on migrant smuggling and TIP in Pakistan' })
  title: string;

  @ApiProperty({ format: 'uuid' })
  ownerId: string;

  @ApiProperty({ format: 'date' })
  dueOn: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  organizationId: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  partnershipId: string | null;

  @ApiProperty({ enum: FOLLOW_UP_STATES })
  state: string;

  @ApiProperty({ description: 'Open past its due date.' })
  overdue: boolean;

  @ApiProperty({ type: FollowUpStepResponse, isArray: true })
  completions: FollowUpStepResponse[];

  @ApiProperty({ type: FollowUpStepResponse, nullable: true })
  cancellation: FollowUpStepResponse | null;

  @ApiProperty({ type: FollowUpStepResponse, isArray: true })
  reopenings: FollowUpStepResponse[];

  @ApiProperty({ description: 'Send it back as If-Match with the next event.', example: 1 })
  version: number;

  @ApiProperty({ format: 'uuid' })
  createdBy: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

/** A follow-up with what the caller may do with it. */
export class FollowUpResponse extends FollowUpViewResponse {
  @ApiProperty({ type: String, isArray: true, description: 'The events the caller may send now (its owner may complete, cancel and reopen it).' })
  availableEvents: string[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why it takes no events at all now (its definition changed after it started); null when it takes them.',
  })
  eventsRefused: string | null;
}

export class FollowUpListResponse {
  @ApiProperty({ type: FollowUpResponse, isArray: true, description: 'Soonest due first.' })
  items: FollowUpResponse[];

  @ApiProperty({ description: 'All matches, not only this page.' })
  total: number;
}
