import request from 'supertest';
import type { Role } from '../src/users/roles.js';
import { ADMIN_PASSWORD, createApiApp, ROLE_USERS, USER_PASSWORD, type UserName } from './support/api.js';
import { driveOccurrence, drivePartnership, occurrenceIdsOf, type PartnershipState as SetupState } from './support/drive.js';
import { organizationInput, partnershipInput } from './support/factories.js';
import { insertFailedMail } from './support/failed-mail.js';
import { agreeUploadedText } from './support/partner-links.js';

/**
 * Every route × every role (and no token at all), from a table of SPEC's rules. A refused request
 * must not change the object it named: each case re-reads its own object by id afterwards.
 */

type Caller = UserName | 'anonymous';
const CALLERS: Caller[] = ['anonymous', 'admin', 'manager', 'manager2', 'approver', 'approver2', 'auditor', 'managerApprover'];

/** `anyone`: no token needed; `signed-in`: any user; a role list: users holding one of them. */
type Who = 'anyone' | 'signed-in' | readonly Role[];

interface Case {
  /** Sends the request as the caller. */
  send: (caller: Caller) => request.Test;
  /** What an allowed caller gets: each case sets up the state in which the request succeeds. */
  allowedStatus: number;
  /** After a refusal: re-reads the object the request named and checks that it did not change. */
  unchanged?: () => Promise<void>;
}

interface Row {
  route: string;
  /** Names the row when one route has several (one per workflow event). */
  variant?: string;
  who: Who;
  prepare: () => Promise<Case>;
}

