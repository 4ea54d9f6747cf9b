import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { freePort, waitForReady } from '../test/support/service-process.js';
import { freshSchema, log, machine, round, tempDir, type DatabaseKind } from './support.js';

/**
 * `npm run bench:limits`: the largest answer and the slowest request each role can make, through
 * the public HTTP API and the web pages of the built service (dist/src/main.js) on a fresh
 * DATA_DIR, and on PostgreSQL too (a fresh schema) when DATABASE_URL is set. Every request is
 * recorded (role, route, status, bytes, ms) with the worst wait of a `GET /api/health` probe fired
 * every 50 ms (up to 100 waiting) meanwhile from another thread, which tells whether the request
 * stalled everyone else. Refusals are results, not failures: the script reports what it got.
 * Durations are measured, never judged; statuses and bytes are what a later run compares.
 *
 * Sizes are capped (MOUS, FLOOD) so that a run stays within about five minutes per database on two
 * quiet cores; bench/README.md says how.
 */

type Role = 'anonymous' | 'admin' | 'manager' | 'approver' | 'auditor';
const SIGNED_IN: readonly Role[] = ['admin', 'manager', 'approver', 'auditor'];

/**
 * The MOUs proposed: yearly series asked for (beyond what a proposal takes, added one by one) and the
 * term asked for. One series runs to 9999-12-31 (7,974 occurrences); the others' terms are cut to
 * about 1,000 occurrences each, since every occurrence costs every calendar feed read. A refused
 * term is asked again 10, 5 and 1 years long.
 */
const MOUS: ReadonlyArray<{ series: number; expiresOn: string } | { series: number; years: number }> = [
  { series: 1, expiresOn: '9999-12-31' },
  { series: 5, years: 200 },
  { series: 20, years: 50 },
  { series: 100, years: 10 },
];
/**
 * Refused events per role, in a row, each with a comment of the largest accepted size: past the default write limit (600 a minute), so that a limit refusals
 * count against shows.
 */
const FLOOD = 650;
const REQUEST_TIMEOUT_MS = 180_000;
const PROBE_EVERY_MS = 50;
/** Probes waiting at once, at most: well within a listen backlog (511 by default). */
const PROBES_IN_FLIGHT = 100;
const COMMENT = 'x'.repeat(5000);
/** A JSON body just under the service's 256 KB limit, and one just over it. */
const NEAR_LIMIT = 255 * 1024;
const OVER_LIMIT = 257 * 1024;
/** JSON nesting far past any recursion's reach (1,500 is refused with 400 here, 5,000 answers 500), under the body limit. */
const NESTING = 10_000;
/** Requests slower than this are logged as they finish, to follow a run. */
const SLOW_MS = 1000;

interface Row {
  role: Role;
  /** Method and path, ids replaced by `:id`. */
  route: string;
  what: string;
  /** 0: no answer (timed out, or the connection failed). */
  status: number;
  /** The error's `code`, for a JSON refusal. */
  code: string | null;
  bytes: number;
  ms: number;
  /** The slowest health probe fired while this request was in flight, in ms (null: none was). */
  healthWorstMs: number | null;
  /** When the request started, ms after the run's start. */
  atMs: number;
}

interface Ask {
  what: string;
  /** Sent as JSON (a body makes it a POST). */
  body?: unknown;
  /** Sent as is, with `contentType`. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** bearer (the default for a signed-in role), the role's web session cookie, or nothing. */
  auth?: 'bearer' | 'session' | 'none';
  /** Keep the answer's text: only for the small answers the script reads. */
  keep?: boolean;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  bytes: number;
}

interface Flood {
  role: Role;
  event: string;
  sent: number;
  statuses: Record<string, number>;
  /** Audit rows added during the flood (the chain's total before and after). */
  auditRowsAdded: number | null;
  seconds: number;
}

interface Mou extends Standing {
  seriesAsked: number;
  seriesAccepted: number;
  termAsked: string;
  /** The term agreed: the one asked for, or the longest of the fallbacks accepted. */
  expiresOn: string | null;
  id: string;
  /** Whether the last signature was accepted. */
  signed: boolean;
}

