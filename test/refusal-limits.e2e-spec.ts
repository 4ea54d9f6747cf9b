import { createHash } from 'node:crypto';
import { ADMIN_PASSWORD, type ApiApp, type UserName } from './support/api.js';
import { drivePartnership } from './support/drive.js';
import { postPartnership, createApiAppWithOrganization } from './support/factories.js';
import { createTestApp } from './support/test-app.js';
import { signInToPages } from './support/web-agent.js';

/**
 * SPEC: refused attempts count against the caller's write rate limit, so no one can flood the audit
 * chain with them; and what one refusal's row holds is bounded. The limit is set small here,
 * through the validated configuration, as an operator would set it.
 */

const LIMIT = 6;

let api: ApiApp;
let organizationId: string;

beforeAll(async () => {
  ({ api, organizationId } = await createApiAppWithOrganization({ RATE_LIMIT_WRITES_PER_MINUTE: String(LIMIT) }));
});

afterAll(() => api.close());

interface AuditRow {
  action: string;
  entityId: string;
  payload: Record<string, unknown>;
}

async function refusalsOf(user: UserName): Promise<AuditRow[]> {
  return (await api.as('admin').get(`/api/audit?actor=${api.ids[user]}&outcome=denied&limit=200`).expect(200)).body.items;
}

describe('refused attempts and the write rate limit', () => {
  it('lets an auditor leave as many refusals as the limit allows, then answers 429 and writes no row', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 3; i++) {
      const response = await api
        .as('auditor')
        .patch(`/api/organizations/${organizationId}`)
        .set('If-Match', '"1"')
        .send({ city: `Attempt ${i}` });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.body).toMatchObject({ statusCode: 429, code: 'TOO_MANY_REQUESTS' });
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(403), 429, 429, 429]);
    const rows = await refusalsOf('auditor');
    expect(rows).toHaveLength(LIMIT);
    expect(rows.every((r) => r.action === 'PATCH /api/organizations/:id' && r.entityId === organizationId)).toBe(true);
  });

  it("counts a refused read like a refused change, and then refuses the caller's changes too: one limit", async () => {
    const own = await postPartnership(api, organizationId, {}, 'manager2');
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push((await api.as('manager2').get('/api/audit')).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(403), 429]);
    const submit = await api
      .as('manager2')
      .post(`/api/partnerships/${own.id}/events`)
      .set('If-Match', `"${own.version}"`)
      .send({ type: 'SUBMIT_FOR_APPROVAL' });
    expect(submit.status).toBe(429);
    expect((await api.as('auditor').get(`/api/partnerships/${own.id}`).expect(200)).body.state).toBe('proposal');
    expect(await refusalsOf('manager2')).toHaveLength(LIMIT);
  });

  it('takes two points for a refused event: one as a write, one for its row', async () => {
    const proposal = await drivePartnership(api, organizationId, 'proposal');
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT / 2 + 1; i++) {
      const response = await api
        .as('approver')
        .post(`/api/partnerships/${proposal.id}/events`)
        .set('If-Match', `"${proposal.version}"`)
        .send({ type: 'AGREE_TEXT' });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array(LIMIT / 2).fill(409), 429]);
    expect(await refusalsOf('approver')).toHaveLength(LIMIT / 2);
  });

  it("counts the pages' refusals against the same limit as the API's", async () => {
    const pages = await signInToPages(api.http, 'approver2');
    await pages.get(`/ui/organizations/${organizationId}`);
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) {
      statuses.push(
        (await pages.post(`/ui/organizations/${organizationId}/details`, { version: '1', name: 'Renamed by an approver', kind: 'university', country: 'PK' }))
          .status,
      );
    }
    expect(statuses).toEqual(Array(LIMIT).fill(403));
    const page = await pages.post(`/ui/organizations/${organizationId}/details`, {
      version: '1',
      name: 'Renamed by an approver',
      kind: 'university',
      country: 'PK',
    });
    expect(page.status).toBe(429);
    expect(page.html).toContain('Too many attempts');
    await api.as('approver2').patch(`/api/organizations/${organizationId}`).set('If-Match', '"1"').send({ city: 'Quetta' }).expect(429);
    expect(await refusalsOf('approver2')).toHaveLength(LIMIT);
  });

  it("records a page's refusal that no service recorded, as the API does: an admin disabling themselves", async () => {
    const pages = await signInToPages(api.http, 'admin', ADMIN_PASSWORD);
    await pages.get('/ui/users');
    const refused = await pages.post(`/ui/users/${api.ids.admin}`, { roles: 'admin', active: 'false' });
    expect(refused.status).toBe(422);
    expect((await refusalsOf('admin')).map((r) => [r.action, r.entityId, r.payload.code])).toEqual([['POST /ui/users/:id', api.ids.admin, 'GUARD_FAILED']]);
  });
});

describe('what one refusal row holds', () => {
  it('keeps at most 500 characters of any text, with the length and SHA-256 of the whole text', async () => {
    const proposal = await drivePartnership(api, organizationId, 'proposal');
    const comment = `${'Why not? '.repeat(555)}🙂`;
    const report = 'r'.repeat(10_000);
    await api
      .as('managerApprover')
      .post(`/api/partnerships/${proposal.id}/events`)
      .set('If-Match', `"${proposal.version}"`)
      .send({ type: 'MARK_HELD', comment, data: { report, attendance: 3 } })
      .expect(409);
    const [row] = await refusalsOf('managerApprover');
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(row.payload).toMatchObject({
      code: 'EVENT_NOT_ALLOWED',
      comment: comment.slice(0, 500),
      data: { report: report.slice(0, 500), attendance: 3 },
      truncated: { comment: { length: comment.length, sha256: sha256(comment) }, 'data.report': { length: 10_000, sha256: sha256(report) } },
    });
    expect(JSON.stringify(row.payload).length).toBeLessThan(2500);
    expect((await api.as('auditor').get('/api/audit/verify').expect(200)).body.ok).toBe(true);
  });
});

describe('RATE_LIMIT_WRITES_PER_MINUTE', () => {
  afterAll(() => {
    process.env.RATE_LIMIT_WRITES_PER_MINUTE = String(LIMIT);
  });

  it('is checked at start: a value that is no whole number of at least 1 stops the service with its name', async () => {
    for (const value of ['many', '0', '1.5']) {
      await expect(createTestApp({ env: { RATE_LIMIT_WRITES_PER_MINUTE: value } })).rejects.toThrow(/invalid configuration: .*RATE_LIMIT_WRITES_PER_MINUTE/);
    }
  });
});
