import type { CreatePartnershipDto } from '../src/partnerships/dto/partnership.dto.js';
import type { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { BENCH_APPROVER, BENCH_MANAGER } from './support.js';

/**
 * The transition mix of the throughput figures: a proposal submitted (an approval-SLA timer row
 * written), then sent back with changes requested (the timer row deleted). Every step is a valid
 * transition with a version check, a timer change and an audit row. Each partnership takes at most
 * STEPS_PER_PARTNERSHIP of them, as in real life, where a proposal goes back and forth a few
 * times: its context (decisions, approvals) then stays the size it has in practice instead of
 * growing with the length of the run.
 */
export const STEPS_PER_PARTNERSHIP = 8;
export interface Cursor {
  id: string;
  version: number;
  submitted: boolean;
}

/** Hands out partnerships that still have steps left; a caller holds one at a time. */
export class Pool {
  private next = 0;

  constructor(private readonly cursors: Cursor[]) {}

  take(): Cursor {
    const cursor = this.cursors[this.next];
    if (!cursor) throw new Error(`the pool of ${this.cursors.length} partnerships is used up; make it larger`);
    this.next += 1;
    return cursor;
  }

  get used(): number {
    return this.next;
  }
}

export function proposal(organizationId: string, n: number): CreatePartnershipDto {
  return {
    title: `Benchmark partnership ${n}`,
    organizationId,
    summary: 'An annual named lecture and a co-created course on organized crime.',
    proposedActivities: [{ kind: 'annual_lecture', title: 'Annual named lecture', recurrence: { frequency: 'yearly', month: 10, day: 15 } }],
  };
}

export const SUBMIT = { type: 'SUBMIT_FOR_APPROVAL' } as const;
export const SEND_BACK = { type: 'REQUEST_CHANGES', comment: 'Please add the course outline.' } as const;

/** One step of the mix through the service layer. */
export async function step(partnerships: PartnershipsService, cursor: Cursor): Promise<void> {
  const body = cursor.submitted ? SEND_BACK : SUBMIT;
  const actor = cursor.submitted ? BENCH_APPROVER : BENCH_MANAGER;
  const { row } = await partnerships.send(cursor.id, { ...body, actor, expectedVersion: cursor.version });
  cursor.version = row.version;
  cursor.submitted = !cursor.submitted;
}
