import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { canonicalJson, sha256Hex } from '../canonical-json.js';
import { Clock } from '../clock.js';
import { DomainError } from '../domain-error.js';
import { plainExecute } from '../../database/plain-query.js';
import { firstWriteHook, isUniqueViolation, WriteQueue, type FirstWriteHook } from '../../database/write-queue.js';
import { IdempotencyRecord } from './idempotency-record.entity.js';

const KEY_RE = /^[A-Za-z0-9._:-]{1,200}$/;
/** How often, and how long, a duplicate served by another instance waits for the first answer. */
const POLL_MS = 25;
const WAIT_FOR_FIRST_MS = 15_000;
/** A key still pending after this long lost its request with its process, and may be taken over. */
const ABANDONED_AFTER_MS = 120_000;

/**
 * `Idempotency-Key` on a state-changing request: the first answer (2xx) is kept per user and key;
 * the same key with the same request replays it without running anything again, and with a
 * different request is 422 IDEMPOTENCY_CONFLICT. Concurrent requests with one key wait for the
 * first: in this process on its promise, across instances on its pending row.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { actor?: { id: string } }>();
    const response = context.switchToHttp().getResponse<Response>();
    const header = request.headers['idempotency-key'];
    if (request.method === 'GET' || header === undefined || !request.actor) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!KEY_RE.test(key)) throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1-200 characters of A-Z a-z 0-9 . _ : -');
    const actorId = request.actor.id;
    const fingerprint = sha256Hex(canonicalJson({ method: request.method, path: request.originalUrl, body: (request.body as unknown) ?? null }));
    const slot = `${actorId}\u0000${key}`;
    const previous = this.inFlight.get(slot) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() => this.answer(actorId, key, fingerprint, response, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
    const tracked = run.finally(() => {
      if (this.inFlight.get(slot) === tracked) this.inFlight.delete(slot);
    });
    this.inFlight.set(slot, tracked);
    return from(tracked);
  }

  /**
   * Other instances serving the same database cannot see `inFlight`, so the first request
   * reserves the key with a pending row (primary key (actor, key)); a concurrent duplicate
   * elsewhere polls until the answer is stored, then replays it.
   */
  private async answer(actorId: string, key: string, fingerprint: string, response: Response, handle: () => Promise<unknown>): Promise<unknown> {
    const repository = this.dataSource.getRepository(IdempotencyRecord);
    const giveUpAt = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      const stored = await repository.findOne({ where: { actorId, key } });
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          throw new DomainError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different request', { key });
        }
        if (stored.statusCode !== null) return replay(stored, response);
        if (this.abandoned(stored)) {
          // The change was committed but its answer never stored: running it again would do it twice.
          if (stored.appliedAt !== null) {
            throw new DomainError(
              'IDEMPOTENCY_ANSWER_LOST',
              'the request with this Idempotency-Key took effect, but its answer was lost when the service stopped; read the resource to see it',
              {
                key,
                appliedAt: stored.appliedAt,
              },
            );
          }
          const reservedAt = await this.takeOverAbandoned(stored);
          if (reservedAt) return this.runAndStore(actorId, key, reservedAt, response, handle);
        }
      } else {
        const reservedAt = await this.reserve(actorId, key, fingerprint);
        if (reservedAt) return this.runAndStore(actorId, key, reservedAt, response, handle);
      }
      if (Date.now() >= giveUpAt) {
        throw new DomainError('CONFLICT', 'a request with this Idempotency-Key is still being answered; retry it later', { key });
      }
      await sleep(POLL_MS);
    }
  }

  /** Inserts the pending row: its `created_at`, or null when another request holds the key already. */
  private async reserve(actorId: string, key: string, fingerprint: string): Promise<string | null> {
    const createdAt = this.clock.now().toISOString();
    try {
      await this.queue.run((manager) =>
        manager.insert(IdempotencyRecord, { actorId, key, fingerprint, statusCode: null, responseBody: null, etag: null, createdAt, appliedAt: null }),
      );
      return createdAt;
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** Pending for so long that its request must have died with its process (crash, kill). */
  private abandoned(stored: IdempotencyRecord): boolean {
    return this.clock.now().getTime() - Date.parse(stored.createdAt) >= ABANDONED_AFTER_MS;
  }

  /**
   * A pending row whose request died before changing anything would hold the key forever: a retry
   * takes it over by writing a new `created_at` (returned), which the dead request's holder, were
   * it still alive, could no longer mark applied. Null when another retry took it first.
   */
  private async takeOverAbandoned(stored: IdempotencyRecord): Promise<string | null> {
    const now = this.clock.now();
    const result = await this.queue.run((manager) =>
      manager
        .createQueryBuilder()
        .update(IdempotencyRecord)
        .set({ createdAt: now.toISOString() })
        .where('actor_id = :actorId AND key = :key AND status_code IS NULL AND applied_at IS NULL AND created_at = :createdAt', {
          actorId: stored.actorId,
          key: stored.key,
          createdAt: stored.createdAt,
        })
        .execute(),
    );
    return result.affected === 1 ? now.toISOString() : null;
  }

  /**
   * Runs the request once; its answer is kept, and a failure frees the key for a retry. The
   * handler runs with `markApplied`, so its first write transaction marks the key applied.
   */
  private async runAndStore(actorId: string, key: string, reservedAt: string, response: Response, handle: () => Promise<unknown>): Promise<unknown> {
    let body: unknown;
    // Only this reservation's row: after a takeover the key is another request's.
    const mine = 'actor_id = :actorId AND key = :key AND created_at = :reservedAt AND status_code IS NULL';
    try {
      body = await firstWriteHook.run(markApplied(this.clock, { actorId, key, reservedAt }), handle);
    } catch (error) {
      // A request that changed nothing frees its key for a retry; one that did keeps it (a retry would do it twice).
      await this.queue.run((manager) =>
        manager.createQueryBuilder().delete().from(IdempotencyRecord).where(`${mine} AND applied_at IS NULL`, { actorId, key, reservedAt }).execute(),
      );
      throw error;
    }
    const etag = response.getHeader('ETag');
    await this.queue.run((manager) =>
      manager
        .createQueryBuilder()
        .update(IdempotencyRecord)
        .set({ statusCode: response.statusCode, responseBody: body === undefined ? null : JSON.stringify(body), etag: typeof etag === 'string' ? etag : null })
        .where(mine, { actorId, key, reservedAt })
        .execute(),
    );
    return body;
  }
}

/**
 * Marks a reserved key applied inside the request's first write transaction (WriteQueue), so
 * whether the request took effect is known even if the process dies before its answer is stored.
 * `reservedAt` is the reservation's `created_at`: a retry that took the key over wrote a new one,
 * and then this marking fails and the superseded request's change rolls back.
 */
export function markApplied(clock: Clock, reservation: { actorId: string; key: string; reservedAt: string }): FirstWriteHook {
  return {
    done: false,
    async run(manager) {
      const marked = await plainExecute(
        manager,
        'UPDATE idempotency_keys SET applied_at = ? WHERE actor_id = ? AND key = ? AND created_at = ? AND status_code IS NULL AND applied_at IS NULL',
        [clock.now().toISOString(), reservation.actorId, reservation.key, reservation.reservedAt],
      );
      if (marked !== 1) {
        throw new DomainError('CONFLICT', 'a retry with this Idempotency-Key took over while this request ran; nothing was changed', { key: reservation.key });
      }
    },
  };
}

function replay(stored: IdempotencyRecord, response: Response): unknown {
  response.status(stored.statusCode as number);
  if (stored.etag) response.setHeader('ETag', stored.etag);
  response.setHeader('Idempotent-Replayed', 'true');
  return stored.responseBody === null ? undefined : JSON.parse(stored.responseBody);
}
