import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ReplayStateResponse {
  @ApiProperty({ description: 'The state, dotted for nested states.', example: 'in_force.active' })
  value: string;

  @ApiProperty({ description: "The workflow's context.", type: 'object', additionalProperties: true })
  context: Record<string, unknown>;
}

export class ReplayDivergenceResponse {
  @ApiProperty({
    enum: ['refused', 'step', 'stored', 'definition'],
    description:
      'refused: the workflow refuses the recorded event; step: the replay reaches another state than the row records; stored: the stored row differs; definition: the workflow file is not the one the partnership was created on.',
  })
  kind: 'refused' | 'step' | 'stored' | 'definition';

  @ApiProperty({ description: 'The audit row after which the replay and the record part.', example: 17 })
  seq: number;

  @ApiProperty({ description: 'Its event (or CREATE).', example: 'APPROVE' })
  action: string;

  @ApiProperty({ format: 'date-time' })
  occurredAt: string;

  @ApiProperty({ example: 'the stored state (in_force.active, the replay reaches proposal) is not what the chain leaves after this event' })
  reason: string;

  @ApiPropertyOptional({ description: 'For step: the state the row records.', example: 'mou_drafting' })
  recordedState?: string;
}

/** The partnership's accepted events from the audit chain, re-run on the workflow version it runs, against its stored row. */
export class ReplayResponse {
  @ApiProperty({ description: 'Whether the replay reproduces the stored state and context.' })
  ok: boolean;

  @ApiProperty({ type: ReplayStateResponse })
  storedState: ReplayStateResponse;

  @ApiProperty({ type: ReplayStateResponse })
  replayedState: ReplayStateResponse;

  @ApiProperty({ description: 'Events replayed, the creation included.', example: 7 })
  events: number;

  @ApiPropertyOptional({ type: ReplayDivergenceResponse, description: 'Only when ok is false.' })
  divergesAt?: ReplayDivergenceResponse;
}
