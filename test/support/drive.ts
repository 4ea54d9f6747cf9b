import type request from 'supertest';
import { TimersService } from '../../src/timers/timers.service.js';
import type { ApiApp, UserName } from './api.js';
import { partnershipInput } from './factories.js';

/**
 * Takes partnerships (and their occurrences) to a given state over HTTP, for tests that need an
 * object in that state before the request under test. Each step must succeed (200).
 */

export interface Driven {
  id: string;
  /** The version after the last step: send it back as If-Match. */
  version: number;
}

export interface DriveStep {
  by: UserName;
  body: Record<string, unknown>;
}

/** The MOU term AGREE_TEXT agrees. */
export interface Term {
  effectiveFrom: string;
  expiresOn: string;
}

export const DEFAULT_TERM: Term = { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31' };
/** Ends within 90 days of the tests' clock, so the renewal window opens as soon as the MOU is in force. */
export const SHORT_TERM: Term = { effectiveFrom: '2026-03-01', expiresOn: '2026-05-15' };

/** partnership-mou from a new proposal to in force: submitted, approved, one draft, the text agreed, both signatures. */
export function mouSteps(term: Term = DEFAULT_TERM): DriveStep[] {
  return [
    { by: 'manager', body: { type: 'SUBMIT_FOR_APPROVAL' } },
    { by: 'approver', body: { type: 'APPROVE' } },
    { by: 'manager', body: { type: 'SHARE_DRAFT', data: { document: { name: 'MOU v1.docx', sha256: 'c'.repeat(64) } } } },
    { by: 'manager', body: { type: 'AGREE_TEXT', data: { ...term } } },
    { by: 'manager', body: { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Rector', signedOn: '2026-03-01' } } },
    { by: 'manager', body: { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'Director', signedOn: '2026-03-02' } } },
  ];
}

/** The state after the first n of `mouSteps()`. */
export const STATE_AFTER_STEPS = [
  'proposal',
  'senior_management_review',
  'mou_drafting',
  'mou_negotiation',
  'awaiting_signatures',
  'awaiting_signatures',
  'in_force.active',
] as const;
export type PartnershipState = (typeof STATE_AFTER_STEPS)[number] | 'in_force.renewal_due';

/** POST /api/partnerships/{id}/events as `user`, with If-Match: "version". */
export function sendEvent(api: ApiApp, user: UserName, id: string, version: number, body: object): request.Test {
  return api.as(user).post(`/api/partnerships/${id}/events`).set('If-Match', `"${version}"`).send(body);
}

/** Sends each step in turn, carrying the version each answer returns. */
export async function driveSteps(api: ApiApp, partnership: Driven, steps: DriveStep[]): Promise<Driven> {
  let { version } = partnership;
  for (const step of steps) version = (await sendEvent(api, step.by, partnership.id, version, step.body).expect(200)).body.version as number;
  return { id: partnership.id, version };
}

/**
 * A new partnership of `organizationId`, proposed by `manager` and taken to `state`; the state is
 * checked by reading it back. `in_force.renewal_due` agrees `SHORT_TERM` (unless `term` says
 * otherwise) and fires the due timers.
 */
export async function drivePartnership(api: ApiApp, organizationId: string, state: PartnershipState, options: { term?: Term } = {}): Promise<Driven> {
  const renewalDue = state === 'in_force.renewal_due';
  const created = await api.as('manager').post('/api/partnerships').send(partnershipInput(organizationId)).expect(201);
  const steps = mouSteps(options.term ?? (renewalDue ? SHORT_TERM : DEFAULT_TERM)).slice(0, STATE_AFTER_STEPS.indexOf(renewalDue ? 'in_force.active' : state));
  const { id } = await driveSteps(api, { id: created.body.id as string, version: created.body.version as number }, steps);
  if (renewalDue) await api.get(TimersService).fireDue();
  const now = (await api.as('auditor').get(`/api/partnerships/${id}`).expect(200)).body as { state: string; version: number };
  expect(now.state).toBe(state);
  return { id, version: now.version };
}

/** The ids of a partnership's occurrences (those in `state`, if given), series by series. */
export async function occurrenceIdsOf(api: ApiApp, partnershipId: string, state?: string): Promise<string[]> {
  const view = (await api.as('auditor').get(`/api/partnerships/${partnershipId}`).expect(200)).body as {
    activities?: Array<{ occurrences: Array<{ id: string; state: string }> }>;
  };
  return (view.activities ?? []).flatMap((s) => s.occurrences.filter((o) => state === undefined || o.state === state).map((o) => o.id));
}

/** A planned occurrence left planned, or scheduled by `manager` on `scheduleOn`. */
export async function driveOccurrence(api: ApiApp, id: string, state: 'planned' | 'scheduled', scheduleOn = '2026-10-15'): Promise<Driven> {
  let version = (await api.as('auditor').get(`/api/occurrences/${id}`).expect(200)).body.version as number;
  if (state === 'scheduled') {
    const scheduled = await api
      .as('manager')
      .post(`/api/occurrences/${id}/events`)
      .set('If-Match', `"${version}"`)
      .send({ type: 'SCHEDULE', data: { date: scheduleOn } });
    expect(scheduled.status).toBe(200);
    version = scheduled.body.version as number;
  }
  return { id, version };
}
