import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { People1764329000000 } from '../src/database/migrations/1764329000000-people.js';
import { plainExecute, plainQuery } from '../src/database/plain-query.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { postOrganization } from './support/factories.js';
import { runMigrationStep } from './support/migrate.js';

/** People met, at one organization or several; organizations within organizations; contacts become people. */
describe('people and the organizations they belong to', () => {
  let api: ApiApp;
  let university: string;
  let centre: string;

  beforeAll(async () => {
    api = await createApiApp();
    university = await postOrganization(api, { name: 'Universal College Lahore', contacts: [] });
    centre = await postOrganization(api, { name: 'Centre for Human Rights', kind: 'civil_society', contacts: [] });
  });

  afterAll(() => api.close());

  const auditRowsOf = async (entityId: string): Promise<Array<{ action: string; entityType: string; outcome: string }>> =>
    (await api.as('auditor').get(`/api/audit?entityId=${entityId}`).expect(200)).body.items;
  const person = (body: object) => api.as('manager').post('/api/people').send(body);

  it('records a person with several affiliations, and finds them by organization and by name', async () => {
    const created = await person({
      name: 'Barrister Umar Khan',
      email: 'umar.khan@example.org',
      phone: '+92 42 111 000 000',
      affiliations: [
        { organizationId: centre, title: 'Director' },
        { organizationId: university, title: 'Lecturer in law' },
      ],
    }).expect(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.headers.etag).toBe('"1"');
    expect(created.body).toMatchObject({
      name: 'Barrister Umar Khan',
      email: 'umar.khan@example.org',
      notes: null,
      version: 1,
      affiliations: [
        { organizationId: centre, organizationName: 'Centre for Human Rights', title: 'Director' },
        { organizationId: university, organizationName: 'Universal College Lahore', title: 'Lecturer in law' },
      ],
    });
    await person({ name: 'Ms Sevim Saadat', affiliations: [{ organizationId: centre }] }).expect(201);

    const atCentre = (await api.as('auditor').get(`/api/people?organizationId=${centre}`).expect(200)).body;
    expect(atCentre.total).toBe(2);
    expect(atCentre.items.map((p: { name: string }) => p.name)).toEqual(['Barrister Umar Khan', 'Ms Sevim Saadat']);
    const atUniversity = (await api.as('auditor').get(`/api/people?organizationId=${university}&q=UMAR`).expect(200)).body;
    expect(atUniversity.items.map((p: { name: string }) => p.name)).toEqual(['Barrister Umar Khan']);
    expect((await api.as('auditor').get(`/api/people/${created.body.id}`).expect(200)).body).toEqual(created.body);

    const audit = await auditRowsOf(created.body.id);
    expect(audit.map((row) => [row.action, row.entityType, row.outcome])).toEqual([['CREATE', 'person', 'ok']]);
  });

  it('edits a person with If-Match, through one audited edit, and replaces the affiliations', async () => {
    const { id } = (await person({ name: 'Dr Kaleem', affiliations: [{ organizationId: university }] }).expect(201)).body;
    await api.as('manager').patch(`/api/people/${id}`).send({ notes: 'x' }).expect(428);
    await api.as('manager').patch(`/api/people/${id}`).set('If-Match', '"7"').send({ notes: 'x' }).expect(412);
    const edited = await api
      .as('manager')
      .patch(`/api/people/${id}`)
      .set('If-Match', '"1"')
      .send({ notes: 'Focal point for the NPA.', affiliations: [{ organizationId: centre, title: 'Adviser' }] })
      .expect(200);
    expect(edited.headers.etag).toBe('"2"');
    expect(edited.body).toMatchObject({ version: 2, notes: 'Focal point for the NPA.', affiliations: [{ organizationId: centre, title: 'Adviser' }] });
    const cleared = await api.as('manager').patch(`/api/people/${id}`).set('If-Match', '"2"').send({ notes: null }).expect(200);
    expect(cleared.body.notes).toBeNull();
    // The stale edit is audited as a refusal, beside the changes.
    expect((await auditRowsOf(id)).map((row) => [row.action, row.outcome])).toEqual([
      ['CREATE', 'ok'],
      ['PATCH /api/people/:id', 'denied'],
      ['UPDATE', 'ok'],
      ['UPDATE', 'ok'],
    ]);
    // Only managers change people; nobody may name an organization that is not there, or one twice.
    await api.as('auditor').patch(`/api/people/${id}`).set('If-Match', '"3"').send({ notes: 'x' }).expect(403);
    const unknown = randomUUID();
    expect((await person({ name: 'Nobody', affiliations: [{ organizationId: unknown }] }).expect(404)).body.code).toBe('NOT_FOUND');
    await person({ name: 'Twice', affiliations: [{ organizationId: centre }, { organizationId: centre }] }).expect(400);
    await person({ name: 'No list' }).expect(400);
    await person({ name: 'Phone', phone: 'call me', affiliations: [] }).expect(400);
    await api.as('auditor').get(`/api/people?organizationId=${unknown}`).expect(400);
    expect((await api.as('auditor').get(`/api/people/${id}`).expect(200)).body.version).toBe(3);
  });

  it('nests organizations without cycles, and shows parent, children and people on the organization', async () => {
    const bu = await postOrganization(api, { name: 'Beaconhouse University', contacts: [] });
    const bcpr = (
      await api
        .as('manager')
        .post('/api/organizations')
        .send({ name: 'Beaconhouse Centre for Policy Research', kind: 'think_tank', country: 'PK', parentId: bu })
        .expect(201)
    ).body;
    expect(bcpr.parent).toEqual({ id: bu, name: 'Beaconhouse University' });
    const director = (await person({ name: 'Ambassador Mansoor Ahmad Khan', affiliations: [{ organizationId: bcpr.id, title: 'Director, BCPR' }] }).expect(201))
      .body;
    const parent = (await api.as('auditor').get(`/api/organizations/${bu}`).expect(200)).body;
    expect(parent).toMatchObject({ parentId: null, parent: null, children: [{ id: bcpr.id, name: 'Beaconhouse Centre for Policy Research' }], people: [] });
    const child = (await api.as('auditor').get(`/api/organizations/${bcpr.id}`).expect(200)).body;
    expect(child).toMatchObject({ parentId: bu, people: [{ id: director.id, name: 'Ambassador Mansoor Ahmad Khan', title: 'Director, BCPR' }] });

    // The university cannot become part of its own centre, nor of itself.
    const cycle = await api.as('manager').patch(`/api/organizations/${bu}`).set('If-Match', '"1"').send({ parentId: bcpr.id }).expect(422);
    expect(cycle.body).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'noCycle' } });
    await api.as('manager').patch(`/api/organizations/${bu}`).set('If-Match', '"1"').send({ parentId: bu }).expect(422);
    await api.as('manager').patch(`/api/organizations/${bu}`).set('If-Match', '"1"').send({ parentId: randomUUID() }).expect(404);
    // Standing alone again.
    const alone = await api.as('manager').patch(`/api/organizations/${bcpr.id}`).set('If-Match', '"1"').send({ parentId: null }).expect(200);
    expect(alone.body).toMatchObject({ parentId: null, parent: null, version: 2 });
  });

  it('makes the contacts an organization is recorded or corrected with its people, once each', async () => {
    const npa = (
      await api
        .as('manager')
        .post('/api/organizations')
        .send({
          name: 'National Police Academy',
          kind: 'law_enforcement',
          country: 'PK',
          contacts: [
            { name: 'Muhammad Idrees Ahmed', title: 'Commandant' },
            { name: 'Dr Kaleem', email: 'kaleem@example.org' },
          ],
        })
        .expect(201)
    ).body;
    const peopleAt = async () =>
      (await api.as('auditor').get(`/api/people?organizationId=${npa.id}`).expect(200)).body.items.map(
        (p: { name: string; email: string | null; affiliations: Array<{ title: string | null }> }) => [p.name, p.email, p.affiliations[0].title],
      );
    expect(await peopleAt()).toEqual([
      ['Dr Kaleem', 'kaleem@example.org', null],
      ['Muhammad Idrees Ahmed', null, 'Commandant'],
    ]);
    expect(npa.people.map((p: { name: string }) => p.name)).toEqual(['Dr Kaleem', 'Muhammad Idrees Ahmed']);
    const kaleem = (await api.as('auditor').get(`/api/people?organizationId=${npa.id}&q=kaleem`).expect(200)).body.items[0];
    expect((await auditRowsOf(kaleem.id)).map((row) => [row.action, row.entityType, row.outcome])).toEqual([['CREATE', 'person', 'ok']]);

    // A correction that names them again (in another case) and someone new adds only the new one, and sending it twice adds nobody.
    const contacts = [{ name: 'DR KALEEM' }, { name: 'Muhammad Idrees Ahmed', title: 'Commandant' }, { name: 'Aisha Siddiqui', title: 'Director of Studies' }];
    await api.as('manager').patch(`/api/organizations/${npa.id}`).set('If-Match', '"1"').send({ contacts }).expect(200);
    await api.as('manager').patch(`/api/organizations/${npa.id}`).set('If-Match', '"2"').send({ contacts }).expect(200);
    expect(await peopleAt()).toEqual([
      ['Aisha Siddiqui', null, 'Director of Studies'],
      ['Dr Kaleem', 'kaleem@example.org', null],
      ['Muhammad Idrees Ahmed', null, 'Commandant'],
    ]);
    // A correction refused for its version adds nobody either.
    await api
      .as('manager')
      .patch(`/api/organizations/${npa.id}`)
      .set('If-Match', '"1"')
      .send({ contacts: [{ name: 'Stale Reader' }] })
      .expect(412);
    expect(await peopleAt()).toHaveLength(3);
  });

  it("turns every organization's contacts into people, one each, affiliated with their title (migration)", async () => {
    const dataSource = api.get(DataSource);
    const police = await postOrganization(api, {
      name: 'Sindh Police',
      kind: 'law_enforcement',
      contacts: [
        { name: 'Ghulam Nabi Memon', title: 'Inspector General of Police, Sindh' },
        { name: 'Amir Farooqui', title: 'DIGP (Investigation/Crime)', email: 'digp@example.org' },
        { name: 'Amir Farooqui' },
      ],
    });
    // A contact stored with fields the form no longer writes is kept all the same.
    const [{ contacts }] = await plainQuery<{ contacts: string }>(dataSource, 'SELECT contacts FROM organizations WHERE id = ?', [police]);
    await plainExecute(dataSource, 'UPDATE organizations SET contacts = ? WHERE id = ?', [
      JSON.stringify([...JSON.parse(contacts), { name: 'Desk officer', title: null, phone: '021' }]),
      police,
    ]);

    await runMigrationStep(dataSource, new People1764329000000(), 'down');
    await runMigrationStep(dataSource, new People1764329000000(), 'up');

    const migrated = (await api.as('auditor').get(`/api/people?organizationId=${police}`).expect(200)).body;
    expect(
      migrated.items.map((p: { name: string; email: string | null; affiliations: Array<{ title: string | null }> }) => [
        p.name,
        p.email,
        p.affiliations[0].title,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['Ghulam Nabi Memon', null, 'Inspector General of Police, Sindh'],
        ['Amir Farooqui', 'digp@example.org', 'DIGP (Investigation/Crime)'],
        ['Amir Farooqui', null, null],
        ['Desk officer', null, null],
      ]),
    );
    expect(migrated.total).toBe(4);
    // Every organization's contacts, and no more: those of the other organizations of this file too (Beaconhouse's dean).
    const allContacts = await plainQuery<{ contacts: string }>(dataSource, 'SELECT contacts FROM organizations', []);
    const contactCount = allContacts.reduce((sum, row) => sum + (JSON.parse(row.contacts) as unknown[]).length, 0);
    expect((await api.as('auditor').get('/api/people?limit=1').expect(200)).body.total).toBe(contactCount);
    // The contacts themselves stay on the organization.
    expect((await api.as('auditor').get(`/api/organizations/${police}`).expect(200)).body.contacts).toHaveLength(4);
  });
});
