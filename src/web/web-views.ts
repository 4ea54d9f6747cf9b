import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { Eta } from 'eta';
import { Clock } from '../common/clock.js';
import { CSRF_FIELD, WebCsrf, type WebRequest } from './web-session.js';
import { VIEWS_DIR, WEB_PREFIX, ASSETS_PATH } from './web-paths.js';
import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { COUNTRY_CHOICES, countryName } from '../organizations/countries.js';
import { MyWork } from './my-work.js';

/** Who the navigation is for: their roles, and whether they decide on proposals (approvers, and their delegates). */
interface NavReader {
  roles: readonly string[];
  decides: boolean;
}

interface NavItem {
  href: string;
  label: string;
  shown?: (reader: NavReader) => boolean;
  /** It shows how many things wait for the person. */
  counted?: boolean;
}

const holds =
  (...roles: string[]) =>
  (reader: NavReader) =>
    roles.some((role) => reader.roles.includes(role));

const NAV: NavItem[] = [
  { href: '/', label: 'My work', counted: true },
  { href: `${WEB_PREFIX}/pipeline`, label: 'Pipeline' },
  { href: `${WEB_PREFIX}/dashboard`, label: 'Dashboard' },
  { href: `${WEB_PREFIX}/partnerships`, label: 'Partnerships' },
  { href: `${WEB_PREFIX}/inbox`, label: 'Inbox', shown: (reader) => reader.decides },
  { href: `${WEB_PREFIX}/organizations`, label: 'Organizations' },
  { href: `${WEB_PREFIX}/engagements`, label: 'Engagements' },
  { href: `${WEB_PREFIX}/people`, label: 'People' },
  { href: `${WEB_PREFIX}/activities`, label: 'Activities' },
  { href: `${WEB_PREFIX}/notifications`, label: 'Notifications' },
  { href: `${WEB_PREFIX}/audit`, label: 'Audit', shown: holds('auditor', 'admin') },
  { href: `${WEB_PREFIX}/users`, label: 'Users', shown: holds('admin') },
  { href: `${WEB_PREFIX}/workflows`, label: 'Workflows', shown: holds('admin') },
  { href: `${WEB_PREFIX}/account`, label: 'Your account' },
];

/** Renders the Eta templates of `views/` (values escaped unless written `<%~ %>`), with what every page needs. */
@Injectable()
export class WebViews {
  private readonly eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true });

  constructor(
    private readonly csrf: WebCsrf,
    private readonly work: MyWork,
    @Inject(Clock) private readonly clock: Clock,
    private readonly registry: WorkflowRegistry,
  ) {}

  /** The helpers, with states and events in the words of the workflows' labels. */
  private readonly h = {
    ...helpers,
    /** A state's title; `workflow` when the path alone does not say whose it is. */
    state: (path: string, workflow?: string) => this.registry.stateLabel(path, workflow).title,
    event: (type: string, workflow?: string) => this.registry.eventLabel(type, workflow).title,
    /** What a redirect's `done` says happened, as the person who did it reads it. */
    done: (done: string, about?: string | null) => {
      if (Object.hasOwn(DONE_WORDS, done)) return DONE_WORDS[done];
      const label = this.registry.eventLabel(done);
      return label.phrase === done ? 'Done.' : `Done: you ${label.phrase}${about ? ` (“${about}”)` : ''}.`;
    },
  };

  /** A whole page inside the layout, its navigation with how many things wait for whoever is signed in. */
  async page(request: WebRequest, response: Response, template: string, data: Record<string, unknown>, status = 200): Promise<void> {
    const summary = request.actor ? await this.work.summary(request.actor) : { count: 0, decides: false };
    const html = this.eta.render(template, { ...data, ...this.common(request, response), nav: this.nav(request, summary) });
    response.status(status).type('html').send(html);
  }

  /** Only a fragment, for htmx to swap in. */
  fragment(request: WebRequest, response: Response, template: string, data: Record<string, unknown>, status = 200): void {
    const html = this.eta.render(template, { ...data, ...this.common(request, response), fragment: true });
    response.status(status).type('html').send(html);
  }

  private nav(request: WebRequest, summary: { count: number; decides: boolean }) {
    if (!request.user) return [];
    const reader = { roles: request.user.roles, decides: summary.decides };
    const path = request.path;
    return NAV.filter((item) => item.shown?.(reader) ?? true).map((item) => ({
      href: item.href,
      label: item.label,
      count: item.counted ? summary.count : null,
      current: item.href === '/' ? path === '/' : path.startsWith(item.href),
    }));
  }

  private common(request: WebRequest, response: Response) {
    return {
      user: request.user ?? null,
      csrf: { field: CSRF_FIELD, token: this.csrf.token(request, response) },
      nav: [],
      assets: ASSETS_PATH,
      prefix: WEB_PREFIX,
      today: this.clock.now().toISOString().slice(0, 10),
      h: this.h,
    };
  }
}

const DONE_WORDS: Record<string, string> = {
  CREATED: 'Created.',
  EDITED: 'Details saved.',
  UNCHANGED: 'Nothing was changed.',
  ADD_ACTIVITY: 'Activity added.',
  PARTNER_LINK_REVOKED: 'The link was withdrawn: it opens nothing any more.',
};

/** Small formatting helpers the templates share. */
const helpers = {
  /** Every country a form offers, by name; an organization stores its alpha-2 code. */
  countries: COUNTRY_CHOICES,
  country: countryName,
  date: (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—'),
  dateTime: (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—'),
  short: (hash: string | null | undefined) => (hash ? `${hash.slice(0, 12)}…` : '—'),
  words: (value: string | null | undefined) => (value ? value.replace(/_/g, ' ') : '—'),
  /** A count, "1,000+" when it is only a lower bound. */
  count: (n: number, atLeast = false) => `${n.toLocaleString('en')}${atLeast ? '+' : ''}`,
  stateClass: (state: string) => `state-${state.split('.')[0].replace(/_/g, '-')}`,
  /** A notice's link (under PUBLIC_URL) as a path of this site, so the page opens wherever the site is reached from. */
  localPath: (url: string) => {
    const { pathname, search, hash } = new URL(url);
    return `${pathname}${search}${hash}`;
  },
};
