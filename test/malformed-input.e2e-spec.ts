import { isUUID } from 'class-validator';
import fc from 'fast-check';
import request from 'supertest';
import { createApiApp, USER_PASSWORD, type UserName } from './support/api.js';
import { drivePartnership, occurrenceIdsOf, SHORT_TERM, type PartnershipState, type Term } from './support/drive.js';
import { organizationInput, partnershipInput, postOrganization } from './support/factories.js';
import { agreeUploadedText } from './support/partner-links.js';

/**
 * Hundreds of malformed requests across every route: junk bodies, headers, ids and query strings.
 * None may get a 500; every refusal answers SPEC's error shape; nothing refused is stored.
 * fast-check runs with a fixed seed, so a failure names a counterexample that reproduces.
 */

const SEED = 20260302;
const BODY_RUNS = 15;

const api = await createApiApp();
const docs = (await request(api.http).get('/api/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
const ROUTES = Object.entries(docs.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({
    method: method as Method,
    path,
    takesQuery: ((op as { parameters?: Array<{ in: string }> }).parameters ?? []).some((p) => p.in === 'query'),
    /** The document says which operations take a credential. */
    open: !((op as { security?: unknown[] }).security ?? []).length,
  })),
);

afterAll(() => api.close());

type Method = 'get' | 'post' | 'patch' | 'delete';

// ---------------------------------------------------------------------------------------------
// The objects the routes name, and who may call each route (so refusals come from validation, not roles).

/** The MOU term of these partnerships: it starts on 2026-03-01. */
const TERM: Term = { effectiveFrom: '2026-03-01', expiresOn: '2029-03-31' };

/** A new partnership (submitted by `manager`) taken to `state`. */
async function partnershipIn(organizationId: string, state: PartnershipState, term = TERM): Promise<string> {
  return (await drivePartnership(api, organizationId, state, { term })).id;
}

const organizationId = await postOrganization(api);
const proposalId = await partnershipIn(organizationId, 'proposal');
const personId = (
  await api
    .as('manager')
    .post('/api/people')
    .send({ name: 'Fuzz target', affiliations: [{ organizationId }] })
    .expect(201)
).body.id as string;
const engagementId = (
  await api
    .as('manager')
    .post('/api/engagements')
    .send({ kind: 'meeting', title: 'Fuzz target', startsOn: '2024-11-15', organizationIds: [organizationId] })
    .expect(201)
).body.id as string;
const followUpId = (
  await api
    .as('manager')
    .post(`/api/engagements/${engagementId}/follow-ups`)
    .send({ title: 'Fuzz target', ownerId: api.ids.manager, dueOn: '2026-04-01' })
    .expect(201)
).body.id as string;
const negotiationId = await partnershipIn(organizationId, 'mou_negotiation');
const signingId = await partnershipIn(organizationId, 'awaiting_signatures');
// Expiry within 90 days: the renewal window is already open once in force (the due timers are fired).
const renewalId = await partnershipIn(organizationId, 'in_force.renewal_due', SHORT_TERM);
const occurrenceIds = await occurrenceIdsOf(api, await partnershipIn(organizationId, 'in_force.active'));
const userId = (
  await api
    .as('admin')
    .post('/api/users')
    .send({ username: 'malformed.target', password: USER_PASSWORD, roles: ['auditor'] })
    .expect(201)
).body.id as string;
const calendarToken = docs.paths['/api/calendar/tokens']
  ? ((await api.as('manager').post('/api/calendar/tokens').send({ label: 'x' })).body as { id?: string })
  : {};

const agreed = await agreeUploadedText(api, organizationId, Buffer.from('The agreed text.\n'), 'mou.txt');
const partnerToken = (
  (await api.as('manager').post(`/api/partnerships/${agreed.id}/partner-links`).send({ name: 'Rector' }).expect(201)).body as { token: string }
).token;

function filled(path: string): string {
  return path
    .replace('/api/partner/{token}', `/api/partner/${partnerToken}`)
    .replace('/api/partner-links/{id}', '/api/partner-links/00000000-0000-4000-8000-000000000000')
    .replace('/api/organizations/{id}', `/api/organizations/${organizationId}`)
    .replace('/api/people/{id}', `/api/people/${personId}`)
    .replace('/api/engagements/{id}', `/api/engagements/${engagementId}`)
    .replace('/api/follow-ups/{id}', `/api/follow-ups/${followUpId}`)
    .replace('/api/partnerships/{id}', `/api/partnerships/${proposalId}`)
    .replace('/api/occurrences/{id}', `/api/occurrences/${occurrenceIds[0] ?? '00000000-0000-4000-8000-000000000000'}`)
    .replace('/api/users/{id}', `/api/users/${userId}`)
    .replace('/api/documents/{id}', '/api/documents/00000000-0000-4000-8000-000000000000')
    .replace('{otherId}', '00000000-0000-4000-8000-000000000000')
    .replace('/api/notifications/outbox/{id}', '/api/notifications/outbox/00000000-0000-4000-8000-000000000000')
    .replace('/api/notifications/{id}', '/api/notifications/00000000-0000-4000-8000-000000000000')
    .replace('/api/delegations/{id}', '/api/delegations/00000000-0000-4000-8000-000000000000')
    .replace('/api/calendar/tokens/{id}', `/api/calendar/tokens/${calendarToken.id ?? '00000000-0000-4000-8000-000000000000'}`)
    .replace('{version}', '1')
    .replace('{id}', 'partnership-mou');
}

function callerFor(path: string): UserName {
  // Signing out ends the caller's token: a caller of its own, so no other route's token ends.
  if (path === '/api/auth/logout') return 'manager2';
  if (path.startsWith('/api/users') || path.startsWith('/api/notifications/outbox') || path.startsWith('/api/workflows') || path === '/api/import/agreements')
    return 'admin';
  if (path.startsWith('/api/audit') || path.endsWith('/replay')) return 'auditor';
  if (path.startsWith('/api/approvals')) return 'approver';
  return 'managerApprover';
}

/** A body each route accepts (or refuses only for the state it is in), to mutate. */
function validBody(method: Method, path: string): Record<string, unknown> {
  const bodies: Record<string, Record<string, unknown>> = {
    'post /api/auth/login': { username: 'auditor', password: USER_PASSWORD },
    'post /api/workflows/{id}/migrations': { fromVersion: 1, toVersion: 2, dryRun: true },
    'post /api/organizations': { ...organizationInput({ name: 'Fuzzed organization' }) },
    'patch /api/organizations/{id}': { ...organizationInput({ name: 'Renamed', website: 'https://example.org' }) },
    'post /api/people': { name: 'Fuzzed person', email: 'fuzzed@example.org', phone: '+92 1', notes: 'n', affiliations: [{ organizationId, title: 'Dean' }] },
    'patch /api/people/{id}': { name: 'Renamed person', notes: 'fuzzed', affiliations: [{ organizationId }] },
    'post /api/engagements': {
      kind: 'meeting',
      title: 'Fuzzed meeting',
      startsOn: '2024-11-15',
      endsOn: '2024-11-16',
      place: 'Lahore',
      organizationIds: [organizationId],
      attendeeIds: [personId],
      notes: 'n',
    },
    'patch /api/engagements/{id}': { title: 'Renamed meeting', place: 'Karachi', organizationIds: [organizationId] },
    'post /api/engagements/{id}/follow-ups': { title: 'Fuzzed follow-up', ownerId: api.ids.manager, dueOn: '2026-04-01', organizationId },
    // Valid in shape, not allowed while open: a body that survives mutation is refused with 409, never stored.
    'post /api/follow-ups/{id}/events': { type: 'REOPEN', comment: 'fuzzed' },
    'post /api/partnerships': { ...partnershipInput(organizationId) },
    'patch /api/partnerships/{id}': { ...partnershipInput(organizationId), focalPoint: 'Dean', notes: 'fuzzed', requiredApprovals: 2, approvalSlaDays: 10 },
    // Valid in shape, not allowed in `proposal`: a body that survives mutation is refused with 409, never stored.
    'post /api/partnerships/{id}/events': { type: 'SHARE_DRAFT', comment: 'draft', data: { document: { name: 'x.docx', sha256: 'f'.repeat(64) } } },
    'post /api/partnerships/{id}/activities': {
      kind: 'seminar',
      title: 'Fuzzed seminar',
      recurrence: { frequency: 'yearly', month: 5, day: 4 },
      startsOn: '2026-05-01',
    },
    'post /api/occurrences/{id}/events': { type: 'MARK_HELD', comment: 'held', data: { report: 'held', attendance: 3 } },
    'post /api/users': { username: 'fuzzed.user', password: USER_PASSWORD, displayName: 'Fuzzed', roles: ['manager'] },
    'patch /api/users/{id}': { displayName: 'Fuzzed', roles: ['auditor'], active: true },
    'post /api/calendar/tokens': { label: 'fuzzed' },
    'post /api/partnerships/{id}/partner-links': { name: 'Rector', email: 'rector@example.edu', expiresInDays: 7 },
    'post /api/partner/{token}/acknowledge': { name: 'Sara Malik', title: 'Rector' },
    'post /api/partner/{token}/comment': { comment: 'fuzzed' },
  };
  return bodies[`${method} ${path}`] ?? {};
}

/** A path segment as the router decodes it, or as sent when it cannot be decoded (`%E0%A4%A`). */
function decodeOrKeep(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// ---------------------------------------------------------------------------------------------
// Checking answers.

const checked = { requests: 0 };

function expectWellFormed(label: string, response: request.Response): void {
  checked.requests += 1;
  const summary = { label, status: response.status, body: response.body as unknown };
  expect(summary).toEqual({ label, status: response.status < 500 ? response.status : 'below 500', body: summary.body });
  if (response.status < 400) return;
  expect({ label, contentType: response.headers['content-type'], body: response.body }).toEqual({
    label,
    contentType: expect.stringMatching(/^application\/json/),
    body: expect.objectContaining({ statusCode: response.status, code: expect.stringMatching(/^[A-Z][A-Z_]+$/), message: expect.any(String) }),
  });
}

/** After a sign-out that went through, the caller signs in again, so the next request is refused for its input, not for a spent token. */
async function signInAgainAfterLogout(path: string, caller: UserName | null, response: request.Response): Promise<void> {
  if (path !== '/api/auth/logout' || caller === null || response.status >= 300) return;
  api.tokens[caller] = (await request(api.http).post('/api/auth/login').send({ username: caller.toLowerCase(), password: USER_PASSWORD }).expect(200)).body
    .accessToken as string;
}

function send(method: Method, url: string, caller: UserName | null): request.Test {
  const test = request(api.http)[method](url);
  return caller ? test.set('Authorization', `Bearer ${api.tokens[caller]}`) : test;
}

async function currentVersion(url: string): Promise<number> {
  const response = await api.as('auditor').get(url);
  return response.status === 200 ? (response.body.version as number) : 1;
}

/** Versions last seen per resource, so most requests need no extra read to carry a fresh If-Match. */
const knownVersions = new Map<string, number>();
const resourceOf = (url: string) => url.replace(/\?.*$/, '').replace(/\/(events|activities)$/, '');

function noteVersion(url: string, response: request.Response): void {
  const etag = /^"(\d+)"$/.exec(String(response.headers.etag ?? ''))?.[1];
  if (response.status < 300 && etag && !url.endsWith('/activities')) knownVersions.set(resourceOf(url), Number(etag));
  else if (response.status < 300 || response.status === 412) knownVersions.delete(resourceOf(url));
}

function takesIfMatch(method: Method, path: string): boolean {
  // One's own account (PATCH /api/me) is changed without a version, as users are.
  return (
    (method === 'patch' && !path.startsWith('/api/users') && path !== '/api/me') ||
    path.endsWith('/events') ||
    (method === 'post' && path.endsWith('/activities'))
  );
}

/** The right If-Match for the route, so that a refusal comes from what is under test. */
async function ifMatchFor(method: Method, path: string, url: string): Promise<Record<string, string>> {
  if (!takesIfMatch(method, path)) return {};
  const resource = resourceOf(url);
  if (!knownVersions.has(resource)) knownVersions.set(resource, await currentVersion(resource));
  return { 'If-Match': `"${knownVersions.get(resource)}"` };
}

// ---------------------------------------------------------------------------------------------
// Junk, from fast-check with a fixed seed.

/** A JSON document written out by hand, so keys like `__proto__` and duplicates reach the server as sent. */
type Json = { t: 'v'; v: string | number | boolean | null } | { t: 'a'; items: Json[] } | { t: 'o'; entries: Array<[string, Json]> };

function write(node: Json): string {
  if (node.t === 'v') return JSON.stringify(node.v);
  if (node.t === 'a') return `[${node.items.map(write).join(',')}]`;
  return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`).join(',')}}`;
}

function fromValue(value: unknown): Json {
  if (Array.isArray(value)) return { t: 'a', items: value.map(fromValue) };
  if (value !== null && typeof value === 'object') return { t: 'o', entries: Object.entries(value).map(([k, v]) => [k, fromValue(v)]) };
  return { t: 'v', v: value as string | number | boolean | null };
}

const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    "' OR 1=1 --",
    '"; DROP TABLE partnerships; --',
    '\u0000',
    '\uD800',
    '\u202Eevil',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '${7*7}',
    '2026-02-30',
    '9999-99-99',
    '2026-W01',
    'NaN',
    '',
    ' ',
  ),
  fc.integer({ min: 10_000, max: 100_000 }).map((n) => 'x'.repeat(n)),
);
const nastyNumber = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53 + 1, 0.5));
const nastyKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '$where',
    '$gt',
    'isAdmin',
    'id',
    'version',
    'state',
    'createdBy',
    'roles',
    'type',
    'data',
  ),
  fc.string({ maxLength: 12 }),
);
const leaf: fc.Arbitrary<Json> = fc.oneof(nastyString, nastyNumber, fc.boolean(), fc.constant(null)).map((v) => ({ t: 'v', v }));
const { tree } = fc.letrec<{ tree: Json; array: Json; object: Json }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 4 }).map((items): Json => ({ t: 'a', items })),
  object: fc.array(fc.tuple(nastyKey, tie('tree')), { maxLength: 5 }).map((entries): Json => ({ t: 'o', entries })),
}));

