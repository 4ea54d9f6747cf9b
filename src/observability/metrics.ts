import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { NextFunction, Request, Response } from 'express';
import { routeOf } from './logger.js';

/** What became of an event sent to a workflow instance, once its transaction committed. */
export type TransitionOutcome = 'applied' | 'refused';

/** A figure read from the database at each scrape, so that it is right whichever instance changed it. */
export interface ScrapedFigure {
  name: string;
  help: string;
  /** `counter` for a total that never goes down (the audit chain's length), `gauge` for a level. */
  type: 'counter' | 'gauge';
  read: () => Promise<number>;
}

/**
 * The Prometheus figures of one app, in a registry of its own (several apps share a test process).
 * Counted here: HTTP requests and workflow transitions, the latter only after their transaction
 * committed (see `afterCommit` in src/database/write-queue.ts). Read from the database at each
 * scrape: the figures the modules that own them register with `scrape` (timers, the audit chain,
 * the mail outbox).
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request reaching the service to its answer being sent, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly transitions = new Counter({
    name: 'workflow_transitions_total',
    help: 'Events sent to workflow instances whose transaction committed: applied, or refused (the refusal recorded in the audit chain).',
    labelNames: ['workflow', 'event', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Middleware timing each answered request by its route template (never its URL, which may hold ids or a token).
   * Installed only with METRICS_TOKEN (src/app.setup.ts): without it nobody can read the histogram.
   */
  readonly timeRequests = (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.requests.observe({ method: request.method, route: routeOf(request), status: response.statusCode }, seconds);
    });
    next();
  };

  transition(workflow: string, event: string, outcome: TransitionOutcome): void {
    this.transitions.inc({ workflow, event, outcome });
  }

  scrape({ name, help, type, read }: ScrapedFigure): void {
    if (type === 'gauge') {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect: async function () {
          this.set(await read());
        },
      });
    } else {
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect: async function () {
          this.reset();
          this.inc(await read());
        },
      });
    }
  }

  /** The Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
