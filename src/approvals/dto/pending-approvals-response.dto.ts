import { ApiProperty } from '@nestjs/swagger';
import { PersonRefDto } from '../../users/dto/person-ref.dto.js';

export class PendingOrganizationResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ nullable: true, type: String, example: 'Beaconhouse National University' })
  name: string | null;
}

/** A proposal waiting for the caller's decision. */
export class PendingApprovalResponse {
  @ApiProperty({ description: 'The partnership id.', format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Annual lecture and research collaboration' })
  title: string;

  @ApiProperty({ type: PendingOrganizationResponse })
  organization: PendingOrganizationResponse;

  @ApiProperty({ nullable: true, type: String })
  summary: string | null;

  @ApiProperty({ description: 'Send it back as If-Match with the decision.', example: 2 })
  version: number;

  @ApiProperty({ format: 'uuid' })
  submittedBy: string;

  @ApiProperty({ format: 'date-time' })
  submittedAt: string;

  @ApiProperty({ format: 'date-time', description: 'When the approval SLA runs out.' })
  dueAt: string;

  @ApiProperty({ description: 'Past its approval SLA.' })
  overdue: boolean;

  @ApiProperty({ description: 'Approvals counted so far.', example: 0 })
  approvals: number;

  @ApiProperty({ minimum: 1, maximum: 5, example: 1 })
  requiredApprovals: number;

  @ApiProperty({
    type: PersonRefDto,
    nullable: true,
    description: 'The approver you decide this for, as their delegate: send it back as data.onBehalfOf with the decision. Null: in your own right.',
  })
  onBehalfOf: PersonRefDto | null;
}

export class PendingApprovalListResponse {
  @ApiProperty({ type: PendingApprovalResponse, isArray: true, description: 'Oldest submission first.' })
  items: PendingApprovalResponse[];

  @ApiProperty({ example: 1 })
  total: number;
}