/** Junk, or a valid body with one thing wrong: a field replaced, an unknown or dangerous key added, the whole wrapped in an array. */
function junkBody(valid: Record<string, unknown>): fc.Arbitrary<Json> {
  const fields = Object.keys(valid);
  const base = fromValue(valid) as Extract<Json, { t: 'o' }>;
  return fc.oneof(
    tree,
    fields.length
      ? fc
          .tuple(fc.constantFrom(...fields), tree)
          .map(([field, junk]): Json => ({ t: 'o', entries: base.entries.map(([k, v]) => [k, k === field ? junk : v]) }))
      : tree,
    fc.tuple(nastyKey, tree).map(([key, junk]): Json => ({ t: 'o', entries: [...base.entries, [key, junk]] })),
    fc.constantFrom<Json>(
      { t: 'a', items: [base] },
      {
        t: 'o',
        entries: [
          [
            '__proto__',
            {
              t: 'o',
              entries: [
                ['isAdmin', { t: 'v', v: true }],
                ['polluted', { t: 'v', v: 'yes' }],
              ],
            },
          ],
          ...base.entries,
        ],
      },
      { t: 'o', entries: [...base.entries, ['constructor', { t: 'o', entries: [['prototype', { t: 'o', entries: [['polluted', { t: 'v', v: 'yes' }]] }]] }]] },
      { t: 'o', entries: [...base.entries, ...base.entries.map(([k]): [string, Json] => [k, { t: 'o', entries: [] }])] },
    ),
  );
}

