import request from 'supertest';
import { createApiApp, type ApiApp } from './support/api.js';
import { organizationInput, postProposal } from './support/factories.js';

interface AuditRow {
  action: string;
  entityId: string;
  outcome: string;
  payload: { changes?: Record<string, unknown> };
}

/** JSON Merge Patch (RFC 7396) on PATCH: null clears an optional field; a required one refuses it. */
describe('clearing optional fields with null', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
  });

  afterAll(() => api.close());

  async function lastUpdate(entityId: string): Promise<AuditRow> {
    const rows = (await api.as('auditor').get(`/api/audit?entityId=${entityId}&action=UPDATE`).expect(200)).body.items as AuditRow[];
    expect(rows.length).toBeGreaterThan(0);
    return rows[rows.length - 1];
  }

  const newPartnership = () => postProposal(api, { focalPoint: 'Dean of Social Sciences', notes: 'Met in Lahore.' });

  it.each(['summary', 'programme', 'focalPoint', 'notes'])('clears a partnership’s %s with null, stores null and audits the change as null', async (field) => {
    const p = await newPartnership();
    const before = (await api.as('manager').get(`/api/partnerships/${p.id}`).expect(200)).body as Record<string, unknown>;
    expect(before[field]).toEqual(expect.any(String));
    const cleared = await api
      .as('manager')
      .patch(`/api/partnerships/${p.id}`)
      .set('If-Match', `"${p.version}"`)
      .send({ [field]: null })
      .expect(200);
    expect(cleared.body).toMatchObject({ [field]: null, version: p.version + 1 });
    expect(cleared.headers.etag).toBe(`"${p.version + 1}"`);
    expect((await api.as('manager').get(`/api/partnerships/${p.id}`).expect(200)).body[field]).toBeNull();
    const row = await lastUpdate(p.id);
    expect(row).toMatchObject({ outcome: 'ok', payload: { changes: { [field]: null } } });
  });

  it.each(['title', 'organizationId', 'proposedActivities', 'requiredApprovals', 'approvalSlaDays'])(
    'refuses null for a partnership’s required %s (400), changing nothing',
    async (field) => {
      const p = await newPartnership();
      const refused = await api
        .as('manager')
        .patch(`/api/partnerships/${p.id}`)
        .set('If-Match', `"${p.version}"`)
        .send({ [field]: null })
        .expect(400);
      expect(refused.body.code).toBe('VALIDATION_FAILED');
      expect((await api.as('manager').get(`/api/partnerships/${p.id}`).expect(200)).body.version).toBe(p.version);
    },
  );

  it('still refuses clearing a field the state does not let anyone edit (409), and audits the refusal', async () => {
    const p = await newPartnership();
    const submitted = await api
      .as('manager')
      .post(`/api/partnerships/${p.id}/events`)
      .set('If-Match', `"${p.version}"`)
      .send({ type: 'SUBMIT_FOR_APPROVAL' })
      .expect(200);
    const refused = await api
      .as('manager')
      .patch(`/api/partnerships/${p.id}`)
      .set('If-Match', `"${submitted.body.version}"`)
      .send({ summary: null })
      .expect(409);
    expect(refused.body).toMatchObject({ code: 'EVENT_NOT_ALLOWED' });
    expect(await lastUpdate(p.id)).toMatchObject({ outcome: 'denied' });
    const after = (await api.as('manager').get(`/api/partnerships/${p.id}`).expect(200)).body;
    expect(after.summary).toEqual(expect.any(String));
    // Notes stay editable until the MOU is in force, so clearing them is still allowed here.
    const cleared = await api.as('manager').patch(`/api/partnerships/${p.id}`).set('If-Match', `"${after.version}"`).send({ notes: null }).expect(200);
    expect(cleared.body.notes).toBeNull();
  });

  it.each(['city', 'website'])('clears an organization’s %s with null, stores null and audits the change as null', async (field) => {
    const org = await api
      .as('manager')
      .post('/api/organizations')
      .send(organizationInput({ website: 'https://www.bnu.edu.pk' }))
      .expect(201);
    expect(org.body[field]).toEqual(expect.any(String));
    const cleared = await api
      .as('manager')
      .patch(`/api/organizations/${org.body.id}`)
      .set('If-Match', `"${org.body.version}"`)
      .send({ [field]: null })
      .expect(200);
    expect(cleared.body).toMatchObject({ [field]: null, version: org.body.version + 1 });
    expect((await api.as('manager').get(`/api/organizations/${org.body.id}`).expect(200)).body[field]).toBeNull();
    expect(await lastUpdate(org.body.id)).toMatchObject({ outcome: 'ok', payload: { changes: { [field]: null } } });
  });

  it('documents in OpenAPI which fields of the PATCH bodies null clears, and no others', async () => {
    const doc = (await request(api.http).get('/api/docs-json').expect(200)).body as {
      components: { schemas: Record<string, { properties: Record<string, { type?: string | string[]; description?: string }> }> };
    };
    // OpenAPI 3.1 says a field takes null with `type: [T, 'null']`.
    const nullable = (schema: string) =>
      Object.entries(doc.components.schemas[schema].properties)
        .filter(([, property]) => Array.isArray(property.type) && property.type.includes('null'))
        .map(([name, property]) => [name, property.description?.includes('null in a PATCH clears it')]);
    expect(nullable('UpdatePartnershipDto')).toEqual([
      ['summary', true],
      ['programme', true],
      ['focalPoint', true],
      ['notes', true],
    ]);
    expect(nullable('UpdateOrganizationDto')).toEqual([
      ['city', true],
      ['website', true],
      ['parentId', true],
    ]);
  });

  it.each(['name', 'kind', 'country', 'contacts'])('refuses null for an organization’s required %s (400), changing nothing', async (field) => {
    const org = await api.as('manager').post('/api/organizations').send(organizationInput()).expect(201);
    const refused = await api
      .as('manager')
      .patch(`/api/organizations/${org.body.id}`)
      .set('If-Match', `"${org.body.version}"`)
      .send({ [field]: null })
      .expect(400);
    expect(refused.body.code).toBe('VALIDATION_FAILED');
    expect((await api.as('manager').get(`/api/organizations/${org.body.id}`).expect(200)).body.version).toBe(org.body.version);
  });
});
