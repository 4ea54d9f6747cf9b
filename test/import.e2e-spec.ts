import ExcelJS from 'exceljs';
import { createApiApp, type ApiApp } from './support/api.js';
import { postOrganization } from './support/factories.js';

/** A workbook built as a spreadsheet program would save it: `rows[0]` in row 1, an undefined row left blank. */
async function workbook(rows: Array<ExcelJS.CellValue[] | undefined>): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Register');
  rows.forEach((values, index) => {
    if (values) sheet.getRow(index + 1).values = values;
  });
  return Buffer.from(await book.xlsx.writeBuffer());
}

interface Check {
  rows: number;
  valid: number;
  invalid: Array<{ row: number; errors: string[] }>;
}

/** SPEC, "Engagements, people and follow-ups": importing an office's register of organizations and people. */
describe('import of organizations and people', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp({ MAX_UPLOAD_MB: '1' });
    await postOrganization(api, { name: 'Beaconhouse University', contacts: [] });
  });

  afterAll(() => api.close());

  const send = (kind: string, bytes: Buffer, filename: string, dryRun = false) =>
    api
      .as('manager')
      .post(`/api/import/${kind}${dryRun ? '?dryRun=true' : ''}`)
      .attach('file', bytes, filename);
  const csv = (text: string) => Buffer.from(text);
  const organizationCount = async () => (await api.as('auditor').get('/api/organizations?limit=1').expect(200)).body.total as number;
  const peopleCount = async () => (await api.as('auditor').get('/api/people?limit=1').expect(200)).body.total as number;

  it('dry-runs organizations: every invalid row with every reason, by its spreadsheet row, and writes nothing', async () => {
    const file = csv(
      [
        'Name,Kind,Country,City,Website',
        'Centre for Human Rights,civil_society,Pakistan,Lahore,https://cfhr.example.org',
        'Sindh Police,police,Pakistn,Karachi,',
        '"Punjab Police, Lahore",law_enforcement,PK,Lahore,not a website',
        'centre for human rights,civil_society,PK,,',
        'beaconhouse university,university,PK,,',
        ',university,GB,London,,extra',
        '"=HYPERLINK(""http://evil.example"")",other,gb,,',
      ].join('\n'),
    );
    const before = await organizationCount();
    const check = (await send('organizations', file, 'register.csv', true).expect(200)).body as Check;
    expect(check).toMatchObject({ rows: 7, valid: 2 });
    const reasons = Object.fromEntries(check.invalid.map(({ row, errors }) => [row, errors.join(' | ')]));
    expect(Object.keys(reasons).map(Number)).toEqual([3, 4, 5, 6, 7]);
    expect(reasons[3]).toMatch(/kind must be one of/);
    expect(reasons[3]).toMatch(/country "Pakistn" is neither a country's name nor its two-letter code/);
    expect(reasons[4]).toMatch(/website must be a URL/);
    expect(reasons[5]).toMatch(/the same as row 2/);
    expect(reasons[6]).toMatch(/an organization named "beaconhouse university" is recorded already/);
    expect(reasons[7]).toMatch(/1 cell beyond the columns the header names/);
    expect(reasons[7]).toMatch(/name must be/);
    expect(await organizationCount()).toBe(before);

    // Without the dry run the same file is refused whole, with the same list.
    const refused = await send('organizations', file, 'register.csv').expect(422);
    expect(refused.body).toMatchObject({ code: 'IMPORT_INVALID', details: check });
    expect(await organizationCount()).toBe(before);
  });

  it('imports a valid CSV whole, each organization audited; a formula stays the text it was', async () => {
    const file = csv(
      [
        '\uFEFFname,kind,country,city',
        'Centre for Human Rights,Civil society,Pakistan,Lahore',
        '"Punjab Police, Lahore",law-enforcement,pk,"Lahore',
        'Punjab"',
        '',
        '=1+2,other,united kingdom,',
      ].join('\r\n'),
    );
    const before = await organizationCount();
    expect((await send('organizations', file, 'register.csv', true).expect(200)).body).toEqual({ rows: 3, valid: 3, invalid: [] });
    const result = await send('organizations', file, 'register.csv').expect(201);
    expect(result.body.rows).toBe(3);
    expect(result.body.created.map((c: { row: number; name: string }) => [c.row, c.name])).toEqual([
      [2, 'Centre for Human Rights'],
      [3, 'Punjab Police, Lahore'],
      [5, '=1+2'],
    ]);
    expect(await organizationCount()).toBe(before + 3);
    const [cfhr, punjab, formula] = result.body.created as Array<{ id: string }>;
    expect((await api.as('auditor').get(`/api/organizations/${cfhr.id}`).expect(200)).body).toMatchObject({
      kind: 'civil_society',
      country: 'PK',
      city: 'Lahore',
      website: null,
    });
    expect((await api.as('auditor').get(`/api/organizations/${punjab.id}`).expect(200)).body).toMatchObject({
      kind: 'law_enforcement',
      city: 'Lahore\r\nPunjab',
    });
    expect((await api.as('auditor').get(`/api/organizations/${formula.id}`).expect(200)).body).toMatchObject({ name: '=1+2', country: 'GB' });
    const audit = (await api.as('auditor').get(`/api/audit?entityId=${punjab.id}`).expect(200)).body.items as Array<{
      action: string;
      entityType: string;
      payload: { import?: { kind: string; row: number } };
    }>;
    expect(audit.map((row) => [row.action, row.entityType, row.payload.import])).toEqual([['CREATE', 'organization', { kind: 'organizations', row: 3 }]]);

    // Sent again, every row is a duplicate of what it recorded.
    const again = (await send('organizations', file, 'register.csv', true).expect(200)).body as Check;
    expect(again).toMatchObject({ rows: 3, valid: 0 });
    expect(again.invalid.map((r) => r.row)).toEqual([2, 3, 5]);
  });

  it('dry-runs and imports people from a workbook, matched to recorded organizations by name', async () => {
    await postOrganization(api, { name: 'National Police Academy', kind: 'law_enforcement', contacts: [] });
    await api.as('manager').post('/api/people').send({ name: 'Tariq Khosa', email: 'khosa@example.org', affiliations: [] }).expect(201);
    const header = ['Name', 'Email', 'Phone', 'Organization', 'Title'];
    const rows = [
      header,
      ['Dr Kaleem', 'kaleem@example.org', '+92 51 000 000', 'national police academy', 'Professor'],
      ['Sevim Saadat', 'saadat@example.org', undefined, 'Centre for Research Nobody Recorded', 'Director'],
      undefined,
      ['T. Khosa', 'KHOSA@example.org'],
      ['Aisha', 'aisha@example.org', 'call me', undefined, 'Director'],
      ['K. Again', 'kaleem@example.org'],
      [{ formula: 'CONCAT("Muhammad ","Idrees")', result: 'Muhammad Idrees' }, undefined, undefined, 'National Police Academy', 'Commandant'],
    ];
    const before = await peopleCount();
    const check = (await send('people', await workbook(rows), 'people.xlsx', true).expect(200)).body as Check;
    expect(check).toMatchObject({ rows: 6, valid: 2 });
    const reasons = Object.fromEntries(check.invalid.map(({ row, errors }) => [row, errors.join(' | ')]));
    expect(Object.keys(reasons).map(Number)).toEqual([3, 5, 6, 7]);
    expect(reasons[3]).toMatch(/no organization is named "Centre for Research Nobody Recorded"; people are matched to organizations already recorded/);
    expect(reasons[5]).toMatch(/a person with the address KHOSA@example.org is recorded already/);
    expect(reasons[6]).toMatch(/phone may hold digits/);
    expect(reasons[6]).toMatch(/a title is held at an organization/);
    expect(reasons[7]).toMatch(/the same address as row 2/);
    await send('people', await workbook(rows), 'people.xlsx').expect(422);
    expect(await peopleCount()).toBe(before);

    const good = [rows[0], rows[1], undefined, rows[7]];
    const result = await send('people', await workbook(good), 'people.xlsx').expect(201);
    expect(result.body.created.map((c: { row: number; name: string }) => [c.row, c.name])).toEqual([
      [2, 'Dr Kaleem'],
      [4, '=CONCAT("Muhammad ","Idrees")'],
    ]);
    const kaleem = (await api.as('auditor').get(`/api/people/${result.body.created[0].id}`).expect(200)).body;
    expect(kaleem).toMatchObject({
      email: 'kaleem@example.org',
      phone: '+92 51 000 000',
      affiliations: [{ organizationName: 'National Police Academy', title: 'Professor' }],
    });
    expect(await peopleCount()).toBe(before + 2);
  });

  it('answers every invalid row of a refused import, and its audit row keeps the first 50 with the count and hash of all', async () => {
    const file = csv(['name,kind,country', ...Array.from({ length: 120 }, (_, i) => `Nowhere ${i},other,Atlantis`)].join('\n'));
    const refused = await send('organizations', file, 'many.csv').expect(422);
    expect(refused.body.details.invalid).toHaveLength(120);
    const action = encodeURIComponent('POST /api/import/organizations');
    const rows = (await api.as('auditor').get(`/api/audit?outcome=denied&action=${action}`).expect(200)).body.items as Array<{
      payload: { code: string; details: { invalid: unknown[] }; truncated: Record<string, { length: number }> };
    }>;
    const row = rows.find((r) => r.payload.truncated?.['details.invalid']);
    expect(row?.payload.code).toBe('IMPORT_INVALID');
    expect(row?.payload.details.invalid).toHaveLength(50);
    expect(row?.payload.truncated['details.invalid'].length).toBe(120);
  });

  it('takes a CSV sent as the whole body', async () => {
    const result = await api
      .as('manager')
      .post('/api/import/people')
      .set('Content-Type', 'text/csv; charset=utf-8')
      .send('name,organization,title\nAmbassador Mansoor Ahmad Khan,Beaconhouse University,Director\n')
      .expect(201);
    expect(result.body.created).toHaveLength(1);
    await api.as('manager').post('/api/import/people?dryRun=true').set('Content-Type', 'application/json').send({ name: 'x' }).expect(415);
  });

  it('refuses files it cannot read with a code, never a 500, and writes nothing', async () => {
    const before = await organizationCount();
    const refusal = async (bytes: Buffer, filename: string, status: number, code: string, kind = 'organizations') => {
      const answer = await send(kind, bytes, filename, true).expect(status);
      expect(answer.body.code).toBe(code);
      return answer.body.message as string;
    };
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    await refusal(garbage, 'register.csv', 415, 'UNSUPPORTED_MEDIA_TYPE');
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5e0f3b50000000049454e44ae426082',
      'hex',
    );
    await refusal(png, 'register.xlsx', 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await refusal(csv('name,kind,country\n"Broken quote,university,PK\n'), 'broken.csv', 422, 'UNREADABLE_FILE')).toMatch(/CSV file cannot be read/);
    expect(await refusal(await workbook([undefined, ['name', 'kind', 'country'], ['X', 'other', 'PK']]), 'late.xlsx', 422, 'UNREADABLE_FILE')).toMatch(
      /first row must name the fields/,
    );
    const xlsx = await workbook([
      ['name', 'kind', 'country'],
      ['X', 'other', 'PK'],
    ]);
    await refusal(Buffer.concat([xlsx.subarray(0, 600), Buffer.alloc(600, 7)]), 'cut.xlsx', 422, 'UNREADABLE_FILE');
    expect(await refusal(csv('name,kind,country,motto\nX,other,PK,Y\n'), 'motto.csv', 422, 'UNREADABLE_FILE')).toMatch(/"motto"/);
    expect(await refusal(csv('name,city\nX,Lahore\n'), 'partial.csv', 422, 'UNREADABLE_FILE')).toMatch(/no "kind", "country" column/);
    await refusal(csv('name,kind,country\n'), 'empty.csv', 422, 'UNREADABLE_FILE');
    await refusal(csv(''), 'nothing.csv', 422, 'UNREADABLE_FILE');
    const many = ['name,kind,country', ...Array.from({ length: 5001 }, (_, i) => `Organization ${i},other,PK`)].join('\n');
    await refusal(csv(many), 'many.csv', 422, 'TOO_MANY_ROWS');
    // Reading stops at the first row past the bound: what follows it (here a broken quote) is never parsed.
    await refusal(csv(`${many}\n"Broken quote,other,PK\n`), 'many-then-broken.csv', 422, 'TOO_MANY_ROWS');
    // One record of 100,000 empty cells, and one of 100,000 characters: refused as they are read.
    const wide = await send('organizations', csv(`name,kind,country\nX,other,PK${','.repeat(100_000)}\n`), 'wide.csv', true).expect(422);
    expect(wide.body).toMatchObject({ code: 'UNREADABLE_FILE', details: { reason: 'TOO_MANY_CELLS', maxCells: 100 } });
    const long = await send('organizations', csv(`name,kind,country\n${'x'.repeat(100_000)},other,PK\n`), 'long.csv', true).expect(422);
    expect(long.body).toMatchObject({ code: 'UNREADABLE_FILE', details: { reason: 'CSV_MAX_RECORD_SIZE' } });
    await refusal(Buffer.alloc(1024 * 1024 + 1, 'a'), 'huge.csv', 413, 'PAYLOAD_TOO_LARGE');
    // A zip bomb: 21 MB of one cell packed into a few KB. Read whole, 100 MB of it took 7.3 s.
    const bomb = await workbook([
      ['name', 'kind', 'country'],
      ['a'.repeat(21 * 1024 * 1024), 'other', 'PK'],
    ]);
    expect(bomb.length).toBeLessThan(100 * 1024);
    expect(await refusal(bomb, 'bomb.xlsx', 413, 'PAYLOAD_TOO_LARGE')).toMatch(/unpacks to more than 20 MB/);
    await api.as('auditor').post('/api/import/organizations').attach('file', csv('name,kind,country\nX,other,PK\n'), 'x.csv').expect(403);
    await api.as('manager').post('/api/import/organizations').field('kind', 'x').attach('file', csv('name,kind,country\nX,other,PK\n'), 'x.csv').expect(400);
    expect(await organizationCount()).toBe(before);
  });
});
