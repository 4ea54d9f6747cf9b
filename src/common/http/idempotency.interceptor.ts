import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { canonicalJson, sha256Hex } from '../canonical-json.js';
import { Clock } from '../clock.js';
import { DomainError } from '../domain-error.js';
import { WriteQueue } from '../../database/write-queue.js';
import { IdempotencyRecord } from './idempotency-record.entity.js';

const KEY_RE = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * `Idempotency-Key` on a state-changing request: the first answer (2xx) is kept per user and key;
 * the same key with the same request replays it without running anything again, and with a
 * different request is 422 IDEMPOTENCY_CONFLICT. Concurrent requests with one key wait for the first.
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
    const fingerprint = sha256Hex(canonicalJson({ method: request.method, path: request.originalUrl, body: request.body ?? null }));
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

  private async answer(actorId: string, key: string, fingerprint: string, response: Response, handle: () => Promise<unknown>): Promise<unknown> {
    const repository = this.dataSource.getRepository(IdempotencyRecord);
    const stored = await repository.findOne({ where: { actorId, key } });
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        throw new DomainError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different request', { key });
      }
      if (stored.statusCode !== null) {
        response.status(stored.statusCode);
        if (stored.etag) response.setHeader('ETag', stored.etag);
        response.setHeader('Idempotent-Replayed', 'true');
        return stored.responseBody === null ? undefined : JSON.parse(stored.responseBody);
      }
    }
    const body = await handle();
    const etag = response.getHeader('ETag');
    await this.queue.run((manager) => manager.upsert(
      IdempotencyRecord,
      {
        actorId,
        key,
        fingerprint,
        statusCode: response.statusCode,
        responseBody: body === undefined ? null : JSON.stringify(body),
        etag: typeof etag === 'string' ? etag : null,
        createdAt: this.clock.now().toISOString(),
      },
      ['actorId', 'key'],
    ));
    return body;
  }
}
