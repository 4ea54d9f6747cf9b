import type { CreateOrganizationDto } from '../../src/organizations/dto/organization.dto.js';
import type { CreatePartnershipDto } from '../../src/partnerships/dto/partnership.dto.js';
import type { Actor } from '../../src/workflow-engine/workflow.types.js';

export const actors = {
  manager: { id: 'u-manager', roles: ['manager'] } satisfies Actor,
  manager2: { id: 'u-manager2', roles: ['manager'] } satisfies Actor,
  approver: { id: 'u-approver', roles: ['approver'] } satisfies Actor,
  approver2: { id: 'u-approver2', roles: ['approver'] } satisfies Actor,
  managerApprover: { id: 'u-both', roles: ['manager', 'approver'] } satisfies Actor,
};

export function organizationInput(overrides: Partial<CreateOrganizationDto> = {}): CreateOrganizationDto {
  return {
    name: 'Beaconhouse National University',
    kind: 'university',
    country: 'PK',
    city: 'Lahore',
    contacts: [{ name: 'Dean of Social Sciences', title: 'Dean' }],
    ...overrides,
  };
}

export function partnershipInput(organizationId: string, overrides: Partial<CreatePartnershipDto> = {}): CreatePartnershipDto {
  return {
    title: 'Annual lecture and research collaboration',
    organizationId,
    summary: 'An annual named lecture, a co-created course on organized crime and yearly research visits.',
    programme: 'Research',
    proposedActivities: [
      { kind: 'annual_lecture', title: 'Annual named lecture', recurrence: { frequency: 'yearly', month: 10, day: 15 } },
      { kind: 'research_visit', title: 'Research visit with seminar', recurrence: { frequency: 'yearly', month: 3, day: 1 } },
      { kind: 'course', title: 'Co-created course on organized crime', recurrence: { frequency: 'once', month: 9 } },
    ],
    ...overrides,
  };
}
