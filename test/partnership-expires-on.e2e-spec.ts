import { DataSource } from 'typeorm';
import { plainExecute, plainQuery } from '../src/database/plain-query.js';
import { PartnershipExpiresOn1764321000000 } from '../src/database/migrations/1764321000000-partnership-expires-on.js';
import { TimersService } from '../src/timers/timers.service.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { drivePartnership, sendEvent, SHORT_TERM, type Driven } from './support/drive.js';
import { postOrganization } from './support/factories.js';
import { runMigrationStep } from './support/migrate.js';

/**
 * `partnerships.expires_on` mirrors the expiry date of the term in force, and only while the
 * partnership is in force: the pipeline report finds the MOUs about to expire through its index.
 */
describe('the expiry date the pipeline report reads', () => {
  let api: ApiApp;
  let dataSource: DataSource;
  let organizationId: string;

  beforeAll(async () => {
    api = await createApiApp();
    dataSource = api.get(DataSource);
    organizationId = await postOrganization(api);
  });

  afterAll(async () => {
    await api.close();
  });

  const stored = async (ids: string[]): Promise<Array<string | null>> => {
    const rows = await dataSource.query<Array<{ id: string; expires_on: string | null }>>(`SELECT id, expires_on FROM partnerships`);
    const byId = new Map(rows.map((row) => [row.id, row.expires_on]));
    return ids.map((id) => byId.get(id) ?? null);
  };
  const expiringInReport = async (): Promise<Array<[string, string]>> =>
    ((await api.as('auditor').get('/api/reports/pipeline').expect(200)).body.expiring.items as Array<{ id: string; expiresOn: string }>).map((item) => [
      item.id,
      item.expiresOn,
    ]);

  it('is set when the MOU comes into force, follows a renewal, and is cleared when it ends', async () => {
    const proposal = await drivePartnership(api, organizationId, 'proposal');
    const agreed = await drivePartnership(api, organizationId, 'awaiting_signatures');
    let due: Driven = await drivePartnership(api, organizationId, 'in_force.renewal_due');
    // The agreed text carries an expiry date too, but nothing is in force yet.
    expect(await stored([proposal.id, agreed.id, due.id])).toEqual([null, null, SHORT_TERM.expiresOn]);
    expect(await expiringInReport()).toEqual([[due.id, SHORT_TERM.expiresOn]]);

    // Renewed to a date still within the report's 90 days of the test clock (2026-03-02).
    const renewed = await sendEvent(api, 'approver', due.id, due.version, { type: 'RENEW', data: { expiresOn: '2026-05-30' } }).expect(200);
    due = { id: due.id, version: renewed.body.version as number };
    expect(renewed.body.state).toBe('in_force.active');
    expect(await stored([due.id])).toEqual(['2026-05-30']);
    expect(await expiringInReport()).toEqual([[due.id, '2026-05-30']]);

    await sendEvent(api, 'approver', due.id, due.version, { type: 'TERMINATE', comment: 'The partner closed the programme.' }).expect(200);
    expect(await stored([due.id])).toEqual([null]);
    expect(await expiringInReport()).toEqual([]);
  });

  it('is cleared when the term runs out', async () => {
    const due = await drivePartnership(api, organizationId, 'in_force.renewal_due');
    expect(await stored([due.id])).toEqual([SHORT_TERM.expiresOn]);
    api.clock.set('2026-05-16T00:00:00.000Z');
    await api.get(TimersService).fireDue();
    expect((await api.as('auditor').get(`/api/partnerships/${due.id}`).expect(200)).body.state).toBe('expired');
    expect(await stored([due.id])).toEqual([null]);
  });

  it('is filled in by its migration from the contexts of partnerships in force, well-formed dates only', async () => {
    const inForce = await drivePartnership(api, organizationId, 'in_force.active');
    const malformed = await drivePartnership(api, organizationId, 'in_force.active');
    const agreed = await drivePartnership(api, organizationId, 'awaiting_signatures');
    const [{ context }] = await plainQuery<{ context: string }>(dataSource, 'SELECT context FROM partnerships WHERE id = ?', [malformed.id]);
    await plainExecute(dataSource, 'UPDATE partnerships SET context = ? WHERE id = ?', [
      JSON.stringify({ ...JSON.parse(context), expiresOn: 'next spring' }),
      malformed.id,
    ]);
    const before = await stored([inForce.id, malformed.id, agreed.id]);
    expect(before[0]).toBe('2029-03-31');

    await runMigrationStep(dataSource, new PartnershipExpiresOn1764321000000(), 'down');
    const columns = await plainQuery(dataSource, 'SELECT * FROM partnerships WHERE id = ?', [inForce.id]);
    expect(Object.keys(columns[0])).not.toContain('expires_on');
    await runMigrationStep(dataSource, new PartnershipExpiresOn1764321000000(), 'up');
    expect(await stored([inForce.id, malformed.id, agreed.id])).toEqual(['2029-03-31', null, null]);
  });
});
