import type { CreateOrganizationDto } from '../../src/organizations/dto/organization.dto.js';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import type { CreatePartnershipDto } from '../../src/partnerships/dto/partnership.dto.js';
import type { Partnership } from '../../src/partnerships/partnership.entity.js';
import { PartnershipsService } from '../../src/partnerships/partnerships.service.js';
import type { EventInput } from '../../src/workflow-engine/instance-runtime.service.js';
import type { Actor } from '../../src/workflow-engine/workflow.types.js';
import { createApiApp, type ApiApp, type UserName } from './api.js';
import type { TestApp } from './test-app.js';

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

/* Through the services, for the service tier (a TestApp, an ApiApp or a WebApp). */

type Services = Pick<TestApp, 'get'>;

/** A new organization and a proposal of it, created through the services by `by` (a manager unless said). */
export async function createProposal(
  app: Services,
  overrides: Partial<CreatePartnershipDto> = {},
  options: { by?: Actor; organization?: Partial<CreateOrganizationDto> } = {},
): Promise<Partnership> {
  const by = options.by ?? actors.manager;
  const organization = await app.get(OrganizationsService).create(organizationInput(options.organization), by);
  return app.get(PartnershipsService).create(partnershipInput(organization.id, overrides), by);
}

/** Sends `type` as `actor` through the service, from the version stored now; the row after it. */
export async function sendFromCurrent(
  app: Services,
  id: string,
  type: string,
  actor: Actor,
  extra: Pick<EventInput, 'comment' | 'data'> = {},
): Promise<Partnership> {
  const partnerships = app.get(PartnershipsService);
  const { version } = await partnerships.get(id);
  return (await partnerships.send(id, { type, actor, expectedVersion: version, ...extra })).row;
}

/* Over HTTP, for the end-to-end tier. */

/** A partnership as POST /api/partnerships answers it (the fields the tests read). */
export interface Proposed {
  id: string;
  version: number;
  state: string;
}

/** POST /api/organizations as `by`; the new organization's id. */
export async function postOrganization(api: ApiApp, overrides: Partial<CreateOrganizationDto> = {}, by: UserName = 'manager'): Promise<string> {
  const created = await api.as(by).post('/api/organizations').send(organizationInput(overrides)).expect(201);
  return (created.body as { id: string }).id;
}

/** POST /api/partnerships as `by`: a proposal of `organizationId`. */
export async function postPartnership(
  api: ApiApp,
  organizationId: string,
  overrides: Partial<CreatePartnershipDto> = {},
  by: UserName = 'manager',
): Promise<Proposed> {
  return (await api.as(by).post('/api/partnerships').send(partnershipInput(organizationId, overrides)).expect(201)).body as Proposed;
}

/** A new organization and a proposal of it, both posted by `by`. */
export async function postProposal(api: ApiApp, overrides: Partial<CreatePartnershipDto> = {}, by: UserName = 'manager'): Promise<Proposed> {
  return postPartnership(api, await postOrganization(api, {}, by), overrides, by);
}

/** An ApiApp with one organization, for specs whose proposals all belong to it. */
export async function createApiAppWithOrganization(env: Record<string, string> = {}): Promise<{ api: ApiApp; organizationId: string }> {
  const api = await createApiApp(env);
  return { api, organizationId: await postOrganization(api) };
}
