import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { Eta } from 'eta';
import { Clock } from '../common/clock.js';
import { CSRF_FIELD, WebCsrf, type WebRequest } from './web-session.js';
import { VIEWS_DIR, WEB_PREFIX, ASSETS_PATH } from './web-paths.js';
import { stateWords } from './state-diagram.js';
import { eventWords } from './event-forms.js';

interface NavItem {
  href: string;
  label: string;
  roles?: string[];
}

const NAV: NavItem[] = [
  { href: '/', label: 'Pipeline' },
  { href: `${WEB_PREFIX}/inbox`, label: 'Inbox', roles: ['approver'] },
  { href: `${WEB_PREFIX}/organizations`, label: 'Organizations' },
  { href: `${WEB_PREFIX}/activities`, label: 'Activities' },
  { href: `${WEB_PREFIX}/audit`, label: 'Audit', roles: ['auditor', 'admin'] },
  { href: `${WEB_PREFIX}/users`, label: 'Users', roles: ['admin'] },
  { href: `${WEB_PREFIX}/account`, label: 'Your account' },
];

/** Renders the Eta templates of `views/` (values escaped unless written `<%~ %>`), with what every page needs. */
@Injectable()
export class WebViews {
  private readonly eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true });

  constructor(
    private readonly csrf: WebCsrf,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** A whole page inside the layout (or, for an htmx request naming a fragment, just that fragment). */
  page(request: WebRequest, response: Response, template: string, data: Record<string, unknown>, status = 200): void {
    const html = this.eta.render(template, { ...data, ...this.common(request, response) });
    response.status(status).type('html').send(html);
  }

  /** Only a fragment, for htmx to swap in. */
  fragment(request: WebRequest, response: Response, template: string, data: Record<string, unknown>, status = 200): void {
    const html = this.eta.render(template, { ...data, ...this.common(request, response), fragment: true });
    response.status(status).type('html').send(html);
  }

  private common(request: WebRequest, response: Response) {
    const roles = request.user?.roles ?? [];
    const path = request.path;
    return {
      user: request.user ?? null,
      csrf: { field: CSRF_FIELD, token: this.csrf.token(request, response) },
      nav: request.user
        ? NAV.filter((item) => !item.roles || item.roles.some((role) => roles.includes(role as never))).map((item) => ({
            ...item,
            current: item.href === '/' ? path === '/' : path.startsWith(item.href),
          }))
        : [],
      assets: ASSETS_PATH,
      prefix: WEB_PREFIX,
      today: this.clock.now().toISOString().slice(0, 10),
      h: helpers,
    };
  }
}

/** Small formatting helpers the templates share. */
const helpers = {
  state: stateWords,
  event: eventWords,
  date: (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—'),
  dateTime: (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—'),
  short: (hash: string | null | undefined) => (hash ? `${hash.slice(0, 12)}…` : '—'),
  words: (value: string | null | undefined) => (value ? value.replace(/_/g, ' ') : '—'),
  /** A count, "1,000+" when it is only a lower bound. */
  count: (n: number, atLeast = false) => `${n.toLocaleString('en')}${atLeast ? '+' : ''}`,
  stateClass: (state: string) => `state-${state.split('.')[0].replace(/_/g, '-')}`,
};