const BAD_IDS = [
  'not-a-uuid',
  '1',
  '0',
  '-1',
  "1' OR '1'='1",
  '1;DROP TABLE partnerships',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  `${'a'.repeat(36)}`,
  'x'.repeat(4000),
  encodeURIComponent('ünïcödé-🙂-\u202E'),
  // Cut at 64 UTF-16 units, as refusal rows once cut ids, the emoji's surrogate pair is split.
  encodeURIComponent(`${'a'.repeat(63)}🙂`),
  encodeURIComponent('=HYPERLINK("https://evil.example","x")'),
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%00',
  '%E0%A4%A',
  '%',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];

const BAD_QUERIES = [
  'limit=-1',
  'limit=abc',
  'limit=1e309',
  'limit=0',
  'limit=201',
  'limit=1&limit=2',
  'limit[]=1',
  'limit[$gt]=1',
  'offset=-5',
  'offset=1.5',
  'offset=99999999999999999999',
  'state=../..',
  'state=in_force%00',
  "state=' OR 1=1--",
  'overdue=maybe',
  'overdue=',
  'organizationId=not-a-uuid',
  `q=${'q'.repeat(5000)}`,
  'q=%',
  'q=%25%5F',
  'dryRun=yes',
  'days=abc',
  'days=0',
  'days=99999',
  'format=xml',
  'from=yesterday',
  'from=2026-13-45',
  'from=2026-W01',
  'from=20260101',
  'to=2026-02-30',
  'to=+002026-01-01',
  'entityId=' + 'e'.repeat(200),
  'actor[$ne]=x',
  'outcome=maybe',
  'token=garbage',
  'token=' + 'a'.repeat(99),
  '__proto__[polluted]=yes',
  'constructor[prototype][polluted]=yes',
];

