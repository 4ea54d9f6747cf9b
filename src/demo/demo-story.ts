import type { CreateOrganizationDto } from '../organizations/dto/organization.dto.js';
import type { CreatePartnershipDto } from '../partnerships/dto/partnership.dto.js';
import type { Role } from '../users/roles.js';

/** The people who use the demo, one per role; their passwords are generated at each start. */
export const DEMO_USERS = [
  { username: 'manager', displayName: 'Demo programme manager', roles: ['manager'], email: 'manager@example.org' },
  { username: 'approver', displayName: 'Demo senior manager (approver)', roles: ['approver'], email: 'approver@example.org' },
  { username: 'approver2', displayName: 'Demo senior manager 2 (approver)', roles: ['approver'], email: 'approver2@example.org' },
  { username: 'auditor', displayName: 'Demo auditor', roles: ['auditor'], email: 'auditor@example.org' },
] as const satisfies ReadonlyArray<{ username: string; displayName: string; roles: readonly Role[]; email: string }>;

export type DemoUserName = (typeof DEMO_USERS)[number]['username'];

export interface DemoOrganization {
  key: string;
  fields: CreateOrganizationDto;
  /** When the manager records it (ISO instant). */
  createdAt: string;
  /** Where it comes from: the report's words, or why it is illustrative. */
  source: string;
}

export interface StoryStep {
  /** ISO instant at which the step happens; due timers fire first, each at its own due time. */
  at: string;
  by: DemoUserName;
  type: string;
  comment?: string;
  data?: Record<string, unknown>;
  /** Sends the event to this occurrence of the partnership's series of this kind instead of to the partnership. */
  occurrence?: { kind: string; dueOn: string };
}

/** One partnership as the seed plays it: created, then driven by real events to the stage it is left at. */
export interface PartnershipStory {
  organization: string;
  createdAt: string;
  partnership: Omit<CreatePartnershipDto, 'organizationId'>;
  steps: StoryStep[];
  /** The stage the story leaves it at; the seed fails when it ends anywhere else. */
  expectedState: string;
  source: string;
}

/** `date` moved by whole months, on `day` (or the same day), clamped to the month's length. */
export function addMonths(date: string, months: number, day = Number(date.slice(8, 10))): string {
  const index = Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1 + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${String(month).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
}

export function monthOf(date: string): number {
  return Number(date.slice(5, 7));
}

/** An instant on `date` (UTC), 10:00 unless told. */
export function on(date: string, time = '10:00'): string {
  return `${date}T${time}:00.000Z`;
}
