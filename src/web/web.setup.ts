import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { createRequire } from 'node:module';
import { ASSETS_PATH, PARTNER_LINK_PREFIX, PARTNER_PAGE_PREFIX, PUBLIC_DIR, WEB_PREFIX } from './web-paths.js';

const require = createRequire(import.meta.url);

/** The web interface's paths apart from the board at `/`: `/ui` itself and everything under it. */
export const WEB_PATHS = [WEB_PREFIX.slice(1), `${WEB_PREFIX.slice(1)}/{*path}`];
/** Routes of the web interface that stay outside the API's `/api` prefix. */
export const WEB_ROUTES = ['/', ...WEB_PATHS];

/** The web interface's static files: its own CSS and script, and htmx from node_modules (no CDN). */
export function serveWebAssets(app: NestExpressApplication): void {
  const htmx = require.resolve('htmx.org/dist/htmx.min.js');
  app.use(`${ASSETS_PATH}/htmx.min.js`, (_request: Request, response: Response) => response.sendFile(htmx, { maxAge: '1h' }));
  app.useStaticAssets(PUBLIC_DIR, { prefix: ASSETS_PATH, index: false, maxAge: '1h' });
}

/** The address in a partner link, `/partner/:token`, leads to the partner's page (see PARTNER_LINK_PREFIX). */
export function servePartnerLinks(app: NestExpressApplication): void {
  app.use(PARTNER_LINK_PREFIX, (request: Request, response: Response, next: () => void) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    response.setHeader('Cache-Control', 'no-store');
    response.redirect(303, `${PARTNER_PAGE_PREFIX}${request.url}`);
  });
}
