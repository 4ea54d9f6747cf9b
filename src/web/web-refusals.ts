import { Injectable } from '@nestjs/common';
import { AUDITED_STATUSES } from '../audit/refused-requests.js';
import { DomainError } from '../common/domain-error.js';
import { requestIdOf } from '../common/http/request-id.js';
import { InstanceRuntime } from '../workflow-engine/instance-runtime.service.js';
import { refusalOf, type Refusal } from './refusal-words.js';
import type { WebRequest } from './web-session.js';

/**
 * A refused page request in plain words. A refusal that no service recorded is appended to the
 * audit chain first, as the API's filter does for API requests, whether the page then shows it
 * on its own or beside the form that was refused; past the caller's write limit, the page says
 * 429 instead.
 */
@Injectable()
export class WebRefusals {
  constructor(private readonly runtime: InstanceRuntime) {}

  async of(error: DomainError, request: WebRequest): Promise<Refusal> {
    if (!error.audited && request.actor && AUDITED_STATUSES.has(error.status)) {
      const route = (request.route as { path?: string } | undefined)?.path ?? request.path;
      const entityId = typeof request.params?.id === 'string' ? request.params.id : '-';
      try {
        await this.runtime.recordRefusal('request', entityId, { type: `${request.method} ${route}`, actor: request.actor, requestId: requestIdOf(request) }, error);
      } catch (refused) {
        // Past the caller's write limit the refusal is answered 429, and leaves no row.
        if (refused instanceof DomainError && refused.code === 'TOO_MANY_REQUESTS') return refusalOf(refused);
        throw refused;
      }
    }
    return refusalOf(error);
  }
}
