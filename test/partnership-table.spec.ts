import { parse } from 'csv-parse/sync';
import { PassThrough } from 'node:stream';
import type { TableSort } from '../src/reports/dto/partnership-table.query.js';
import { UsersService } from '../src/users/users.service.js';
import { SYSTEM_ACTOR, type Actor } from '../src/workflow-engine/workflow.types.js';
import { PartnershipList } from '../src/web/partnership-list.js';
import { createProposal, sendFromCurrent } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The list view sorts every partnership by organization, stage, owner or next deadline, and exports the same order as CSV. */
describe('partnership list view: sorted by organization, stage, owner, next deadline; CSV', () => {
  let t: TestApp;
  let list: PartnershipList;
  const titles: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    list = t.get(PartnershipList);
    const owner = async (username: string, displayName: string): Promise<Actor> => {
      const user = await t.get(UsersService).create({ username, password: 'correct horse battery', displayName, roles: ['manager'] }, SYSTEM_ACTOR);
      return { id: user.id, roles: user.roles };
    };
    await t.get(UsersService).create({ username: 'approver', password: 'correct horse battery', roles: ['approver'] }, SYSTEM_ACTOR);
    const zoe = await owner('zoe', 'Zoe Zafar');
    const adam = await owner('adam', 'Adam Aziz');
    t.clock.set('2026-03-02T09:00:00.000Z');
    const lecture = await createProposal(t, { title: 'Annual lecture' }, { by: zoe, organization: { name: 'Beaconhouse National University' } });
    await sendFromCurrent(t, lecture.id, 'SUBMIT_FOR_APPROVAL', zoe);
    // A title a spreadsheet would run as a formula.
    const workshop = await createProposal(t, { title: '=1+2 human rights workshop' }, { by: adam, organization: { name: 'Centre for Human Rights' } });
    t.clock.set('2026-03-04T09:00:00.000Z');
    const training = await createProposal(t, { title: 'Police training' }, { by: adam, organization: { name: 'Sindh Police' } });
    await sendFromCurrent(t, training.id, 'SUBMIT_FOR_APPROVAL', adam);
    Object.assign(titles, { [lecture.id]: 'lecture', [workshop.id]: 'workshop', [training.id]: 'training' });
  });

  afterAll(async () => {
    await t.close();
  });

  const order = async (sort: TableSort, direction: 'asc' | 'desc' = 'asc') => (await list.page({ sort, direction }, 0)).rows.map((r) => titles[r.id]);

  it('sorts by each column, either way, with partnerships that wait for nothing last', async () => {
    expect(await order('organization')).toEqual(['lecture', 'workshop', 'training']);
    expect(await order('organization', 'desc')).toEqual(['training', 'workshop', 'lecture']);
    // In the workflow's order: the proposal, then those in review (by title).
    expect(await order('stage')).toEqual(['workshop', 'lecture', 'training']);
    expect(await order('stage', 'desc')).toEqual(['lecture', 'training', 'workshop']);
    expect(await order('owner')).toEqual(['workshop', 'training', 'lecture']);
    expect(await order('deadline')).toEqual(['lecture', 'training', 'workshop']);
    expect(await order('deadline', 'desc')).toEqual(['training', 'lecture', 'workshop']);

    const page = await list.page({ sort: 'deadline', direction: 'asc' }, 0);
    expect(page.total).toBe(3);
    expect(page.rows.map((r) => [r.organizationName, r.stage, r.ownerName, r.nextDeadline])).toEqual([
      ['Beaconhouse National University', 'Senior-management review', 'Zoe Zafar', { dueAt: '2026-03-16T09:00:00.000Z', title: 'Approval deadline passes' }],
      ['Sindh Police', 'Senior-management review', 'Adam Aziz', { dueAt: '2026-03-18T09:00:00.000Z', title: 'Approval deadline passes' }],
      ['Centre for Human Rights', 'Proposal', 'Adam Aziz', null],
    ]);
    expect((await list.page({ sort: 'organization', direction: 'asc' }, 2)).rows.map((r) => titles[r.id])).toEqual(['training']);
  });

  it('exports the same order as CSV, owners named beside their ids, formulas defused', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    await list.exportCsv({ sort: 'owner', direction: 'asc' }, out);
    const rows = parse<Record<string, string>>(Buffer.concat(chunks).toString('utf8'), { columns: true });
    expect(rows.map((r) => [r.title, r.organization, r.stage, r.owner, r.nextDeadline, r.nextDeadlineIs])).toEqual([
      ["'=1+2 human rights workshop", 'Centre for Human Rights', 'Proposal', 'Adam Aziz', '', ''],
      ['Police training', 'Sindh Police', 'Senior-management review', 'Adam Aziz', '2026-03-18T09:00:00.000Z', 'Approval deadline passes'],
      ['Annual lecture', 'Beaconhouse National University', 'Senior-management review', 'Zoe Zafar', '2026-03-16T09:00:00.000Z', 'Approval deadline passes'],
    ]);
    expect(rows.every((r) => /^[0-9a-f-]{36}$/.test(r.ownerId) && titles[r.id] !== undefined)).toBe(true);
  });
});
