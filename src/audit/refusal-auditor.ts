import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { requestIdOf } from '../common/http/request-id.js';
import { WriteRateLimiter } from '../common/http/write-rate-limit.guard.js';
import { WriteQueue } from '../database/write-queue.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { AuditService } from './audit.service.js';
import { refusalFields } from './refused-requests.js';

/** The refusals SPEC wants in the audit chain. */
const AUDITED_STATUSES: ReadonlySet<number> = new Set([403, 409, 412, 422]);

/** Who was refused what, as the refusal's row names it. */
export interface Refused {
  actor: Actor;
  entityType: string;
  action: string;
  /** Kept only when it is a UUID (refusalFields). */
  entityId: unknown;
  requestId?: string | null;
  /** What the attempt carried beside the refusal's code, message and details (an event's comment and data). */
  sent?: Record<string, unknown>;
}

/** A request of the API or of a page; the actor is there once its token or session was accepted. */
type RefusedRequest = Request & { actor?: Actor };

/**
 * The one recorder of refused attempts, for every path a refusal takes: the services' (through
 * InstanceRuntime.auditRefusals), the API's exception filter and the pages' refusals. A refusal
 * recorded on its way out of a service passes the filter or the page afterwards: `recorded`
 * remembers it, so it has one row.
 */
@Injectable()
export class RefusalAuditor {
  private readonly recorded = new WeakSet<DomainError>();

  constructor(
    private readonly audit: AuditService,
    private readonly queue: WriteQueue,
    private readonly limiter: WriteRateLimiter,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Records a refused attempt (403, 409, 412, 422) in a transaction of its own; anything else is
   * left alone. The refusal takes a point of the caller's write limit first, so nobody floods the
   * chain with refusals: past the limit it throws 429 TOO_MANY_REQUESTS and writes no row. True
   * when this call wrote the refusal's row.
   */
  async record(error: unknown, refused: Refused): Promise<boolean> {
    if (!(error instanceof DomainError) || !AUDITED_STATUSES.has(error.status) || this.recorded.has(error)) return false;
    await this.limiter.take(refused.actor.id);
    // A refusal is no effect of the request: it does not mark the request's Idempotency-Key applied.
    await this.queue.run((manager) => this.append(manager, error, refused), { effect: false });
    this.recorded.add(error);
    return true;
  }

  /** A request's refusal, named by its method and route; one made before anyone signed in has no actor to record. */
  async recordRequest(request: RefusedRequest, error: unknown): Promise<void> {
    if (!request.actor) return;
    const route = (request.route as { path?: string } | undefined)?.path ?? request.path;
    const action = `${request.method} ${route}`;
    await this.record(error, { actor: request.actor, entityType: 'request', action, entityId: request.params?.id, requestId: requestIdOf(request) });
  }

  /** A timer's refusal, whatever its status, inside the timer's transaction: the poller is no caller and has no limit. */
  recordIn(manager: EntityManager, error: DomainError, refused: Refused): Promise<void> {
    return this.append(manager, error, refused);
  }

  private async append(manager: EntityManager, error: DomainError, refused: Refused): Promise<void> {
    const fields = refusalFields({
      action: refused.action,
      entityId: refused.entityId,
      payload: { code: error.code, message: error.message, details: error.details ?? null, ...refused.sent },
    });
    await this.audit.append(manager, {
      occurredAt: this.clock.now().toISOString(),
      actor: refused.actor,
      entityType: refused.entityType,
      outcome: 'denied',
      requestId: refused.requestId,
      ...fields,
    });
  }
}