const api = await createApiApp();
const docs = (await request(api.http).get('/api/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
const served = new Set(Object.entries(docs.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`)));
// Swagger UI's own routes are not in the document it serves.
served.add('GET /api/docs').add('GET /api/docs-json');

afterAll(() => api.close());

function call(caller: Caller, method: 'get' | 'post' | 'patch' | 'delete', url: string): request.Test {
  const test = request(api.http)[method](url);
  return caller === 'anonymous' ? test : test.set('Authorization', `Bearer ${api.tokens[caller]}`);
}

function allowed(who: Who, caller: Caller): boolean {
  if (who === 'anyone') return true;
  if (caller === 'anonymous') return false;
  if (who === 'signed-in') return true;
  return (ROLE_USERS[caller] as readonly Role[]).some((role) => who.includes(role));
}

// ---------------------------------------------------------------------------------------------
// Fixtures: each case makes its own objects, so that one case's change never feeds another's.

let sequence = 0;
const unique = (prefix: string) => `${prefix}${(sequence += 1)}`;

async function newOrganization(): Promise<string> {
  return (
    await api
      .as('manager')
      .post('/api/organizations')
      .send(organizationInput({ name: unique('Organization ') }))
      .expect(201)
  ).body.id as string;
}

/** A text document, its bytes unique so each is a blob of its own. */
const attachNote = (test: request.Test) => test.field('kind', 'other').attach('file', Buffer.from(unique('A note ')), 'note.txt');

async function newDocument(): Promise<string> {
  return (await attachNote(api.as('manager').post('/api/documents')).expect(201)).body.id as string;
}

let sharedOrganization: string | undefined;
async function organizationForPartnerships(): Promise<string> {
  sharedOrganization ??= await newOrganization();
  return sharedOrganization;
}

async function newPerson(): Promise<string> {
  return (
    await api
      .as('manager')
      .post('/api/people')
      .send({ name: unique('Person '), affiliations: [{ organizationId: await organizationForPartnerships() }] })
      .expect(201)
  ).body.id as string;
}

let agreedText: Promise<{ id: string; documentId: string }> | undefined;
/** One partnership whose text is agreed, for every case about partner links. */
function partnershipWithAgreedText(): Promise<{ id: string; documentId: string }> {
  agreedText ??= organizationForPartnerships().then((organizationId) => agreeUploadedText(api, organizationId, Buffer.from('The agreed text.\n'), 'mou.txt'));
  return agreedText;
}

async function newPartnerLink(): Promise<{ id: string; token: string }> {
  const { id } = await partnershipWithAgreedText();
  return (await api.as('manager').post(`/api/partnerships/${id}/partner-links`).send({ name: 'Rector' }).expect(201)).body as { id: string; token: string };
}

async function linksOf(partnershipId: string): Promise<number> {
  return (await api.as('auditor').get(`/api/partner-links?partnershipId=${partnershipId}&limit=1`).expect(200)).body.total as number;
}

async function newEngagement(): Promise<string> {
  return (
    await api
      .as('manager')
      .post('/api/engagements')
      .send({ kind: 'meeting', title: unique('Meeting '), startsOn: '2024-11-15', organizationIds: [await organizationForPartnerships()] })
      .expect(201)
  ).body.id as string;
}

/** A follow-up owned by manager2 (a manager: who may act on it is the managers and its owner), open or done. */
async function newFollowUp(state: 'open' | 'done'): Promise<{ id: string; version: number }> {
  const created = await api
    .as('manager')
    .post(`/api/engagements/${await newEngagement()}/follow-ups`)
    .send({ title: 'Draft the workplan', ownerId: api.ids.manager2, dueOn: '2026-04-01' })
    .expect(201);
  if (state === 'open') return { id: created.body.id as string, version: 1 };
  await api.as('manager2').post(`/api/follow-ups/${created.body.id}/events`).set('If-Match', '"1"').send({ type: 'COMPLETE' }).expect(200);
  return { id: created.body.id as string, version: 2 };
}

interface Snapshot {
  state: string;
  version: number;
}

/** A partnership submitted by `manager`, taken to the state the case needs (a short term for renewal_due: see drive.ts). */
async function partnershipIn(state: SetupState): Promise<{ id: string; version: number }> {
  return drivePartnership(api, await organizationForPartnerships(), state);
}

/** Planned occurrences of in-force partnerships, handed out one per case. */
const plannedOccurrences: string[] = [];
async function occurrenceIn(state: 'planned' | 'scheduled', scheduleOn = '2026-10-15'): Promise<{ id: string; version: number }> {
  if (plannedOccurrences.length === 0) {
    const { id } = await partnershipIn('in_force.active');
    plannedOccurrences.push(...(await occurrenceIdsOf(api, id, 'planned')));
    expect(plannedOccurrences.length).toBeGreaterThan(0);
  }
  return driveOccurrence(api, plannedOccurrences.shift() as string, state, scheduleOn);
}

/** A second token per user, signed in once: signing out ends a token, and the other rows go on using the first. */
let spareTokens: Record<UserName, string> | undefined;
async function signInAgain(): Promise<Record<UserName, string>> {
  const tokens = {} as Record<UserName, string>;
  for (const name of Object.keys(ROLE_USERS) as UserName[]) {
    const password = name === 'admin' ? ADMIN_PASSWORD : USER_PASSWORD;
    tokens[name] = (await request(api.http).post('/api/auth/login').send({ username: name.toLowerCase(), password }).expect(200)).body.accessToken as string;
  }
  return tokens;
}

async function total(path: string): Promise<number> {
  return (await api.as('admin').get(`${path}?limit=1`).expect(200)).body.total as number;
}

function expectVersion(path: string, version: number, state?: string) {
  return async () => {
    const body = (await api.as('auditor').get(path).expect(200)).body as Snapshot;
    expect({ version: body.version, ...(state ? { state: body.state } : {}) }).toEqual({ version, ...(state ? { state } : {}) });
  };
}

// ---------------------------------------------------------------------------------------------
// SPEC's rules, one row per route (and per event for the event routes).

const MANAGER: readonly Role[] = ['manager'];
const APPROVER: readonly Role[] = ['approver'];
const ADMIN: readonly Role[] = ['admin'];
const AUDIT_READERS: readonly Role[] = ['auditor', 'admin'];

const get = (route: string, url: () => Promise<string>, who: Who = 'signed-in'): Row => ({
  route: `GET ${route}`,
  who,
  prepare: async () => {
    const path = await url();
    return { send: (caller) => call(caller, 'get', path), allowedStatus: 200 };
  },
});

interface EventRule {
  type: string;
  who: Who;
  state: SetupState;
  body?: object;
}

/** SPEC's partnership-mou table: managers run the proposal and the MOU, approvers decide, renew and terminate. */
const PARTNERSHIP_EVENTS: EventRule[] = [
  { type: 'SUBMIT_FOR_APPROVAL', who: MANAGER, state: 'proposal' },
  { type: 'WITHDRAW', who: MANAGER, state: 'proposal' },
  { type: 'APPROVE', who: APPROVER, state: 'senior_management_review' },
  { type: 'REQUEST_CHANGES', who: APPROVER, state: 'senior_management_review', body: { comment: 'Add the course outline.' } },
  { type: 'REJECT', who: APPROVER, state: 'senior_management_review', body: { comment: 'Out of scope.' } },
  { type: 'SHARE_DRAFT', who: MANAGER, state: 'mou_drafting', body: { data: { document: { name: 'MOU v1.docx', sha256: 'd'.repeat(64) } } } },
  { type: 'AGREE_TEXT', who: MANAGER, state: 'mou_negotiation', body: { data: { effectiveFrom: '2026-04-01', expiresOn: '2029-03-31' } } },
  { type: 'RECORD_SIGNATURE', who: MANAGER, state: 'awaiting_signatures', body: { data: { party: 'partner', signatory: 'Rector', signedOn: '2026-03-01' } } },
  { type: 'TERMINATE', who: APPROVER, state: 'in_force.active', body: { comment: 'The programme closed.' } },
  { type: 'RENEW', who: APPROVER, state: 'in_force.renewal_due', body: { data: { expiresOn: '2029-05-31' } } },
];

const partnershipEvent = ({ type, who, state, body = {} }: EventRule): Row => ({
  route: 'POST /api/partnerships/{id}/events',
  variant: type,
  who,
  prepare: async () => {
    const { id, version } = await partnershipIn(state);
    return {
      send: (caller) =>
        call(caller, 'post', `/api/partnerships/${id}/events`)
          .set('If-Match', `"${version}"`)
          .send({ type, ...body }),
      allowedStatus: 200,
      unchanged: expectVersion(`/api/partnerships/${id}`, version, state),
    };
  },
});

/** SPEC's follow-up v1: its owner or a manager completes, cancels and reopens it. */
const FOLLOW_UP_EVENTS: Array<{ type: string; state: 'open' | 'done'; body?: object }> = [
  { type: 'COMPLETE', state: 'open' },
  { type: 'CANCEL', state: 'open', body: { comment: 'No longer needed.' } },
  { type: 'REOPEN', state: 'done' },
];

const followUpEvent = ({ type, state, body = {} }: (typeof FOLLOW_UP_EVENTS)[number]): Row => ({
  route: 'POST /api/follow-ups/{id}/events',
  variant: type,
  who: MANAGER,
  prepare: async () => {
    const { id, version } = await newFollowUp(state);
    return {
      send: (caller) =>
        call(caller, 'post', `/api/follow-ups/${id}/events`)
          .set('If-Match', `"${version}"`)
          .send({ type, ...body }),
      allowedStatus: 200,
      unchanged: expectVersion(`/api/follow-ups/${id}`, version, state),
    };
  },
});

const occurrenceEvent = (type: string, state: 'planned' | 'scheduled', body: object, scheduleOn?: string): Row => ({
  route: 'POST /api/occurrences/{id}/events',
  variant: type,
  who: MANAGER,
  prepare: async () => {
    const { id, version } = await occurrenceIn(state, scheduleOn);
    return {
      send: (caller) =>
        call(caller, 'post', `/api/occurrences/${id}/events`)
          .set('If-Match', `"${version}"`)
          .send({ type, ...body }),
      allowedStatus: 200,
      unchanged: expectVersion(`/api/occurrences/${id}`, version, state),
    };
  },
});

const ROWS: Row[] = [
  get('/api/health', async () => '/api/health', 'anyone'),
  get('/api/health/live', async () => '/api/health/live', 'anyone'),
  get('/api/health/ready', async () => '/api/health/ready', 'anyone'),
  get('/api/docs', async () => '/api/docs', 'anyone'),
  get('/api/docs-json', async () => '/api/docs-json', 'anyone'),
  {
    route: 'POST /api/auth/login',
    who: 'anyone',
    prepare: async () => ({
      send: (caller) => call(caller, 'post', '/api/auth/login').send({ username: 'auditor', password: USER_PASSWORD }),
      allowedStatus: 200,
    }),
  },
  get('/api/auth/me', async () => '/api/auth/me'),
  {
    route: 'POST /api/auth/logout',
    who: 'signed-in',
    prepare: async () => {
      const tokens = (spareTokens ??= await signInAgain());
      return {
        send: (caller) => {
          const test = request(api.http).post('/api/auth/logout');
          return caller === 'anonymous' ? test : test.set('Authorization', `Bearer ${tokens[caller]}`);
        },
        allowedStatus: 200,
      };
    },
  },

  get('/api/workflows', async () => '/api/workflows'),
  get('/api/workflows/{id}', async () => '/api/workflows/partnership-mou'),
  get('/api/workflows/{id}/versions/{version}', async () => '/api/workflows/partnership-mou/versions/1'),

  {
    route: 'POST /api/organizations',
    who: MANAGER,
    prepare: async () => {
      const before = await total('/api/organizations');
      return {
        send: (caller) => call(caller, 'post', '/api/organizations').send(organizationInput({ name: unique('Created by matrix ') })),
        allowedStatus: 201,
        unchanged: async () => expect(await total('/api/organizations')).toBe(before),
      };
    },
  },
  get('/api/organizations', async () => '/api/organizations'),
  get('/api/organizations/{id}', async () => `/api/organizations/${await newOrganization()}`),
  get('/api/organizations/{id}/timeline', async () => `/api/organizations/${await newOrganization()}/timeline`),
  {
    route: 'PATCH /api/organizations/{id}',
    who: MANAGER,
    prepare: async () => {
      const id = await newOrganization();
      return {
        send: (caller) => call(caller, 'patch', `/api/organizations/${id}`).set('If-Match', '"1"').send({ city: 'Islamabad' }),
        allowedStatus: 200,
        unchanged: expectVersion(`/api/organizations/${id}`, 1),
      };
    },
  },

  {
    route: 'POST /api/people',
    who: MANAGER,
    prepare: async () => {
      const organizationId = await organizationForPartnerships();
      const before = await total('/api/people');
      return {
        send: (caller) => call(caller, 'post', '/api/people').send({ name: unique('Person '), affiliations: [{ organizationId, title: 'Dean' }] }),
        allowedStatus: 201,
        unchanged: async () => expect(await total('/api/people')).toBe(before),
      };
    },
  },
  get('/api/people', async () => '/api/people'),
  get('/api/people/{id}', async () => `/api/people/${await newPerson()}`),
  {
    route: 'PATCH /api/people/{id}',
    who: MANAGER,
    prepare: async () => {
      const id = await newPerson();
      return {
        send: (caller) => call(caller, 'patch', `/api/people/${id}`).set('If-Match', '"1"').send({ phone: '+92 51 000 0000' }),
        allowedStatus: 200,
        unchanged: expectVersion(`/api/people/${id}`, 1),
      };
    },
  },

  {
    route: 'POST /api/engagements',
    who: MANAGER,
    prepare: async () => {
      const organizationId = await organizationForPartnerships();
      const before = await total('/api/engagements');
      return {
        send: (caller) =>
          call(caller, 'post', '/api/engagements').send({
            kind: 'meeting',
            title: unique('Meeting '),
            startsOn: '2024-11-15',
            organizationIds: [organizationId],
          }),
        allowedStatus: 201,
        unchanged: async () => expect(await total('/api/engagements')).toBe(before),
      };
    },
  },
  get('/api/engagements', async () => '/api/engagements'),
  get('/api/engagements/{id}', async () => `/api/engagements/${await newEngagement()}`),
  {
    route: 'PATCH /api/engagements/{id}',
    who: MANAGER,
    prepare: async () => {
      const id = await newEngagement();
      return {
        send: (caller) => call(caller, 'patch', `/api/engagements/${id}`).set('If-Match', '"1"').send({ place: 'Karachi' }),
        allowedStatus: 200,
        unchanged: expectVersion(`/api/engagements/${id}`, 1),
      };
    },
  },
  {
    route: 'POST /api/engagements/{id}/follow-ups',
    who: MANAGER,
    prepare: async () => {
      const id = await newEngagement();
      return {
        send: (caller) =>
          call(caller, 'post', `/api/engagements/${id}/follow-ups`).send({ title: 'Draft the workplan', ownerId: api.ids.manager2, dueOn: '2026-04-01' }),
        allowedStatus: 201,
        unchanged: async () => expect((await api.as('auditor').get(`/api/engagements/${id}`).expect(200)).body.followUps).toEqual([]),
      };
    },
  },
  get('/api/follow-ups', async () => '/api/follow-ups'),
  get('/api/follow-ups/{id}', async () => `/api/follow-ups/${(await newFollowUp('open')).id}`),
  ...FOLLOW_UP_EVENTS.map(followUpEvent),

  {
    route: 'POST /api/partnerships',
    who: MANAGER,
    prepare: async () => {
      const organizationId = await organizationForPartnerships();
      const before = await total('/api/partnerships');
      return {
        send: (caller) => call(caller, 'post', '/api/partnerships').send(partnershipInput(organizationId)),
        allowedStatus: 201,
        unchanged: async () => expect(await total('/api/partnerships')).toBe(before),
      };
    },
  },
  get('/api/partnerships', async () => '/api/partnerships'),
  get('/api/partnerships/{id}', async () => `/api/partnerships/${(await partnershipIn('proposal')).id}`),
  get('/api/partnerships/{id}/history', async () => `/api/partnerships/${(await partnershipIn('proposal')).id}/history`),
  get('/api/partnerships/{id}/replay', async () => `/api/partnerships/${(await partnershipIn('proposal')).id}/replay`, AUDIT_READERS),
  {
    route: 'PATCH /api/partnerships/{id}',
    who: MANAGER,
    prepare: async () => {
      const { id } = await partnershipIn('proposal');
      return {
        send: (caller) => call(caller, 'patch', `/api/partnerships/${id}`).set('If-Match', '"1"').send({ notes: 'Edited by the matrix.' }),
        allowedStatus: 200,
        unchanged: expectVersion(`/api/partnerships/${id}`, 1, 'proposal'),
      };
    },
  },
  ...PARTNERSHIP_EVENTS.map(partnershipEvent),

  // Everyone's own: an approver's, and what a delegate decides for others (empty for those who decide nothing).
  get('/api/approvals/pending', async () => '/api/approvals/pending'),
  {
    route: 'POST /api/delegations',
    who: ['approver', 'admin'],
    prepare: async () => {
      // A delegate of its own for each case, so that no two cases hand over to the same person.
      const delegate = await api
        .as('admin')
        .post('/api/users')
        .send({ username: unique('matrix.delegate'), password: USER_PASSWORD, roles: ['manager'] })
        .expect(201);
      const before = await total('/api/delegations');
      return {
        send: (caller) =>
          call(caller, 'post', '/api/delegations').send({
            delegateId: delegate.body.id,
            // Tomorrow: the cases of DELETE below hand over today.
            startsOn: '2026-03-03',
            endsOn: '2026-03-03',
            ...(caller === 'admin' ? { principalId: api.ids.approver } : {}),
          }),
        allowedStatus: 201,
        unchanged: async () => expect(await total('/api/delegations')).toBe(before),
      };
    },
  },
  get('/api/delegations', async () => '/api/delegations?active=true'),

  get('/api/partnerships/{id}/activities', async () => `/api/partnerships/${(await partnershipIn('proposal')).id}/activities`),
  {
    route: 'POST /api/partnerships/{id}/activities',
    who: MANAGER,
    prepare: async () => {
      const { id } = await partnershipIn('proposal');
      return {
        send: (caller) =>
          call(caller, 'post', `/api/partnerships/${id}/activities`)
            .set('If-Match', '"1"')
            .send({ kind: 'seminar', title: 'Joint seminar', recurrence: { frequency: 'once', month: 11 } }),
        allowedStatus: 201,
        unchanged: expectVersion(`/api/partnerships/${id}`, 1, 'proposal'),
      };
    },
  },
  get('/api/activities/upcoming', async () => '/api/activities/upcoming?days=365'),
  get('/api/occurrences/{id}', async () => `/api/occurrences/${(await occurrenceIn('planned')).id}`),
  occurrenceEvent('SCHEDULE', 'planned', { data: { date: '2026-10-16', venue: 'Main hall' } }),
  occurrenceEvent('CANCEL', 'planned', { comment: 'The partner asked to skip this year.' }),
  occurrenceEvent('POSTPONE', 'scheduled', { data: { date: '2026-11-20' } }),
  occurrenceEvent('MARK_HELD', 'scheduled', { data: { report: 'Held with 80 attendees.', attendance: 80 } }, '2026-03-02'),

  {
    route: 'POST /api/documents',
    who: MANAGER,
    prepare: async () => {
      const before = await total('/api/documents');
      return {
        send: (caller) => attachNote(call(caller, 'post', '/api/documents')),
        allowedStatus: 201,
        unchanged: async () => expect(await total('/api/documents')).toBe(before),
      };
    },
  },
  get('/api/documents', async () => '/api/documents'),
  get('/api/documents/{id}', async () => `/api/documents/${await newDocument()}`),
  get('/api/documents/{id}/content', async () => `/api/documents/${await newDocument()}/content`),
  get('/api/documents/{id}/text', async () => `/api/documents/${await newDocument()}/text`),
  get('/api/documents/{id}/diff/{otherId}', async () => `/api/documents/${await newDocument()}/diff/${await newDocument()}`),

  {
    route: 'POST /api/partnerships/{id}/partner-links',
    who: MANAGER,
    prepare: async () => {
      const { id } = await partnershipWithAgreedText();
      const before = await linksOf(id);
      return {
        send: (caller) => call(caller, 'post', `/api/partnerships/${id}/partner-links`).send({ name: 'Rector' }),
        allowedStatus: 201,
        unchanged: async () => expect(await linksOf(id)).toBe(before),
      };
    },
  },
  get('/api/partner-links', async () => '/api/partner-links', ['manager', 'auditor']),
  {
    route: 'DELETE /api/partner-links/{id}',
    who: MANAGER,
    prepare: async () => {
      const link = await newPartnerLink();
      return {
        send: (caller) => call(caller, 'delete', `/api/partner-links/${link.id}`),
        allowedStatus: 200,
        unchanged: async () => {
          await request(api.http).get(`/api/partner/${link.token}`).expect(200);
        },
      };
    },
  },
  // The partner has no account: the link's token is the credential, whoever else calls.
  get('/api/partner/{token}', async () => `/api/partner/${(await newPartnerLink()).token}`, 'anyone'),
  get('/api/partner/{token}/document', async () => `/api/partner/${(await newPartnerLink()).token}/document`, 'anyone'),
  {
    route: 'POST /api/partner/{token}/acknowledge',
    who: 'anyone',
    prepare: async () => {
      const { token } = await newPartnerLink();
      return { send: (caller) => call(caller, 'post', `/api/partner/${token}/acknowledge`).send({ name: 'Sara Malik', title: 'Rector' }), allowedStatus: 201 };
    },
  },
  {
    route: 'POST /api/partner/{token}/comment',
    who: 'anyone',
    prepare: async () => {
      const { token } = await newPartnerLink();
      return { send: (caller) => call(caller, 'post', `/api/partner/${token}/comment`).send({ comment: 'Reads well.' }), allowedStatus: 201 };
    },
  },

  get('/api/calendar.ics', async () => '/api/calendar.ics'),
  // Feed tokens are each user's own credential for a calendar app, not data of the product.
  {
    route: 'POST /api/calendar/tokens',
    who: 'signed-in',
    prepare: async () => ({ send: (caller) => call(caller, 'post', '/api/calendar/tokens').send({ label: 'Phone' }), allowedStatus: 201 }),
  },
  get('/api/calendar/tokens', async () => '/api/calendar/tokens'),
  // Notices are each user's own.
  get('/api/notifications', async () => '/api/notifications'),
  {
    route: 'POST /api/notifications/read-all',
    who: 'signed-in',
    prepare: async () => ({ send: (caller) => call(caller, 'post', '/api/notifications/read-all'), allowedStatus: 204 }),
  },
  get('/api/notifications/outbox', async () => '/api/notifications/outbox?status=failed', ADMIN),
  {
    route: 'POST /api/notifications/outbox/{id}/retry',
    who: ADMIN,
    prepare: async () => {
      const { id } = await partnershipIn('senior_management_review');
      const notices = (await api.as('approver').get('/api/notifications?limit=200').expect(200)).body.items as Array<{ id: string; entityId: string }>;
      const notice = notices.find((n) => n.entityId === id) as { id: string };
      await insertFailedMail(api, notice.id, api.ids.approver);
      const failed = async () => (await api.as('admin').get('/api/notifications/outbox?status=failed').expect(200)).body.total as number;
      const before = await failed();
      return {
        send: (caller) => call(caller, 'post', `/api/notifications/outbox/${notice.id}/retry`),
        allowedStatus: 200,
        unchanged: async () => expect(await failed()).toBe(before),
      };
    },
  },
  get('/api/reports/pipeline', async () => '/api/reports/pipeline'),

  // Imports: a file of one row each, its name unique, so each allowed caller's import is taken whole.
  {
    route: 'POST /api/import/organizations',
    who: MANAGER,
    prepare: async () => {
      const before = await total('/api/organizations');
      return {
        send: (caller) =>
          call(caller, 'post', '/api/import/organizations')
            .set('Content-Type', 'text/csv')
            .send(`name,kind,country\n${unique('Imported ')},university,PK\n`),
        allowedStatus: 201,
        unchanged: async () => expect(await total('/api/organizations')).toBe(before),
      };
    },
  },
  {
    route: 'POST /api/import/people',
    who: MANAGER,
    prepare: async () => {
      const before = await total('/api/people');
      return {
        send: (caller) =>
          call(caller, 'post', '/api/import/people')
            .set('Content-Type', 'text/csv')
            .send(`name\n${unique('Imported person ')}\n`),
        allowedStatus: 201,
        unchanged: async () => expect(await total('/api/people')).toBe(before),
      };
    },
  },
  {
    route: 'POST /api/import/agreements',
    who: ADMIN,
    prepare: async () => {
      const before = await total('/api/partnerships');
      return {
        // A dry run: the answer lists the row as invalid (no such organization) and writes nothing, whoever sends it.
        send: (caller) =>
          call(caller, 'post', '/api/import/agreements?dryRun=true')
            .set('Content-Type', 'text/csv')
            .send(
              'organization,title,effectiveFrom,expiresOn,signatories\nNo such organization,Old MOU,2024-01-01,2027-01-01,"partner: Rector, 2023-12-20; own: Director, 2023-12-21"\n',
            ),
        allowedStatus: 200,
        unchanged: async () => expect(await total('/api/partnerships')).toBe(before),
      };
    },
  },
  {
    route: 'POST /api/workflows/{id}/migrations',
    who: ADMIN,
    prepare: async () => ({
      send: (caller) => call(caller, 'post', '/api/workflows/partnership-mou/migrations').send({ fromVersion: 1, toVersion: 2, dryRun: true }),
      allowedStatus: 200,
    }),
  },

  get('/api/audit', async () => '/api/audit?limit=5', AUDIT_READERS),
  get('/api/audit/verify', async () => '/api/audit/verify', AUDIT_READERS),
  get('/api/audit/export', async () => '/api/audit/export?format=csv', AUDIT_READERS),
  get('/api/audit/checkpoints', async () => '/api/audit/checkpoints', AUDIT_READERS),
  // The key that checks the checkpoints is for anyone to keep elsewhere.
  get('/api/audit/public-key', async () => '/api/audit/public-key', 'anyone'),

  {
    route: 'POST /api/users',
    who: ADMIN,
    prepare: async () => {
      const before = await total('/api/users');
      return {
        send: (caller) => call(caller, 'post', '/api/users').send({ username: unique('matrix.user'), password: USER_PASSWORD, roles: ['manager'] }),
        allowedStatus: 201,
        unchanged: async () => expect(await total('/api/users')).toBe(before),
      };
    },
  },
  get('/api/users', async () => '/api/users', ADMIN),
  get('/api/users/{id}', async () => `/api/users/${api.ids.auditor}`, ADMIN),
  {
    route: 'PATCH /api/users/{id}',
    who: ADMIN,
    prepare: async () => {
      const created = await api
        .as('admin')
        .post('/api/users')
        .send({ username: unique('matrix.patch'), password: USER_PASSWORD, roles: ['auditor'] })
        .expect(201);
      const id = created.body.id as string;
      return {
        send: (caller) => call(caller, 'patch', `/api/users/${id}`).send({ roles: ['manager'] }),
        allowedStatus: 200,
        unchanged: async () => {
          const now = (await api.as('admin').get(`/api/users/${id}`).expect(200)).body;
          expect({ version: now.version, roles: now.roles }).toEqual({ version: created.body.version, roles: ['auditor'] });
        },
      };
    },
  },
  {
    route: 'POST /api/users/{id}/password',
    who: ADMIN,
    prepare: async () => {
      const created = await api
        .as('admin')
        .post('/api/users')
        .send({ username: unique('matrix.reset'), password: USER_PASSWORD, roles: ['auditor'] })
        .expect(201);
      const id = created.body.id as string;
      return {
        send: (caller) => call(caller, 'post', `/api/users/${id}/password`).send({ newPassword: 'a reset passphrase' }),
        allowedStatus: 204,
        unchanged: async () => expect((await api.as('admin').get(`/api/users/${id}`).expect(200)).body.version).toBe(created.body.version),
      };
    },
  },
  // One's own account: everyone's, and no one else's.
  get('/api/me', async () => '/api/me'),
  {
    route: 'PATCH /api/me',
    who: 'signed-in',
    prepare: async () => ({ send: (caller) => call(caller, 'patch', '/api/me').send({ emailMode: 'immediate' }), allowedStatus: 200 }),
  },
];

/** Routes whose answer depends on whose the object is, so they are checked per owner below (a notice: test/notifications.e2e-spec.ts). */
const OWNED_ROUTES = ['DELETE /api/calendar/tokens/{id}', 'POST /api/notifications/{id}/read', 'POST /api/me/password', 'DELETE /api/delegations/{id}'];

const rowsServed = ROWS.filter((row) => served.has(row.route));
const rowsNotServed = ROWS.filter((row) => !served.has(row.route));

function describeWho(who: Who): string {
  return typeof who === 'string' ? who : who.join(' or ');
}

describe('the role × route matrix', () => {
  it('has a row for every route the app serves', () => {
    const covered = new Set([...ROWS.map((row) => row.route), ...OWNED_ROUTES]);
    expect([...served].filter((route) => !covered.has(route))).toEqual([]);
  });

  for (const row of rowsNotServed) it.todo(`${row.route}${row.variant ? ` ${row.variant}` : ''} (in SPEC, not served yet)`);

  for (const row of rowsServed) {
    describe(`${row.route}${row.variant ? ` ${row.variant}` : ''} (${describeWho(row.who)})`, () => {
      // A refusal changes nothing, and each refused caller checks exactly that against the state the
      // case was prepared in: so the refused callers of a row go first and share one prepared object
      // (a refusal that did change it fails there, and every refused caller after it), while each
      // allowed caller, whose request does change it, gets an object of its own afterwards.
      let forRefusals: Promise<Case> | undefined;
      const refusedFirst = [...CALLERS.filter((caller) => !allowed(row.who, caller)), ...CALLERS.filter((caller) => allowed(row.who, caller))];
      for (const caller of refusedFirst) {
        const permitted = allowed(row.who, caller);
        const outcome = permitted ? 'allowed' : caller === 'anonymous' ? '401' : '403';
        it(`× ${caller} → ${outcome}`, async () => {
          const prepared = await (permitted ? row.prepare() : (forRefusals ??= row.prepare()));
          const response = await prepared.send(caller);
          if (permitted) {
            expect({ status: response.status, body: response.status >= 400 ? response.body : undefined }).toEqual({
              status: prepared.allowedStatus,
              body: undefined,
            });
            return;
          }
          const status = caller === 'anonymous' ? 401 : 403;
          expect({ status: response.status, body: response.body }).toEqual({
            status,
            body: expect.objectContaining({ statusCode: status, code: status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN' }),
          });
          await prepared.unchanged?.();
        });
      }
    });
  }

  // What a caller may send, as the partnership shows it, agrees with who may send it.
  describe('availableEvents follows the same rules', () => {
    const byState = new Map<SetupState, string>();
    beforeAll(async () => {
      for (const state of new Set(PARTNERSHIP_EVENTS.map((rule) => rule.state))) byState.set(state, (await partnershipIn(state)).id);
    });
    for (const caller of CALLERS.filter((c): c is UserName => c !== 'anonymous')) {
      it(`× ${caller}`, async () => {
        const offered: string[] = [];
        for (const rule of PARTNERSHIP_EVENTS) {
          const view = (
            await api
              .as(caller)
              .get(`/api/partnerships/${byState.get(rule.state)}`)
              .expect(200)
          ).body as { availableEvents: string[] };
          if (view.availableEvents.includes(rule.type)) offered.push(rule.type);
        }
        expect(offered).toEqual(PARTNERSHIP_EVENTS.filter((rule) => allowed(rule.who, caller)).map((rule) => rule.type));
      });
    }
  });

  describe('DELETE /api/delegations/{id} (signed-in: its principal, its delegate, admins)', () => {
    for (const caller of CALLERS) {
      it(`× ${caller} → ${caller === 'anonymous' ? '401' : 'one naming the caller ended; another → ' + (caller === 'admin' ? 'ended too' : '404')}`, async () => {
        const principal: UserName = caller === 'approver2' ? 'approver' : 'approver2';
        const handOver = async (delegateId: string) =>
          (
            (await api.as(principal).post('/api/delegations').send({ delegateId, startsOn: '2026-03-02', endsOn: '2026-03-02' }).expect(201)).body as {
              id: string;
            }
          ).id;
        const stranger = await api
          .as('admin')
          .post('/api/users')
          .send({ username: unique('matrix.stranger'), password: USER_PASSWORD, roles: ['manager'] })
          .expect(201);
        const other = await handOver(stranger.body.id as string);
        if (caller !== 'anonymous') await call(caller, 'delete', `/api/delegations/${await handOver(api.ids[caller])}`).expect(200);
        await call(caller, 'delete', `/api/delegations/${other}`).expect(caller === 'anonymous' ? 401 : caller === 'admin' ? 200 : 404);
        // Ended, so that the next case's delegations do not chain with it.
        if (caller !== 'admin') await api.as('admin').delete(`/api/delegations/${other}`).expect(200);
      });
    }
  });

  describe('POST /api/me/password (signed-in, one’s own password)', () => {
    for (const caller of CALLERS) {
      it(`× ${caller} → ${caller === 'anonymous' ? '401' : '204, and the caller signs in again'}`, async () => {
        const password = caller === 'admin' ? ADMIN_PASSWORD : USER_PASSWORD;
        // The same password again: it ends the caller's sessions all the same, so the caller signs in afresh for the rows after this one.
        await call(caller, 'post', '/api/me/password')
          .send({ currentPassword: password, newPassword: password })
          .expect(caller === 'anonymous' ? 401 : 204);
        if (caller === 'anonymous') return;
        await call(caller, 'get', '/api/me').expect(401);
        api.tokens[caller] = (await request(api.http).post('/api/auth/login').send({ username: caller.toLowerCase(), password }).expect(200)).body
          .accessToken as string;
        await call(caller, 'get', '/api/me').expect(200);
      });
    }
  });

  describe('DELETE /api/calendar/tokens/{id} (signed-in, own tokens only)', () => {
    for (const caller of CALLERS) {
      it(`× ${caller} → ${caller === 'anonymous' ? '401; a token of another user → 404' : 'own token revoked; a token of another user → 404'}`, async () => {
        const ownerOfOther: UserName = caller === 'auditor' ? 'manager' : 'auditor';
        const other = await api.as(ownerOfOther).post('/api/calendar/tokens').send({ label: 'Someone else' }).expect(201);
        const refused = await call(caller, 'delete', `/api/calendar/tokens/${other.body.id}`);
        expect(refused.status).toBe(caller === 'anonymous' ? 401 : 404);
        await request(api.http).get(`/api/calendar.ics?token=${other.body.token}`).expect(200);
        if (caller === 'anonymous') return;
        const own = await api.as(caller).post('/api/calendar/tokens').send({ label: 'Mine' }).expect(201);
        await call(caller, 'delete', `/api/calendar/tokens/${own.body.id}`).expect(200);
        await request(api.http).get(`/api/calendar.ics?token=${own.body.token}`).expect(401);
      });
    }
  });

  describe('GET /api/calendar.ics?token= (anyone holding a live feed token)', () => {
    it('answers the feed without a bearer token', async () => {
      const token = await api.as('auditor').post('/api/calendar/tokens').send({ label: 'Feed' }).expect(201);
      const feed = await request(api.http).get(`/api/calendar.ics?token=${token.body.token}`).expect(200);
      expect(feed.text).toContain('BEGIN:VCALENDAR');
    });
  });
});
