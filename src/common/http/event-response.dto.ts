import { ApiProperty } from '@nestjs/swagger';

export class ScheduledTimerResponse {
  @ApiProperty({ example: 'xstate.after.approvalSla.partnership-mou.senior_management_review' })
  event: string;

  @ApiProperty({ format: 'date-time' })
  dueAt: string;
}

export class DryRunTimersResponse {
  @ApiProperty({ type: ScheduledTimerResponse, isArray: true })
  schedule: ScheduledTimerResponse[];

  @ApiProperty({ type: String, isArray: true, description: 'Timer events that would be cancelled.' })
  cancel: string[];
}

/** What `?dryRun=true` answers: what the event would do, with nothing written. */
export class DryRunResponse {
  @ApiProperty({ enum: [true] })
  dryRun: true;

  @ApiProperty({ example: 'SUBMIT_FOR_APPROVAL' })
  type: string;

  @ApiProperty({ example: 'proposal' })
  from: string;

  @ApiProperty({ example: 'senior_management_review' })
  to: string;

  @ApiProperty({ description: 'False when the event would be accepted but change nothing.' })
  changed: boolean;

  @ApiProperty({ type: DryRunTimersResponse })
  timers: DryRunTimersResponse;

  @ApiProperty({ type: String, isArray: true, description: 'Names of the effects that would be carried out.', example: [] })
  effects: string[];
}

/** The answer to an event sent with `Prefer: return=minimal`: what a client needs to send the next one. */
export class MinimalEventResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'senior_management_review' })
  state: string;

  @ApiProperty({ example: 3, description: 'The version after the event, also the ETag.' })
  version: number;
}
