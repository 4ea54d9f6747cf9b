import type { CreatePartnershipDto } from '../src/partnerships/dto/partnership.dto.js';
import type { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { BENCH_APPROVER, BENCH_MANAGER } from './support.js';

/**
 * The transition mix of the throughput figures: a proposal submitted (an approval-SLA timer row
 * written), then sent back with changes requested (the timer row deleted). Every step is a valid
 * transition with a version check, a timer change and an audit row. A caller takes a partnership
 * for at most STEPS_PER_ROUND steps, then hands it back to the end of the pool's queue: spread over
 * a large pool, each partnership goes back and forth a few times, as in real life, so its context
 * (decisions, approvals) keeps the size it has in practice instead of growing with the run.
 */
export const STEPS_PER_ROUND = 8;
export const POOL_SIZE = 2000;

export interface Cursor {
  id: string;
  version: number;
  submitted: boolean;
  /** Steps taken in the current round. */
  steps: number;
}

/** Partnerships waiting for a caller, oldest round first; a caller holds one at a time. */
export class Pool {
  private readonly ready: Cursor[];

  constructor(cursors: Cursor[]) {
    this.ready = [...cursors];
  }

  take(): Cursor {
    const cursor = this.ready.shift();
    if (!cursor) throw new Error('every partnership of the pool is held by a caller; make the pool larger');
    return cursor;
  }

  giveBack(cursor: Cursor): void {
    cursor.steps = 0;
    this.ready.push(cursor);
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
  advance(cursor, row.version);
}

/** Records an accepted step. */
export function advance(cursor: Cursor, version: number): void {
  cursor.version = version;
  cursor.submitted = !cursor.submitted;
  cursor.steps += 1;
}
