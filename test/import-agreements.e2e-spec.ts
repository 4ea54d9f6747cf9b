import ExcelJS from 'exceljs';
import { createApiApp, type ApiApp } from './support/api.js';
import { postOrganization } from './support/factories.js';

interface Check {
  rows: number;
  valid: number;
  invalid: Array<{ row: number; errors: string[] }>;
}

const HEADER = 'Organization,Title,effectiveFrom,expiresOn,Signatories,Activities';
const BEACONHOUSE = [
  'Beaconhouse University',
  'MOU on research and teaching',
  '2024-09-01',
  '2027-08-31',
  '"partner: Rector, Beaconhouse University, 2024-08-20; own: Executive Director, 2024-08-25"',
  '"annual_lecture: Annual named lecture; research visit: Research visit"',
].join(',');

/** SPEC "Workflows evolve": agreements signed before the system, imported from CSV or Excel through RECORD_EXISTING, all or nothing. */
describe('import of existing agreements', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
    await postOrganization(api, { name: 'Beaconhouse University', contacts: [] });
    await postOrganization(api, { name: 'National Police Academy', contacts: [] });
  });

  afterAll(() => api.close());

  const send = (bytes: Buffer, filename: string, dryRun = false, user: 'admin' | 'manager' = 'admin') =>
    api
      .as(user)
      .post(`/api/import/agreements${dryRun ? '?dryRun=true' : ''}`)
      .attach('file', bytes, filename);
  const count = async () => (await api.as('auditor').get('/api/partnerships?limit=1').expect(200)).body.total as number;

  it('dry-runs a file: every invalid row with every reason, nothing written; then refuses it whole', async () => {
    const file = Buffer.from(
      [
        HEADER,
        BEACONHOUSE,
        'Nowhere Institute,Old MOU,2024-01-01,2027-12-31,"partner: Dean, 2023-12-01; own: Director, 2023-12-02",',
        'National Police Academy,Expired MOU,2020-01-01,2025-12-31,"partner: Commandant, 2019-12-01; own: Director, 2019-12-02",',
        'National Police Academy,Half signed,2025-01-01,2028-12-31,"partner: Commandant, 2024-12-01",',
        'National Police Academy,Bad cell,2025-01-01,2028-12-31,"Commandant signed",',
      ].join('\n'),
    );
    const before = await count();
    const check = (await send(file, 'agreements.csv', true).expect(200)).body as Check;
    expect(check).toMatchObject({ rows: 5, valid: 1 });
    const reasons = Object.fromEntries(check.invalid.map(({ row, errors }) => [row, errors.join(' | ')]));
    expect(reasons).toEqual({
      3: 'organization: no organization is named "Nowhere Institute": import or add it first',
      4: 'the term would already have ended: the expiry date (2025-12-31) is before today (2026-03-02)',
      5: 'data.signatures must contain at least 2 elements',
      6: 'signatories: write each as "partner: name, YYYY-MM-DD" or "own: name, YYYY-MM-DD", separated by ";": "Commandant signed" is not',
    });
    expect(await count()).toBe(before);
    const refused = await send(file, 'agreements.csv').expect(422);
    expect(refused.body).toMatchObject({ code: 'IMPORT_INVALID', details: { rows: 5, valid: 1 } });
    expect(await count()).toBe(before);
    await send(file, 'agreements.csv', true, 'manager').expect(403);
  });

  it('imports a workbook whole: each row a partnership recorded in force, its activities planned', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Agreements');
    sheet.addRow(['organization', 'title', 'effectiveFrom', 'expiresOn', 'signatories', 'activities']);
    sheet.addRow([
      'Beaconhouse University',
      'MOU on research and teaching',
      '2024-09-01',
      '2027-08-31',
      'partner: Rector, Beaconhouse University, 2024-08-20; own: Executive Director, 2024-08-25',
      'annual_lecture: Annual named lecture; research visit: Research visit',
    ]);
    sheet.addRow(['national police academy', 'Training MOU', '2025-01-01', '2028-12-31', 'partner: Commandant, 2024-12-01; own: Director, 2024-12-02', '']);
    const result = (await send(Buffer.from(await book.xlsx.writeBuffer()), 'agreements.xlsx').expect(201)).body as {
      rows: number;
      created: Array<{ row: number; id: string; name: string }>;
    };
    expect(result.rows).toBe(2);
    expect(result.created.map(({ row, name }) => [row, name])).toEqual([
      [2, 'MOU on research and teaching'],
      [3, 'Training MOU'],
    ]);
    const first = (await api.as('auditor').get(`/api/partnerships/${result.created[0].id}`).expect(200)).body;
    expect(first).toMatchObject({
      state: 'in_force.active',
      currentTerm: { kind: 'existing', effectiveFrom: '2024-09-01', expiresOn: '2027-08-31' },
      signatures: { partner: { signatory: 'Rector, Beaconhouse University', signedOn: '2024-08-20' }, own: { signatory: 'Executive Director' } },
      recordedExisting: { by: api.ids.admin },
      proposedActivities: [
        { kind: 'annual_lecture', title: 'Annual named lecture' },
        { kind: 'research_visit', title: 'Research visit' },
      ],
    });
    expect((first.activities as Array<{ occurrences: unknown[] }>).every((series) => series.occurrences.length > 0)).toBe(true);
    const history = (await api.as('auditor').get(`/api/partnerships/${result.created[1].id}/history`).expect(200)).body.items as Array<{ action: string }>;
    expect(history.map((row) => row.action)).toEqual(['CREATE', 'RECORD_EXISTING']);
    expect((await api.as('auditor').get(`/api/partnerships/${result.created[1].id}/replay`).expect(200)).body.ok).toBe(true);
  });
});