/** A partnership as it stands: read back after all MOUs are built. */
interface Standing {
  state: string | null;
  version: number;
  occurrences: number;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const now = () => performance.timeOrigin + performance.now();
const today = () => new Date().toISOString().slice(0, 10);
const strongPassword = () => randomBytes(18).toString('base64url');

/** One client per run: the tokens and web sessions of each role, and every request it made. */
class Client {
  readonly rows: Array<Row & { start: number; end: number }> = [];
  readonly tokens = new Map<Role, string>();
  private readonly cookies = new Map<Role, Map<string, string>>();

  constructor(
    private readonly base: string,
    private readonly startedAt: number,
  ) {}

  async request(role: Role, path: string, ask: Ask): Promise<Answer> {
    const method = ask.body !== undefined || ask.raw !== undefined ? 'POST' : 'GET';
    const headers: Record<string, string> = { ...ask.headers };
    const auth = ask.auth ?? 'bearer';
    const token = this.tokens.get(role);
    if (auth === 'bearer' && token) headers.authorization = `Bearer ${token}`;
    if (auth === 'session') headers.cookie = [...(this.cookies.get(role) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (ask.body !== undefined) {
      body = JSON.stringify(ask.body);
      headers['content-type'] = 'application/json';
    } else if (ask.raw !== undefined) {
      body = ask.raw;
      headers['content-type'] = ask.contentType ?? 'application/json';
    }
    const start = now();
    let answer: Answer = { status: 0, headers: new Headers(), text: '', bytes: 0 };
    try {
      const response = await fetch(`${this.base}${path}`, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const chunks: Buffer[] = [];
      let bytes = 0;
      // Counted as it arrives: a large answer is never held whole unless asked for.
      for await (const chunk of response.body ?? []) {
        bytes += (chunk as Uint8Array).byteLength;
        if (ask.keep || (response.status >= 400 && bytes <= 65536)) chunks.push(Buffer.from(chunk as Uint8Array));
      }
      answer = { status: response.status, headers: response.headers, text: Buffer.concat(chunks).toString('utf8'), bytes };
      if (auth === 'session') this.keepCookies(role, response.headers);
    } catch (error) {
      log(`${role} ${method} ${path.slice(0, 120)}: no answer (${(error as Error).message})`);
    }
    const end = now();
    if (end - start > SLOW_MS)
      log(
        `${role} ${method} ${routeOf(path).slice(0, 100)}: ${answer.status}, ${answer.bytes.toLocaleString('en')} B, ${Math.round(end - start).toLocaleString('en')} ms (${ask.what})`,
      );
    this.rows.push({
      role,
      route: `${method} ${routeOf(path)}`,
      what: ask.what,
      status: answer.status,
      code: answer.status >= 400 ? codeOf(answer.text) : null,
      bytes: answer.bytes,
      ms: round(end - start, 1),
      healthWorstMs: null,
      atMs: round(start - this.startedAt, 0),
      start,
      end,
    });
    return answer;
  }

  /** Signs `role` in through the sign-in page as a browser would (CSRF cookie and field, then the session cookie). */
  async signInToPages(role: Role, username: string, password: string): Promise<boolean> {
    this.cookies.set(role, new Map());
    const page = await this.request(role, '/ui/sign-in', { what: 'sign-in page', auth: 'session', keep: true });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const form = new URLSearchParams({ _csrf: csrf, username, password, next: '/' }).toString();
    const signedIn = await this.request(role, '/ui/sign-in', {
      what: 'sign in (web)',
      raw: form,
      contentType: 'application/x-www-form-urlencoded',
      auth: 'session',
    });
    return signedIn.status === 303;
  }

  private keepCookies(role: Role, headers: Headers): void {
    const jar = this.cookies.get(role) ?? new Map<string, string>();
    for (const cookie of headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
      const expired = value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(role, jar);
  }
}

function routeOf(path: string): string {
  return path.replace(UUID, ':id').replace(/token=[^&]+/, 'token=…');
}

function codeOf(text: string): string | null {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

function json<T>(answer: Answer): T | undefined {
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    return undefined;
  }
}

function versionOf(answer: Answer): number {
  return Number((answer.headers.get('etag') ?? '').replaceAll('"', '').replace(/^W\//, ''));
}

/** The day before the same date `years` later: the longest term of that many years. */
function termOfYears(from: string, years: number): string {
  const end = new Date(`${from}T00:00:00Z`);
  end.setUTCFullYear(end.getUTCFullYear() + years);
  end.setUTCDate(end.getUTCDate() - 1);
  return end.toISOString().slice(0, 10);
}

function activity(n: number) {
  const kinds = ['annual_lecture', 'research_visit', 'seminar', 'course', 'training', 'other'];
  return {
    kind: kinds[n % kinds.length],
    title: `${n + 1}. ${'Yearly commitment with a long title '.repeat(10)}`.slice(0, 300),
    recurrence: { frequency: 'yearly', month: (n % 12) + 1, day: (n % 28) + 1 },
  };
}

/** The service of this build on fresh storage; its log goes to a file in the data directory. */
async function startService(
  storage: Record<string, string>,
  adminPassword: string,
): Promise<{ base: string; child: ChildProcess; exited: Promise<unknown>; logFile: string }> {
  const port = await freePort();
  const logFile = `${storage.DATA_DIR}/service.log`;
  const out = openSync(logFile, 'a');
  // The database is the runner's choice alone: the SQLite run must not see DATABASE_URL.
  const { DATABASE_URL: _url, DATABASE_SCHEMA: _schema, ...inherited } = process.env;
  const child = spawn(process.execPath, [fileURLToPath(new URL('../src/main.js', import.meta.url))], {
    env: { ...inherited, ...storage, PORT: String(port), ADMIN_PASSWORD: adminPassword },
    stdio: ['ignore', out, out, 'ipc'],
  });
  closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitForReady(child, () => `the service exited while starting; its log:\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
  return { base: `http://127.0.0.1:${port}`, child, exited, logFile };
}

/** Proposes an MOU with `seriesAsked` yearly series and takes it through the real events to in force, the term as long as accepted. */
async function buildMou(client: Client, organizationId: string, seriesAsked: number, termAsked: string): Promise<Mou | undefined> {
  const what = `MOU with ${seriesAsked} yearly series`;
  const proposal = (n: number) => ({
    title: `${what}: ${'A partnership title at the longest accepted length '.repeat(6)}`.slice(0, 300),
    organizationId,
    summary: 's'.repeat(10_000),
    programme: 'Bounds probe',
    proposedActivities: Array.from({ length: n }, (_, i) => activity(i)),
  });
  let created = await client.request('manager', '/api/partnerships', { what: `propose ${what}`, body: proposal(seriesAsked), keep: true });
  // 20: the most a proposal takes today (CreatePartnershipDto); the rest are added one by one.
  let inProposal = Math.min(seriesAsked, 20);
  if (created.status !== 201 && seriesAsked > inProposal) {
    created = await client.request('manager', '/api/partnerships', {
      what: `propose ${what} (${inProposal} in the proposal)`,
      body: proposal(inProposal),
      keep: true,
    });
  } else inProposal = seriesAsked;
  const id = json<{ id?: string }>(created)?.id;
  if (created.status !== 201 || !id) {
    log(`${what}: not created (${created.status} ${created.text.slice(0, 200)})`);
    return undefined;
  }
  let version = versionOf(created);
  let seriesAccepted = inProposal;
  // The rest one at a time before the MOU is in force (so adding them creates no occurrences yet), until one is refused.
  for (let n = inProposal; n < seriesAsked; n += 1) {
    const added = await client.request('manager', `/api/partnerships/${id}/activities`, {
      what: `add series ${n + 1} to the proposal`,
      body: activity(n),
      headers: { 'if-match': `"${version}"` },
    });
    if (added.status !== 201) break;
    version = versionOf(added);
    seriesAccepted += 1;
  }
  const send = async (role: Role, event: Record<string, unknown>, label: string) => {
    const answer = await client.request(role, `/api/partnerships/${id}/events`, {
      what: `${label} (${what})`,
      body: event,
      headers: { 'if-match': `"${version}"` },
    });
    if (answer.status === 200) version = versionOf(answer);
    else log(`${label} (${what}): ${answer.status} ${answer.text.slice(0, 300)}`);
    return answer.status === 200;
  };
  const from = today();
  const ok =
    (await send('manager', { type: 'SUBMIT_FOR_APPROVAL' }, 'submit')) &&
    (await send('approver', { type: 'APPROVE' }, 'approve')) &&
    (await send('manager', { type: 'SHARE_DRAFT', data: { document: { name: 'MOU.docx', sha256: 'c'.repeat(64) } } }, 'share draft'));
  let expiresOn: string | null = null;
  for (const end of ok ? [termAsked, termOfYears(from, 10), termOfYears(from, 5), termOfYears(from, 1)] : []) {
    if (await send('manager', { type: 'AGREE_TEXT', data: { effectiveFrom: from, expiresOn: end } }, `agree a term to ${end}`)) {
      expiresOn = end;
      break;
    }
  }
  const signed =
    expiresOn !== null &&
    (await send('manager', { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Rector', signedOn: from } }, 'partner signs')) &&
    (await send('manager', { type: 'RECORD_SIGNATURE', data: { party: 'own', signatory: 'Director', signedOn: from } }, 'own signature: in force'));
  log(`${what}: ${seriesAccepted} series, term to ${expiresOn ?? '(none agreed)'}, ${signed ? 'signed' : 'NOT signed'}`);
  return { seriesAsked, seriesAccepted, termAsked, expiresOn, id, signed, state: null, version, occurrences: 0 };
}

/** A partnership's state, version and number of occurrences, as `role` reads it. */
async function standing(client: Client, role: Role, mou: Mou): Promise<Standing> {
  const answer = await client.request(role, `/api/partnerships/${mou.id}`, {
    what: `read the MOU with ${mou.seriesAccepted} series to ${mou.expiresOn} for its state`,
    keep: true,
  });
  const view = json<{ state?: string; activities?: Array<{ occurrences?: unknown[] }> }>(answer);
  return {
    state: view?.state ?? null,
    version: answer.status === 200 ? versionOf(answer) : mou.version,
    occurrences: (view?.activities ?? []).reduce((n, s) => n + (s.occurrences?.length ?? 0), 0),
  };
}

/** The audit chain's length, as an admin reads it (null when that read is refused). */
async function auditTotal(client: Client): Promise<number | null> {
  const answer = await client.request('admin', '/api/audit?limit=1', { what: 'count audit rows (instrument)', keep: true });
  return json<{ total?: number }>(answer)?.total ?? null;
}

/** `count` refused events in a row, each with a 5,000-character comment, and how many of them the audit chain took. */
async function flood(client: Client, role: Role, target: { id: string; version: number }, count: number): Promise<Flood> {
  // An event the role may not send on a proposal (403 or 409): a refusal, audited.
  const event = role === 'approver' ? 'WITHDRAW' : 'APPROVE';
  const before = await auditTotal(client);
  const statuses: Record<string, number> = {};
  const start = now();
  for (let i = 0; i < count; i += 1) {
    const answer = await client.request(role, `/api/partnerships/${target.id}/events`, {
      what: `refused ${event} with a 5,000-character comment (flood)`,
      body: { type: event, comment: COMMENT },
      headers: { 'if-match': `"${target.version}"` },
    });
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  }
  const seconds = round((now() - start) / 1000, 2);
  const after = await auditTotal(client);
  // The admin's two reads add no rows; rows the flood's refusals added are the difference.
  return { role, event, sent: count, statuses, auditRowsAdded: before === null || after === null ? null : after - before, seconds };
}

/** Everything a role may read (or tries to), through the API and, signed in, the web pages. */
async function reads(client: Client, role: Role, mous: Mou[], floodTarget: string, web: boolean): Promise<void> {
  const get = (path: string, what: string, auth: Ask['auth'] = 'bearer') => client.request(role, path, { what, auth });
  for (const mou of mous) {
    const what = `MOU with ${mou.seriesAccepted} series to ${mou.expiresOn}`;
    await get(`/api/partnerships/${mou.id}`, what);
    await get(`/api/partnerships/${mou.id}/activities`, what);
    await get(`/api/partnerships/${mou.id}/history`, what);
  }
  await get(`/api/partnerships/${floodTarget}/history`, 'history after the refusal floods');
  await get(`/api/partnerships/${floodTarget}/history?limit=1000000`, 'history after the floods, limit huge');
  await get(`/api/partnerships/${floodTarget}/history?limit=200&offset=10000000`, 'history after the floods, offset huge');
  await get('/api/calendar.ics', 'calendar feed, no window');
  await get('/api/calendar.ics?from=0001-01-01&to=9999-12-31', 'calendar feed, widest window');
  await get(`/api/calendar.ics?from=${today()}&to=${termOfYears(today(), 5)}`, 'calendar feed, five years');
  // Read by feed token once (the manager's): the same work as with a bearer token.
  const token = json<{ token?: string }>(
    await client.request(role, '/api/calendar/tokens', { what: 'create a calendar feed token', body: { label: 'limits' }, keep: true }),
  )?.token;
  if (token && role === 'manager') await get(`/api/calendar.ics?token=${token}`, 'calendar feed by feed token, no window', 'none');
  await get('/api/activities/upcoming?days=3660', 'upcoming, ten years');
  await get('/api/activities/upcoming?days=1000000', 'upcoming, days huge');
  await get('/api/partnerships?limit=200', 'list, largest page');
  await get('/api/partnerships?limit=1000000', 'list, limit huge');
  await get('/api/partnerships?limit=200&offset=10000000', 'list, offset huge');
  await get('/api/partnerships?q=a&limit=200', 'list, one-letter title search');
  await get('/api/organizations?limit=1000000', 'organizations, limit huge');
  await get('/api/users?limit=1000000', 'users, limit huge');
  await get('/api/approvals/pending', 'approval inbox');
  await get('/api/reports/pipeline', 'pipeline report');
  await get('/api/workflows', 'workflow definitions');
  await get('/api/docs-json', 'OpenAPI document');
  await get('/api/audit?limit=200', 'audit, largest page');
  await get('/api/audit?limit=1000000', 'audit, limit huge');
  await get('/api/audit?limit=200&offset=10000000', 'audit, offset huge');
  await get('/api/audit/verify', 'verify the chain');
  await get('/api/audit/export?format=jsonl', 'audit export, JSONL');
  await get('/api/audit/export?format=csv', 'audit export, CSV');
  if (!web) return;
  const page = (path: string, what: string) => get(path, what, 'session');
  await page('/', 'board page');
  for (const mou of mous) await page(`/ui/partnerships/${mou.id}`, `partnership page, MOU with ${mou.seriesAccepted} series`);
  await page(`/ui/partnerships/${floodTarget}`, 'partnership page after the refusal floods');
  await page('/ui/activities', 'activities page');
  await page('/ui/inbox', 'inbox page');
  await page('/ui/organizations', 'organizations page');
  await page('/ui/users', 'users page');
  await page('/ui/audit', 'audit page');
  await page('/ui/audit?offset=10000000', 'audit page, offset huge');
  await page('/ui/audit/verify', 'audit page, verify');
  await page('/ui/audit/export?format=csv', 'audit export from the page, CSV');
}

/** JSON nested `depth` deep: `{"a":{"a":…}}`. */
function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

interface RunResult {
  database: DatabaseKind;
  startedAt: string;
  seconds: number;
  /** The machine's load average (1, 5, 15 min) at the start and at the end: the other work the times shared two cores with. */
  loadAverage: { atStart: number[]; atEnd: number[] };
  mous: Mou[];
  floods: Flood[];
  auditRows: number | null;
  /** How many probes got each status (or, unanswered, each error code), and their latency. */
  health: { probes: number; statuses: Record<string, number>; worstMs: number; p50Ms: number };
  rows: Row[];
}

async function runOn(database: DatabaseKind, storage: Record<string, string>): Promise<RunResult> {
  const adminPassword = strongPassword();
  const service = await startService(storage, adminPassword);
  const startedAt = now();
  const loadAtStart = loadavg().map((l) => round(l, 2));
  const client = new Client(service.base, startedAt);
  const probe = new Worker(new URL('limits-health.js', import.meta.url), {
    workerData: { url: `${service.base}/api/health`, everyMs: PROBE_EVERY_MS, timeoutMs: REQUEST_TIMEOUT_MS, maxInFlight: PROBES_IN_FLIGHT },
  });
  const probeSamples = new Promise<Array<[number, number, number | string]>>((resolve) => probe.once('message', resolve));
  const mous: Mou[] = [];
  const floods: Flood[] = [];
  let auditRows: number | null;
  try {
    // Accounts: the admin from ADMIN_PASSWORD, one user per role with a random 24-character password.
    const passwords = new Map<Role, string>([['admin', adminPassword]]);
    const login = async (role: Role, username: string) => {
      const answer = await client.request('anonymous', '/api/auth/login', {
        what: `sign in as ${role}`,
        body: { username, password: passwords.get(role) },
        keep: true,
      });
      const token = json<{ accessToken?: string }>(answer)?.accessToken;
      if (token) client.tokens.set(role, token);
      else log(`sign-in as ${role}: ${answer.status} ${answer.text.slice(0, 200)}`);
    };
    const username = (role: Role) => (role === 'admin' ? 'admin' : `limits-${role}`);
    await login('admin', 'admin');
    for (const role of SIGNED_IN.filter((r) => r !== 'admin')) {
      passwords.set(role, strongPassword());
      const created = await client.request('admin', '/api/users', {
        what: `create the ${role}`,
        body: { username: username(role), password: passwords.get(role), displayName: `Limits ${role}`, roles: [role] },
      });
      if (created.status !== 201) log(`creating the ${role}: ${created.status}`);
      await login(role, username(role));
    }
    const organization = await client.request('manager', '/api/organizations', {
      what: 'create an organization with the most contacts',
      body: {
        name: 'Bounds Probe University',
        kind: 'university',
        country: 'PK',
        city: 'Lahore',
        contacts: Array.from({ length: 50 }, (_, i) => ({ name: `Contact ${i + 1} ${'n'.repeat(100)}`, title: 't'.repeat(100) })),
      },
      keep: true,
    });
    // Without one, every proposal below is refused too: recorded like any refusal.
    const organizationId = json<{ id?: string }>(organization)?.id ?? '';
    if (!organizationId) log(`no organization: ${organization.status} ${organization.text.slice(0, 300)}`);

    for (const asked of MOUS) {
      const mou = await buildMou(client, organizationId, asked.series, 'expiresOn' in asked ? asked.expiresOn : termOfYears(today(), asked.years));
      if (mou) mous.push(mou);
    }
    // Each MOU as it stands once all are built (a timer may have moved one on), as the manager reads it.
    for (const mou of mous) Object.assign(mou, await standing(client, 'manager', mou));
    const inForce = mous.filter((m) => m.state?.startsWith('in_force'));

    // The manager's heaviest write: one more series on the MOU in force with the longest term (occurrences for all of it).
    const longest = [...inForce].sort((a, b) => (b.expiresOn ?? '').localeCompare(a.expiresOn ?? ''))[0];
    if (longest) {
      await client.request('manager', `/api/partnerships/${longest.id}/activities`, {
        what: `add a series to the MOU in force to ${longest.expiresOn}`,
        body: activity(longest.seriesAccepted),
        headers: { 'if-match': `"${longest.version}"` },
      });
    }

    // The flood's target: a proposal, so its history is the refusals' own.
    const target = await client.request('manager', '/api/partnerships', {
      what: 'propose the flood target',
      body: { title: 'Flood target', organizationId, summary: 'A proposal that refused events pile up on.', proposedActivities: [activity(0)] },
      keep: true,
    });
    const floodTarget = { id: json<{ id?: string }>(target)?.id ?? '', version: versionOf(target) };

    // Bodies at and past the size limit, as each role: a refused event carrying a near-limit `data`, and one past the limit.
    for (const role of SIGNED_IN) {
      const event = role === 'approver' ? 'WITHDRAW' : 'APPROVE';
      for (const [size, label] of [
        [NEAR_LIMIT, 'just under the body limit'],
        [OVER_LIMIT, 'just over the body limit'],
      ] as const) {
        const padding = 'p'.repeat(size - 200);
        await client.request(role, `/api/partnerships/${floodTarget.id}/events`, {
          what: `refused ${event}, body ${label}`,
          raw: JSON.stringify({ type: event, comment: COMMENT.slice(0, 100), data: { padding } }),
          headers: { 'if-match': `"${floodTarget.version}"` },
        });
      }
    }
    await client.request('manager', '/api/partnerships', {
      what: 'propose with every field at its longest',
      body: {
        title: 't'.repeat(300),
        organizationId,
        summary: 's'.repeat(10_000),
        programme: 'p'.repeat(200),
        focalPoint: 'f'.repeat(200),
        notes: 'n'.repeat(10_000),
        proposedActivities: Array.from({ length: 20 }, (_, i) => activity(i)),
      },
    });
    await client.request('anonymous', '/api/auth/login', { what: `JSON nested ${NESTING} deep, before sign-in`, raw: nested(NESTING) });

    // The approver's heaviest write: terminating the MOU in force with the most occurrences, which cancels
    // every future one. Before the floods, so a write limit they exhaust does not refuse it.
    const largest = [...inForce].sort((a, b) => b.occurrences - a.occurrences)[0];
    if (largest) {
      const current = await standing(client, 'approver', largest);
      await client.request('approver', `/api/partnerships/${largest.id}/events`, {
        what: `terminate the MOU with ${largest.occurrences} occurrences`,
        body: { type: 'TERMINATE', comment: COMMENT },
        headers: { 'if-match': `"${current.version}"` },
      });
    }

    log(`floods: ${FLOOD} refused events by each role`);
    for (const role of SIGNED_IN) floods.push(await flood(client, role, floodTarget, FLOOD));

    for (const role of SIGNED_IN) {
      log(`reads as ${role}`);
      const web = await client.signInToPages(role, username(role), passwords.get(role) as string);
      if (!web) log(`${role}: no web session; pages skipped`);
      await reads(client, role, mous, floodTarget.id, web);
    }
    auditRows = await auditTotal(client);
  } finally {
    // The probes in flight are answered before the service stops.
    probe.postMessage('stop');
    await probeSamples;
    // A service that died under a request is a finding: its log goes with the temporary directory, so its end is shown here.
    if (service.child.exitCode !== null || service.child.signalCode !== null)
      log(`the service exited during the run; its log ends:\n${readFileSync(service.logFile, 'utf8').slice(-4000)}`);
    service.child.kill('SIGTERM');
    // A service busy in one long request may not get to its shutdown: it is stopped after a while.
    const stopping = setTimeout(() => service.child.kill('SIGKILL'), 15_000);
    await service.exited;
    clearTimeout(stopping);
  }
  const samples = await probeSamples;
  await probe.terminate();
  // A probe counts against the request in flight when it was fired (a request shorter than the probe interval may have none).
  for (const row of client.rows) {
    const fired = samples.filter(([start]) => start >= row.start && start < row.end).map(([start, end]) => end - start);
    row.healthWorstMs = fired.length > 0 ? round(Math.max(...fired), 1) : null;
  }
  const latencies = samples.map(([start, end]) => end - start).sort((a, b) => a - b);
  return {
    database,
    startedAt: new Date(startedAt).toISOString(),
    seconds: round((now() - startedAt) / 1000, 1),
    loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((l) => round(l, 2)) },
    mous,
    floods,
    auditRows,
    health: {
      probes: samples.length,
      statuses: samples.reduce<Record<string, number>>((count, [, , status]) => ({ ...count, [status]: (count[status] ?? 0) + 1 }), {}),
      worstMs: round(latencies.at(-1) ?? 0, 1),
      p50Ms: round(latencies[Math.floor(latencies.length / 2)] ?? 0, 1),
    },
    rows: client.rows.map(({ start: _start, end: _end, ...row }) => row),
  };
}

const show = (row: Row | undefined) =>
  row
    ? `${row.route} → ${row.status}${row.code ? ` ${row.code}` : ''}, ${row.bytes.toLocaleString('en')} B, ${row.ms.toLocaleString('en')} ms (${row.what})`
    : '—';

function table(result: RunResult): string {
  const lines = [
    `### ${result.database}: ${result.rows.length} requests in ${result.seconds} s, load average ${result.loadAverage.atStart[0]} at the start, ${result.loadAverage.atEnd[0]} at the end`,
    '',
    '| role | largest response | slowest request | worst health-probe wait |',
    '| --- | --- | --- | --- |',
  ];
  for (const role of ['anonymous', ...SIGNED_IN] as Role[]) {
    const rows = result.rows.filter((r) => r.role === role);
    const largest = rows.reduce<Row | undefined>((best, r) => (!best || r.bytes > best.bytes ? r : best), undefined);
    const slowest = rows.reduce<Row | undefined>((best, r) => (!best || r.ms > best.ms ? r : best), undefined);
    const stalled = rows.reduce<Row | undefined>((best, r) => ((r.healthWorstMs ?? 0) > (best?.healthWorstMs ?? 0) ? r : best), undefined);
    const stall = stalled ? `${stalled.healthWorstMs?.toLocaleString('en')} ms (during ${stalled.route}, ${stalled.what})` : '—';
    lines.push(`| ${role} | ${show(largest)} | ${show(slowest)} | ${stall} |`);
  }
  lines.push('', '| flood by | event | sent | statuses | audit rows added | seconds |', '| --- | --- | --- | --- | --- | --- |');
  for (const f of result.floods)
    lines.push(`| ${f.role} | ${f.event} | ${f.sent} | ${JSON.stringify(f.statuses)} | ${f.auditRowsAdded ?? '?'} | ${f.seconds} |`);
  lines.push(
    '',
    `MOUs (series asked → accepted, term asked → agreed, state once all were built, occurrences): ${result.mous.map((m) => `${m.seriesAsked} → ${m.seriesAccepted}, ${m.termAsked} → ${m.expiresOn ?? 'none'}, ${m.state}, ${m.occurrences}`).join('; ')}.`,
  );
  lines.push(
    `Audit chain at the end: ${result.auditRows ?? '?'} rows. Health probes: ${result.health.probes}, median ${result.health.p50Ms} ms, worst ${result.health.worstMs} ms, statuses ${JSON.stringify(result.health.statuses)}.`,
  );
  return lines.join('\n');
}

/**
 * The results file: `head` and each run indented, each request row on a line of its own (some
 * 4,000 rows a database), so that the file stays readable and two runs compare line by line.
 */
function resultsText(head: Record<string, unknown>, runs: RunResult[]): string {
  const indented = (value: unknown, depth: number) => JSON.stringify(value, null, 1).replaceAll('\n', `\n${' '.repeat(depth)}`);
  const run = ({ rows, ...rest }: RunResult) =>
    `  {\n${Object.entries(rest)
      .map(([key, value]) => `   ${JSON.stringify(key)}: ${indented(value, 3)},\n`)
      .join('')}   "rows": [\n${rows.map((row) => `    ${JSON.stringify(row)}`).join(',\n')}\n   ]\n  }`;
  const fields = Object.entries(head).map(([key, value]) => ` ${JSON.stringify(key)}: ${indented(value, 1)},\n`);
  return `{\n${fields.join('')} "runs": [\n${runs.map(run).join(',\n')}\n ]\n}\n`;
}

/** Fresh storage per database: a temporary DATA_DIR, and on PostgreSQL a schema created here and dropped after. */
async function withStorage<T>(database: DatabaseKind, work: (storage: Record<string, string>) => Promise<T>): Promise<T> {
  const dir = tempDir('limits');
  const postgres = database === 'postgres' ? new pg.Client({ connectionString: process.env.DATABASE_URL }) : undefined;
  const schema = freshSchema();
  try {
    if (!postgres) return await work({ DATA_DIR: dir });
    await postgres.connect();
    await postgres.query(`CREATE SCHEMA ${schema}`);
    return await work({ DATA_DIR: dir, DATABASE_URL: process.env.DATABASE_URL as string, DATABASE_SCHEMA: schema });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await postgres?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await postgres?.end();
  }
}

const databases: DatabaseKind[] = process.env.DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
const started = new Date();
const host = machine();
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const runs: RunResult[] = [];
for (const database of databases) {
  process.stderr.write(`limits (${database})\n`);
  const result = await withStorage(database, (storage) => runOn(database, storage));
  runs.push(result);
  process.stdout.write(`\n${table(result)}\n`);
}
mkdirSync(join('bench', 'results'), { recursive: true });
const file = join('bench', 'results', `limits-${started.toISOString().replace(/[:.]/g, '-')}.json`);
const settings = { mous: MOUS, flood: FLOOD, probeEveryMs: PROBE_EVERY_MS, probesInFlight: PROBES_IN_FLIGHT, requestTimeoutMs: REQUEST_TIMEOUT_MS };
writeFileSync(file, resultsText({ startedAt: started.toISOString(), commit, settings, machine: host }, runs));
process.stdout.write(`\nwrote ${file}\n`);