const BAD_AUTHORIZATION = ['Bearer', 'Bearer ', 'Bearer x.y.z', 'Basic YWRtaW46YWRtaW4=', 'Token abc', `Bearer ${'a'.repeat(6000)}`, 'Bearer \u00ff\u00fe'];

const BAD_IF_MATCH = ['*', 'W/', '"abc"', '"-1"', '"1", "2"', '"1.5"', '9999999999', '""', 'W/"x"', '\u00e9'];

const BAD_IDEMPOTENCY_KEYS = ['a b', 'k'.repeat(201), '../../', 'key;drop', 'k\u00e9y', '"quoted"'];

/** A forged token that claims to be the admin without a signature. */
function unsignedToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: api.ids.admin, roles: ['admin'] })}.`;
}

// ---------------------------------------------------------------------------------------------

describe('malformed input', () => {
  const created = { partnerships: 0, organizations: 0, users: 0, people: 0 };
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  async function totals() {
    const total = async (path: string) => (await api.as('admin').get(`${path}?limit=1`).expect(200)).body.total as number;
    return {
      partnerships: await total('/api/partnerships'),
      organizations: await total('/api/organizations'),
      users: await total('/api/users'),
      people: await total('/api/people'),
    };
  }

  /** Counts what a request that was let through created, so the totals can be checked at the end. */
  function record(method: Method, path: string, url: string, response: request.Response) {
    noteVersion(url, response);
    // An organization's contacts become its people, a name it already has adding nobody.
    if (response.status < 300 && (path === '/api/organizations' || path === '/api/organizations/{id}') && method !== 'get') {
      const known = (peopleOf[response.body.id as string] ??= new Set());
      for (const { name } of (response.body.contacts ?? []) as Array<{ name: string }>) {
        if (!known.has(name.toLowerCase())) created.people += 1;
        known.add(name.toLowerCase());
      }
    }
    if (response.status >= 300 || method !== 'post') return;
    if (path === '/api/partnerships') created.partnerships += 1;
    if (path === '/api/organizations') created.organizations += 1;
    if (path === '/api/users') created.users += 1;
    if (path === '/api/people') created.people += 1;
  }

  let before: Awaited<ReturnType<typeof totals>>;
  let proposalVersion: number;

  /** The names of each organization's people, as far as this run made them. */
  const peopleOf: Record<string, Set<string>> = {};

  beforeAll(async () => {
    before = await totals();
    const fixture = (await api.as('auditor').get(`/api/organizations/${organizationId}`).expect(200)).body as { people: Array<{ name: string }> };
    peopleOf[organizationId] = new Set(fixture.people.map((p) => p.name.toLowerCase()));
    proposalVersion = await currentVersion(`/api/partnerships/${proposalId}`);
  });

  const bodyRoutes = ROUTES.filter((r) => r.method === 'post' || r.method === 'patch');

  for (const { method, path } of bodyRoutes) {
    it(`${method.toUpperCase()} ${path}: junk JSON bodies`, async () => {
      const url = filled(path);
      const caller = path === '/api/auth/login' ? null : callerFor(path);
      await fc.assert(
        fc.asyncProperty(junkBody(validBody(method, path)), async (body) => {
          const headers = await ifMatchFor(method, path, url);
          const response = await send(method, url, caller).set(headers).set('Content-Type', 'application/json').send(write(body));
          expectWellFormed(`${method} ${path} ${write(body).slice(0, 200)}`, response);
          record(method, path, url, response);
          await signInAgainAfterLogout(path, caller, response);
        }),
        { seed: SEED, numRuns: BODY_RUNS, endOnFailure: true },
      );
    });

    it(`${method.toUpperCase()} ${path}: null, or a wrong type, in each field in turn`, async () => {
      const url = filled(path);
      const caller = path === '/api/auth/login' ? null : callerFor(path);
      const valid = validBody(method, path);
      for (const field of Object.keys(valid)) {
        for (const wrong of [null, [], 0, '']) {
          // A PATCH names one field; a POST sends the rest of a valid body with it.
          const body = method === 'patch' ? { [field]: wrong } : { ...valid, [field]: wrong };
          const response = await send(method, url, caller)
            .set(await ifMatchFor(method, path, url))
            .send(body);
          expectWellFormed(`${method} ${path} ${JSON.stringify(body).slice(0, 200)}`, response);
          record(method, path, url, response);
          await signInAgainAfterLogout(path, caller, response);
        }
      }
    });

    it(`${method.toUpperCase()} ${path}: bodies that are not JSON, or too large, or of another type`, async () => {
      const url = filled(path);
      const caller = path === '/api/auth/login' ? null : callerFor(path);
      const valid = JSON.stringify(validBody(method, path));
      const variants: Array<[string, string | Buffer, Record<string, string>?]> = [
        ['application/json', '{'],
        ['application/json', '[1,'],
        ['application/json', "{'single': 'quotes'}"],
        ['application/json', 'null'],
        ['application/json', '"a string"'],
        ['application/json', '\u0000\u0001\u0002'],
        ['application/json', ''],
        ['application/json', Buffer.from([0xff, 0xfe, 0xfd, 0x00])],
        ['application/json', JSON.stringify({ padding: 'p'.repeat(300 * 1024) })],
        ['application/json', `[${'0,'.repeat(150_000)}0]`],
        ['application/json; charset=latin1', valid],
        ['application/json; charset=utf-7', valid],
        ['application/json', valid, { 'Content-Encoding': 'gzip' }],
        ['application/json', valid, { 'Content-Encoding': 'zstd' }],
        ['text/plain', valid],
        ['application/xml', `<body>${valid}</body>`],
        ['application/x-www-form-urlencoded', 'title=x&organizationId=y&__proto__[polluted]=yes&constructor[prototype][polluted]=yes'],
        ['application/x-www-form-urlencoded', 'p='.concat('q'.repeat(300 * 1024))],
        ['multipart/form-data; boundary=xyz', `--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--xyz--`],
        ['image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47])],
        // Built to cost: nested past the validators' stack, too many fields, too many items (each 400 before any validation).
        ['application/json', `${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}`],
        ['application/json', `${'['.repeat(60_000)}${']'.repeat(60_000)}`],
        ['application/json', JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, i])))],
        ['application/json', JSON.stringify({ ...JSON.parse(valid), items: Array.from({ length: 5000 }, () => ({ name: 'x' })) })],
      ];
      for (const [contentType, payload, headers] of variants) {
        const ifMatch = await ifMatchFor(method, path, url);
        const response = await send(method, url, caller)
          .set({ ...ifMatch, ...headers })
          .set('Content-Type', contentType)
          .send(payload);
        expectWellFormed(`${method} ${path} ${contentType} ${String(payload).slice(0, 60)}`, response);
        record(method, path, url, response);
        await signInAgainAfterLogout(path, caller, response);
        if (typeof payload === 'string' && payload.length > 256 * 1024) expect(response.status).toBe(413);
        if (typeof payload === 'string' && payload.length > 20_000 && payload.length <= 256 * 1024 && contentType === 'application/json') {
          expect({ payload: payload.slice(0, 40), status: response.status, bytes: response.text.length < 1000 }).toEqual({
            payload: payload.slice(0, 40),
            status: 400,
            bytes: true,
          });
        }
      }
    });
  }

  const idRoutes = ROUTES.filter((r) => /\{(id|version)\}/.test(r.path));
  for (const { method, path } of idRoutes) {
    it(`${method.toUpperCase()} ${path}: malformed ids`, async () => {
      for (const bad of BAD_IDS) {
        if (path.includes('{version}') && bad === '1') continue;
        const url = path.replace('{version}', path.includes('{version}') ? bad : '1').replace('{id}', path.includes('{version}') ? 'partnership-mou' : bad);
        const test = send(method, url, callerFor(path)).set('If-Match', '"1"');
        const response = method === 'get' || method === 'delete' ? await test : await test.send(validBody(method, path));
        expectWellFormed(`${method} ${url.slice(0, 120)}`, response);
        expect(response.status).toBeGreaterThanOrEqual(400);
        // An id that is no UUID is refused with 400 before anything else (a workflow's id is a name, not a UUID).
        if (!path.startsWith('/api/workflows') && !isUUID(decodeOrKeep(bad))) {
          expect({ url: url.slice(0, 120), status: response.status, code: response.body.code }).toEqual({
            url: url.slice(0, 120),
            status: 400,
            code: 'VALIDATION_FAILED',
          });
        }
      }
    });
  }

  it('refuses text no database keeps (a NUL, a lone surrogate) in every field of every body with 400', async () => {
    for (const { method, path } of bodyRoutes) {
      const url = filled(path);
      const caller = path === '/api/auth/login' ? null : callerFor(path);
      const valid = validBody(method, path);
      for (const field of Object.keys(valid).filter((f) => typeof valid[f] === 'string')) {
        for (const text of ['x\u0000y', 'x\ud800', '\udfffx']) {
          const response = await send(method, url, caller)
            .set(await ifMatchFor(method, path, url))
            .send({ ...valid, [field]: text });
          expectWellFormed(`${method} ${path} ${field}: ${JSON.stringify(text)}`, response);
          expect({ path, field, text, status: response.status, named: String(response.body.message).includes(field) }).toEqual({
            path,
            field,
            text,
            status: 400,
            named: true,
          });
        }
      }
    }
  });

  const queryRoutes = ROUTES.filter((r) => r.method === 'get');
  for (const { method, path, takesQuery } of queryRoutes) {
    it(`${method.toUpperCase()} ${path}: malformed query strings`, async () => {
      const url = filled(path);
      // Routes without query parameters get a few: an unknown parameter must not matter to them.
      for (const query of takesQuery ? BAD_QUERIES : BAD_QUERIES.filter((_, i) => i % 8 === 0)) {
        const response = await send(method, `${url}?${query}`, callerFor(path));
        expectWellFormed(`${method} ${url}?${query.slice(0, 80)}`, response);
      }
    });
  }

  it('POST events: ?dryRun= and the other event routes with malformed query strings', async () => {
    for (const path of ROUTES.filter((r) => r.path.endsWith('/events')).map((r) => r.path)) {
      const url = filled(path);
      for (const query of ['dryRun=yes', 'dryRun=1', 'dryRun=true&dryRun=false', 'dryRun[]=true', 'dryRun=%00']) {
        const headers = await ifMatchFor('post', path, url);
        const response = await send('post', `${url}?${query}`, callerFor(path)).set(headers).send(validBody('post', path));
        expectWellFormed(`post ${path}?${query}`, response);
        expect(response.status).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it('refuses garbage and forged Authorization headers on every protected route with 401', async () => {
    for (const { method, path } of ROUTES.filter((r) => !r.open)) {
      for (const authorization of [...BAD_AUTHORIZATION, `Bearer ${unsignedToken()}`, `Bearer ${api.tokens.admin}x`]) {
        const response = await request(api.http)[method](filled(path)).set('Authorization', authorization);
        expectWellFormed(`${method} ${path} Authorization: ${authorization.slice(0, 40)}`, response);
        expect({ path, authorization: authorization.slice(0, 40), status: response.status }).toEqual({
          path,
          authorization: authorization.slice(0, 40),
          status: 401,
        });
      }
    }
  });

  it('refuses garbage If-Match and Idempotency-Key headers without changing anything', async () => {
    const routes = ROUTES.filter((r) => takesIfMatch(r.method, r.path));
    expect(routes.length).toBeGreaterThanOrEqual(3);
    for (const { method, path } of routes) {
      const url = filled(path);
      for (const ifMatch of BAD_IF_MATCH) {
        const response = await send(method, url, callerFor(path)).set('If-Match', ifMatch).send(validBody(method, path));
        expectWellFormed(`${method} ${path} If-Match: ${ifMatch}`, response);
        expect(response.status).toBeGreaterThanOrEqual(400);
      }
    }
    // Keys are kept per user: routes called without an account (sign-in, the partner's) take none.
    for (const { method, path } of bodyRoutes.filter((r) => r.path !== '/api/auth/login' && !r.path.startsWith('/api/partner/'))) {
      const url = filled(path);
      for (const key of BAD_IDEMPOTENCY_KEYS) {
        const headers = await ifMatchFor(method, path, url);
        const response = await send(method, url, callerFor(path)).set(headers).set('Idempotency-Key', key).send(validBody(method, path));
        expectWellFormed(`${method} ${path} Idempotency-Key: ${key.slice(0, 20)}`, response);
        expect({ path, key: key.slice(0, 20), status: response.status }).toEqual({ path, key: key.slice(0, 20), status: 400 });
      }
    }
  });

  it('refuses event data with dates that match YYYY-MM-DD but do not exist, in the state that takes them', async () => {
    const cases: Array<[string, object]> = [];
    for (const date of ['2026-02-30', '2026-13-01', '9999-99-99', '0000-00-00']) {
      cases.push([negotiationId, { type: 'AGREE_TEXT', data: { effectiveFrom: date, expiresOn: '2029-03-31' } }]);
      cases.push([negotiationId, { type: 'AGREE_TEXT', data: { effectiveFrom: '2026-04-01', expiresOn: date } }]);
      cases.push([signingId, { type: 'RECORD_SIGNATURE', data: { party: 'partner', signatory: 'Rector', signedOn: date } }]);
      cases.push([renewalId, { type: 'RENEW', data: { expiresOn: date } }]);
    }
    for (const [id, body] of cases) {
      const url = `/api/partnerships/${id}`;
      const version = await currentVersion(url);
      const response = await api.as('managerApprover').post(`${url}/events`).set('If-Match', `"${version}"`).send(body);
      expectWellFormed(`${JSON.stringify(body)}`, response);
      expect({ body, status: response.status }).toEqual({ body, status: expect.any(Number) });
      expect(response.status === 400 || response.status === 422).toBe(true);
      expect(await currentVersion(url)).toBe(version);
    }
    for (const id of occurrenceIds.slice(0, 1)) {
      for (const date of ['2026-02-30', '2026-13-01', '9999-99-99']) {
        const version = await currentVersion(`/api/occurrences/${id}`);
        const response = await api
          .as('manager')
          .post(`/api/occurrences/${id}/events`)
          .set('If-Match', `"${version}"`)
          .send({ type: 'SCHEDULE', data: { date } });
        expectWellFormed(`SCHEDULE ${date}`, response);
        expect(response.status === 400 || response.status === 422).toBe(true);
      }
    }
  });

  it('refuses a recurrence month or day sent as null (400), which the due dates would read differently from one left out', async () => {
    const activity = (recurrence: Record<string, unknown>) => ({ kind: 'seminar', title: 'Null recurrence', recurrence });
    const recurrences = [
      { frequency: 'once', month: null },
      { frequency: 'yearly', month: null, day: 4 },
      { frequency: 'yearly', month: 5, day: null },
      { frequency: 'once', month: null, day: null },
    ];
    const url = `/api/partnerships/${proposalId}`;
    for (const recurrence of recurrences) {
      const version = await currentVersion(url);
      const attempts: Array<[string, request.Test]> = [
        [
          'POST /api/partnerships',
          api
            .as('manager')
            .post('/api/partnerships')
            .send({ ...partnershipInput(organizationId), proposedActivities: [activity(recurrence)] }),
        ],
        [
          'PATCH /api/partnerships/{id}',
          api
            .as('manager')
            .patch(url)
            .set('If-Match', `"${version}"`)
            .send({ proposedActivities: [activity(recurrence)] }),
        ],
        ['POST /api/partnerships/{id}/activities', api.as('manager').post(`${url}/activities`).set('If-Match', `"${version}"`).send(activity(recurrence))],
      ];
      for (const [route, attempt] of attempts) {
        const response = await attempt;
        expectWellFormed(`${route} ${JSON.stringify(recurrence)}`, response);
        expect({ route, recurrence, status: response.status, code: response.body.code }).toEqual({ route, recurrence, status: 400, code: 'VALIDATION_FAILED' });
      }
      expect(await currentVersion(url)).toBe(version);
    }
    // Left out, the same fields are taken: the default month and day.
    const version = await currentVersion(url);
    await api
      .as('manager')
      .patch(url)
      .set('If-Match', `"${version}"`)
      .send({ proposedActivities: [activity({ frequency: 'once' })] })
      .expect(200);
  });

  it('stored nothing it refused, polluted no prototype, and still serves', async () => {
    const after = await totals();
    expect(after).toEqual({
      partnerships: before.partnerships + created.partnerships,
      organizations: before.organizations + created.organizations,
      users: before.users + created.users,
      people: before.people + created.people,
    });
    const proposal = (await api.as('auditor').get(`/api/partnerships/${proposalId}`).expect(200)).body;
    // Only valid PATCHes may have changed the fuzzed proposal; every event sent to it was refused.
    expect(proposal.state).toBe('proposal');
    expect(proposal.version).toBeGreaterThanOrEqual(proposalVersion);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    await request(api.http).get('/api/health').expect(200);
    // Whatever the junk left behind, every read still answers (the feed and the reports read everything).
    for (const { path } of ROUTES.filter((r) => r.method === 'get')) expectWellFormed(`after: GET ${path}`, await send('get', filled(path), callerFor(path)));
    expect((await api.as('auditor').get('/api/audit/verify').expect(200)).body.ok).toBe(true);
    // Every refusal the junk caused is in the chain, in a row whose id, request id and text any database keeps.
    const denied: Array<{ entityId: string; requestId: string; payload: unknown }> = [];
    for (let offset = 0; ; offset += 200) {
      const page = (await api.as('auditor').get(`/api/audit?outcome=denied&limit=200&offset=${offset}`).expect(200)).body;
      denied.push(...page.items);
      if (offset + 200 >= page.total) break;
    }
    expect(denied.length).toBeGreaterThan(0);
    for (const row of denied) {
      expect({ entityId: row.entityId, requestId: row.requestId }).toEqual({
        entityId: expect.stringMatching(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|-)$/),
        requestId: expect.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      });
      expect(JSON.stringify(row.payload)).not.toMatch(/\\u0000|\\ud[89a-f]/i);
      expect(JSON.stringify(row.payload).length).toBeLessThan(12_000);
    }
    expect(checked.requests).toBeGreaterThan(1000);
    console.log(`${checked.requests} malformed requests`);
  });
});
