import { ApiProperty, OmitType, PickType } from '@nestjs/swagger';
import { FulfilmentResponse, PartnershipSummaryResponse } from '../../partnerships/dto/partnership-response.dto.js';

export class OverdueApprovalResponse extends PickType(PartnershipSummaryResponse, ['id', 'title', 'submittedAt'] as const) {}

export class OverdueApprovalsResponse {
  @ApiProperty({ example: 1 })
  count: number;

  @ApiProperty({ type: OverdueApprovalResponse, isArray: true, description: 'Oldest first, at most 100 (count has them all).' })
  items: OverdueApprovalResponse[];
}

export class ExpiringPartnershipResponse extends PickType(PartnershipSummaryResponse, ['id', 'title', 'organizationId'] as const) {
  @ApiProperty({ example: 'in_force.renewal_due' })
  state: string;

  @ApiProperty({ format: 'date', example: '2026-05-15' })
  expiresOn: string;
}

export class ExpiringPartnershipsResponse {
  @ApiProperty({ example: 1 })
  count: number;

  @ApiProperty({ type: ExpiringPartnershipResponse, isArray: true, description: 'Soonest expiry first, at most 100 (count has them all).' })
  items: ExpiringPartnershipResponse[];
}

export class PartnershipFulfilmentResponse extends OmitType(FulfilmentResponse, ['termNumber'] as const) {
  @ApiProperty({ format: 'uuid' })
  partnershipId: string;

  @ApiProperty({ nullable: true, type: String })
  title: string | null;
}

/** The pipeline at a glance. */
export class PipelineResponse {
  @ApiProperty({ format: 'date', description: 'The day the report was made for.' })
  asOf: string;

  @ApiProperty({ description: 'All partnerships.', example: 12 })
  total: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Partnerships per state (dotted paths); states with none are left out.',
    example: { proposal: 3, senior_management_review: 2, 'in_force.active': 4 },
  })
  countsByState: Record<string, number>;

  @ApiProperty({ type: OverdueApprovalsResponse })
  overdueApprovals: OverdueApprovalsResponse;

  @ApiProperty({ example: 90 })
  expiringWithinDays: number;

  @ApiProperty({ type: ExpiringPartnershipsResponse, description: 'MOUs in force that expire within expiringWithinDays.' })
  expiring: ExpiringPartnershipsResponse;

  @ApiProperty({
    type: PartnershipFulfilmentResponse,
    isArray: true,
    description: 'Occurrences per partnership, over all terms, by outcome: the first 100 partnerships with occurrences, by title.',
  })
  fulfilment: PartnershipFulfilmentResponse[];

  @ApiProperty({ example: 3, description: 'All the partnerships with occurrences.' })
  fulfilmentCount: number;
}
