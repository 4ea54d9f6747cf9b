import { ApiProperty, OmitType, PickType } from '@nestjs/swagger';
import { ACTIVITY_KINDS } from '../../partnerships/dto/partnership.dto.js';
import {
  OCCURRENCE_STATES,
  OrganizationRefResponse,
  PartnershipActivityResponse,
  PartnershipSummaryResponse,
} from '../../partnerships/dto/partnership-response.dto.js';

export class PostponementResponse {
  @ApiProperty({ format: 'date', nullable: true, type: String, example: '2026-10-15' })
  from: string | null;

  @ApiProperty({ format: 'date', example: '2026-10-22' })
  to: string;

  @ApiProperty({ format: 'uuid' })
  by: string;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ nullable: true, type: String })
  comment: string | null;
}

export class CancellationResponse {
  @ApiProperty({ description: 'User id, or `system` when termination cancelled it.' })
  by: string;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ nullable: true, type: String, example: 'The partner asked to skip this year.' })
  comment: string | null;
}

/** One occurrence of an activity series, as lists of upcoming occurrences show it. */
export class OccurrenceViewResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  seriesId: string;

  @ApiProperty({ format: 'uuid' })
  partnershipId: string;

  @ApiProperty({ description: 'The MOU term it belongs to.', example: 1 })
  termNumber: number;

  @ApiProperty({ format: 'date', example: '2026-10-15' })
  dueOn: string;

  @ApiProperty({ enum: OCCURRENCE_STATES })
  state: string;

  @ApiProperty({ description: 'Send it back as If-Match; the ETag header carries it too.', example: 1 })
  version: number;

  @ApiProperty({ format: 'date', nullable: true, type: String, description: 'The scheduled date, once scheduled.' })
  date: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'Main hall' })
  venue: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'What was held, once held.' })
  report: string | null;

  @ApiProperty({ nullable: true, type: Number, example: 80 })
  attendance: number | null;

  @ApiProperty({ type: PostponementResponse, isArray: true, description: 'Each move of the date to a later day (POSTPONE).' })
  postponements: PostponementResponse[];

  @ApiProperty({ type: PostponementResponse, isArray: true, description: 'Each move of the date to an earlier day (BRING_FORWARD, recurring-activity v2).' })
  broughtForward: PostponementResponse[];

  @ApiProperty({ type: CancellationResponse, nullable: true })
  cancellation: CancellationResponse | null;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

/** An occurrence as GET answers it and its events return it. */
export class OccurrenceResponse extends OccurrenceViewResponse {
  @ApiProperty({ type: String, isArray: true, description: 'The events the caller may send now.', example: ['SCHEDULE', 'CANCEL'] })
  availableEvents: string[];

  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why it takes no events at all now: its workflow definition file changed after it started. Null when it takes them.',
  })
  eventsRefused: string | null;
}

export class ActivitySeriesResponse extends OmitType(PartnershipActivityResponse, ['occurrences'] as const) {
  @ApiProperty({ format: 'date', nullable: true, type: String })
  startsOn: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: OccurrenceResponse, isArray: true, description: 'Due-date order; none before the MOU is in force.' })
  occurrences: OccurrenceResponse[];
}

export class ActivitySeriesListResponse {
  @ApiProperty({ type: ActivitySeriesResponse, isArray: true })
  items: ActivitySeriesResponse[];

  @ApiProperty({ example: 3 })
  total: number;
}

export class UpcomingSeriesRefResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ACTIVITY_KINDS })
  kind: string;

  @ApiProperty({ example: 'Annual named lecture' })
  title: string;
}

export class UpcomingPartnershipRefResponse extends PickType(PartnershipSummaryResponse, ['id', 'title'] as const) {}

export class UpcomingOrganizationRefResponse extends OrganizationRefResponse {}

export class UpcomingOccurrenceResponse extends OmitType(OccurrenceViewResponse, ['date'] as const) {
  @ApiProperty({ format: 'date', description: 'The scheduled date once there is one, else the due date.', example: '2026-10-15' })
  date: string;

  @ApiProperty({ type: UpcomingSeriesRefResponse, nullable: true })
  series: UpcomingSeriesRefResponse | null;

  @ApiProperty({ type: UpcomingPartnershipRefResponse, nullable: true })
  partnership: UpcomingPartnershipRefResponse | null;

  @ApiProperty({ type: UpcomingOrganizationRefResponse, nullable: true })
  organization: UpcomingOrganizationRefResponse | null;
}

export class UpcomingListResponse {
  @ApiProperty({ type: UpcomingOccurrenceResponse, isArray: true, description: 'One page of them (limit, offset), soonest first.' })
  items: UpcomingOccurrenceResponse[];

  @ApiProperty({ example: 4, description: 'All those in the window.' })
  total: number;
}
