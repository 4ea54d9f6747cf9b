import { ApiProperty } from '@nestjs/swagger';

export class WorkflowEventResponse {
  @ApiProperty({ example: 'SUBMIT_FOR_APPROVAL' })
  type: string;

  @ApiProperty({ type: String, isArray: true, description: 'Roles that may send the event.', example: ['manager'] })
  roles: string[];

  @ApiProperty({ type: String, isArray: true, description: 'Payload fields the event needs.', example: [] })
  requires: string[];

  @ApiProperty({ nullable: true, type: String, description: 'Where the event leads; null when it stays.', example: 'senior_management_review' })
  target: string | null;
}

export class WorkflowStateResponse {
  @ApiProperty({ description: 'The state as a dotted path.', example: 'in_force.active' })
  id: string;

  @ApiProperty({ enum: ['atomic', 'compound', 'final', 'parallel', 'history'] })
  type: string;

  @ApiProperty({ type: String, isArray: true, description: 'Fields people may edit in this state.', example: ['programme', 'focalPoint', 'notes'] })
  editable: string[];

  @ApiProperty({ type: WorkflowEventResponse, isArray: true })
  events: WorkflowEventResponse[];

  @ApiProperty({ type: String, isArray: true, description: 'Named delays of the timers this state starts.', example: ['approvalSla'] })
  timers: string[];
}

/** A workflow definition, with its states and events laid out for clients. */
export class WorkflowResponse {
  @ApiProperty({ example: 'partnership-mou' })
  id: string;

  @ApiProperty({ example: 1 })
  version: number;

  @ApiProperty({ example: 'Partnership MOU' })
  title: string;

  @ApiProperty()
  description: string;

  @ApiProperty({ description: 'SHA-256 of the definition file.', example: '3f1c8a4e9b0d7f6e5a2c1b0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f' })
  hash: string;

  @ApiProperty({ example: 'proposal' })
  initial: string;

  @ApiProperty({ type: WorkflowStateResponse, isArray: true })
  states: WorkflowStateResponse[];

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The XState v5 machine config, as the definition file holds it.' })
  machine: Record<string, unknown>;
}

export class WorkflowListResponse {
  @ApiProperty({ type: WorkflowResponse, isArray: true, description: 'Every loaded version of every workflow.' })
  items: WorkflowResponse[];

  @ApiProperty({ example: 2 })
  total: number;
}
