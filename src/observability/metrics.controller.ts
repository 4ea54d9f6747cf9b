import { Controller, Get, Header, Headers, Inject, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../auth/auth.decorators.js';
import { DomainError } from '../common/domain-error.js';
import type { AppConfig } from '../config/app.config.js';
import { Metrics } from './metrics.js';

/** Where Prometheus scrapes, beside the API rather than under /api. */
export const METRICS_PATH = '/metrics';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `GET /metrics` for Prometheus, outside the API (not under /api, not in its OpenAPI document).
 * Without METRICS_TOKEN it is not there (404: nothing tells a prober it could be turned on); with
 * it, a scrape without that bearer token gets 401, whose WWW-Authenticate says what is wanted.
 */
@ApiExcludeController()
@Public()
@Controller(METRICS_PATH)
export class MetricsController {
  private readonly token?: Buffer;

  constructor(
    private readonly metrics: Metrics,
    @Inject(ConfigService) config: ConfigService,
  ) {
    const token = config.getOrThrow<AppConfig>('app').metricsToken;
    this.token = token === undefined ? undefined : digest(token);
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) response: Response): Promise<string> {
    if (!this.token) throw new DomainError('NOT_FOUND', 'no such page');
    const [scheme, presented] = (authorization ?? '').split(' ');
    // Compared as digests, in constant time: neither the token nor its length leaks through timing.
    if (scheme?.toLowerCase() !== 'bearer' || !presented || !timingSafeEqual(digest(presented), this.token)) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new DomainError('UNAUTHENTICATED', 'GET /metrics takes the bearer token METRICS_TOKEN names');
    }
    response.setHeader('Content-Type', this.metrics.contentType);
    return this.metrics.render();
  }
}
