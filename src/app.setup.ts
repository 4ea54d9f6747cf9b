import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { RefusalAuditor } from './audit/refusal-auditor.js';
import type { AppConfig } from './config/app.config.js';
import { DomainExceptionFilter } from './common/domain-exception.filter.js';
import { documentBodyErrors } from './common/http/api-errors.js';
import { requestIdMiddleware } from './common/http/request-id.js';
import { METRICS_PATH } from './observability/metrics.controller.js';
import { Metrics } from './observability/metrics.js';
import { servePartnerLinks, serveWebAssets, WEB_ROUTES } from './web/web.setup.js';

export const BODY_LIMIT = '256kb';

/**
 * HTTP settings shared by main.ts and the end-to-end tests, so both run the same app. `requestLog`
 * (main.ts's `requestLogger`, pino-http) logs a line per request; the tests' apps log nothing.
 */
export function configureApp(app: INestApplication, options: { requestLog?: RequestHandler } = {}): void {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: BODY_LIMIT });
  express.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  // A client's address is the socket's unless TRUST_PROXY names the proxies whose X-Forwarded-For counts.
  const config = app.get(ConfigService).getOrThrow<AppConfig>('app');
  express.set('trust proxy', config.trustProxy);
  // Pages and the API allow scripts, styles and images from this server only; Swagger UI's page
  // carries inline <style> blocks, so /api/docs keeps helmet's default policy.
  const strict = helmet({
    contentSecurityPolicy: { directives: { styleSrc: ["'self'"], fontSrc: ["'self'"], imgSrc: ["'self'"], upgradeInsecureRequests: null } },
  });
  const docs = helmet();
  app.use((request: Request, response: Response, next: NextFunction) => (request.path.startsWith('/api/docs') ? docs : strict)(request, response, next));
  app.use(requestIdMiddleware);
  if (options.requestLog) app.use(options.requestLog);
  // Without METRICS_TOKEN there is no /metrics to read the request histogram from: requests are not timed.
  if (config.metricsToken) app.use(app.get(Metrics).timeRequests);
  app.setGlobalPrefix('api', { exclude: [...WEB_ROUTES, METRICS_PATH] });
  serveWebAssets(express);
  servePartnerLinks(express);
  const openApi = new DocumentBuilder()
    .setTitle('Partnership Engine')
    .setDescription(
      'Partnerships from proposal through senior-management approval to a signed MOU, its recurring activities, renewal or termination. ' +
        'Every change needs a bearer token; changes to a partnership or occurrence need If-Match with the ETag you read, and take an Idempotency-Key. ' +
        'Errors are {statusCode, code, message, details?}.',
    )
    .setVersion('1')
    // 3.1, whose schemas are JSON Schema 2020-12: it can say that a referenced object may be null (3.0 cannot).
    .setOpenAPIVersion('3.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => documentBodyErrors(SwaggerModule.createDocument(app, openApi)), { jsonDocumentUrl: 'api/docs-json' });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  const refusals = app.get(RefusalAuditor);
  app.useGlobalFilters(new DomainExceptionFilter((request, error) => refusals.recordRequest(request, error)));
}
