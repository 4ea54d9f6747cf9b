import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The Idempotency-Key a request holds while its handler runs. The request's first write
 * transaction marks the key applied inside that same transaction (WriteQueue), so whether the
 * request took effect is known even if the process dies before its answer is stored.
 */
export interface IdempotencyScope {
  actorId: string;
  key: string;
  /** The reservation's `created_at`: a retry that took the key over writes a new one, and the marking of a superseded holder fails. */
  reservedAt: string;
  /** Set once a transaction of this request has marked the key. */
  applied: boolean;
}

export const idempotencyScope = new AsyncLocalStorage<IdempotencyScope>();
