import { join } from 'node:path';

/** Every page of the web interface lives under this path, apart from the board at `/`; the API keeps `/api`. */
export const WEB_PREFIX = '/ui';
export const SIGN_IN_PATH = `${WEB_PREFIX}/sign-in`;
/** Single sign-on begins here and comes back to the callback, the address registered with the provider (under PUBLIC_URL). */
export const SSO_PATH = `${SIGN_IN_PATH}/sso`;
export const SSO_CALLBACK_PATH = `${SSO_PATH}/callback`;
export const ASSETS_PATH = `${WEB_PREFIX}/assets`;
/**
 * The address a partner's signatory is sent (`/partner/:token`), which leads to their page under
 * /ui. Not a page route itself: a route path `partner/…` excluded from the `/api` prefix would take
 * the API's `/api/partner/:token` routes out of it too, as Nest matches exclusions against route paths.
 */
export const PARTNER_LINK_PREFIX = '/partner';
export const PARTNER_PAGE_PREFIX = `${WEB_PREFIX}/partner`;

/** Templates and static files are read from the source tree, like `workflows/`, relative to where the app starts. */
export const WEB_SOURCE_DIR = join(process.cwd(), 'src', 'web');
export const VIEWS_DIR = join(WEB_SOURCE_DIR, 'views');
export const PUBLIC_DIR = join(WEB_SOURCE_DIR, 'public');

/** A local path to go back to after sign-in; anything else (another host, `//evil`) falls back to the board. */
export function safeLocalPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : '/';
}
