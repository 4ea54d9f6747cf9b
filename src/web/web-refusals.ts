import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error.js';
import { requestIdOf } from '../common/http/request-id.js';
import { InstanceRuntime } from '../workflow-engine/instance-runtime.service.js';
import { refusalOf, type Refusal } from './refusal-words.js';
import type { WebRequest } from './web-session.js';

const AUDITED_STATUSES = new Set([403, 409, 412, 422]);

/**
 * A refused page request in plain words. A refusal that no service recorded is appended to the
 * audit chain first, as the API's filter does for API requests, whether the page then shows it
 * on its own or beside the form that was refused.
 */
@Injectable()
export class WebRefusals {
  constructor(private readonly runtime: InstanceRuntime) {}

  async of(error: DomainError, request: WebRequest): Promise<Refusal> {
    if (!error.audited && request.actor && AUDITED_STATUSES.has(error.status)) {
      const route = (request.route as { path?: string } | undefined)?.path ?? request.path;
      const entityId = typeof request.params?.id === 'string' ? request.params.id.slice(0, 64) : '-';
      await this.runtime.recordRefusal('request', entityId, { type: `${request.method} ${route}`, actor: request.actor, requestId: requestIdOf(request) }, error);
    }
    return refusalOf(error);
  }
}
