import { Injectable } from '@nestjs/common';
import { RefusalAuditor } from '../audit/refusal-auditor.js';
import { DomainError } from '../common/domain-error.js';
import { refusalOf, type Refusal } from './refusal-words.js';
import type { WebRequest } from './web-session.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';

/**
 * A refused page request in plain words. The refusal is recorded first (RefusalAuditor), as the
 * API's filter records an API request's, whether the page then shows it on its own or beside the
 * form that was refused; past the caller's write limit, the page says 429 instead.
 */
@Injectable()
export class WebRefusals {
  constructor(
    private readonly auditor: RefusalAuditor,
    private readonly registry: WorkflowRegistry,
  ) {}

  async of(error: DomainError, request: WebRequest): Promise<Refusal> {
    try {
      await this.auditor.recordRequest(request, error);
    } catch (refused) {
      // Past the caller's write limit the refusal is answered 429, and leaves no row.
      if (refused instanceof DomainError && refused.code === 'TOO_MANY_REQUESTS') return refusalOf(refused, this.registry);
      throw refused;
    }
    return refusalOf(error, this.registry);
  }
}
