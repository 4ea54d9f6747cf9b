import { ReportsService } from '../src/reports/reports.service.js';
import { UsersService } from '../src/users/users.service.js';
import { SYSTEM_ACTOR, type Actor } from '../src/workflow-engine/workflow.types.js';
import { Dashboard } from '../src/web/dashboard.js';
import { actors, createProposal, sendFromCurrent } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The dashboard's figures come from the services; each chart is ECharts' server-drawn SVG with a table of the same figures. */
describe('dashboard: pipeline, approval turnaround, expiring MOUs, fulfilment', () => {
  let t: TestApp;
  let approver: Actor;

  beforeAll(async () => {
    t = await createTestApp();
    // An account, so that a proposal's quorum of one can be reached.
    const user = await t.get(UsersService).create({ username: 'approver', password: 'correct horse battery', roles: ['approver'] }, SYSTEM_ACTOR);
    approver = { id: user.id, roles: user.roles };
  });

  afterAll(async () => {
    await t.close();
  });

  /** A proposal submitted now, decided `days` later by `decision`. */
  async function decided(title: string, days: number, decision: 'APPROVE' | 'REQUEST_CHANGES' | 'REJECT') {
    const p = await createProposal(t, { title, requiredApprovals: 1 }, { organization: { name: `${title} organization` } });
    await sendFromCurrent(t, p.id, 'SUBMIT_FOR_APPROVAL', actors.manager);
    t.clock.advanceDays(days);
    await sendFromCurrent(t, p.id, decision, approver, decision === 'APPROVE' ? {} : { comment: 'Name the course leader.' });
    return p.id;
  }

  it('counts what the services hold and draws each figure with its table', async () => {
    t.clock.set('2026-03-02T09:00:00.000Z');
    const signed = await decided('Annual lecture with Beaconhouse', 10, 'APPROVE');
    t.clock.set('2026-03-02T09:00:00.000Z');
    await decided('Police training programme', 3, 'REQUEST_CHANGES');
    t.clock.set('2026-03-02T09:00:00.000Z');
    await decided('Museum exhibition', 45, 'REJECT');
    await createProposal(t, { title: 'Research visits' }, { organization: { name: 'Sindh Police Museum' } });
    t.clock.set('2026-04-20T09:00:00.000Z');
    await sendFromCurrent(t, signed, 'SHARE_DRAFT', actors.manager, { data: { document: { name: 'MOU v1.docx', sha256: 'a'.repeat(64) } } });
    await sendFromCurrent(t, signed, 'AGREE_TEXT', actors.manager, { data: { effectiveFrom: '2026-05-01', expiresOn: '2027-01-31' } });
    await sendFromCurrent(t, signed, 'RECORD_SIGNATURE', actors.manager, { data: { party: 'partner', signatory: 'Rector', signedOn: '2026-04-20' } });
    await sendFromCurrent(t, signed, 'RECORD_SIGNATURE', actors.manager, { data: { party: 'own', signatory: 'Director', signedOn: '2026-04-20' } });

    const report = await t.get(ReportsService).dashboard();
    expect(report.asOf).toBe('2026-04-20');
    expect(Object.fromEntries(report.countsByState)).toEqual({ proposal: 2, rejected: 1, 'in_force.active': 1 });
    expect(report.turnaround.decisions.map((d) => [d.decision, d.outcome, d.days])).toEqual([
      ['APPROVE', 'mou_drafting', 10],
      ['REQUEST_CHANGES', 'proposal', 3],
      ['REJECT', 'rejected', 45],
    ]);
    expect(report.expiring).toMatchObject({ count: 1, until: '2027-04-20', items: [{ id: signed, expiresOn: '2027-01-31' }] });
    // The term holds the course (2026-09-01) and the lecture (2026-10-15); the research visit falls on 2027-03-01, after it ends.
    expect(report.fulfilment).toEqual([expect.objectContaining({ partnershipId: signed, held: 0, missed: 0, planned: 2 })]);

    const { charts } = await t.get(Dashboard).build();
    expect(charts.map((c) => c.title)).toEqual([
      'Pipeline by stage',
      'Approval turnaround',
      'MOUs expiring in the next twelve months',
      'Activity fulfilment by MOU',
    ]);
    for (const chart of charts) {
      expect(chart.svg).toMatch(/^<svg role="img" aria-label="[^"]+" focusable="false" width="480"/);
      // Nothing the pages' CSP (style-src 'self') would drop.
      expect(chart.svg).not.toMatch(/<style|style="/);
    }
    const table = (id: string) => charts.find((c) => c.id === id)!.rows.map((row) => row.map((cell) => cell.text));
    expect(table('pipeline')).toEqual([
      ['Proposal', '2'],
      ['Senior-management review', '0'],
      ['MOU drafting', '0'],
      ['MOU negotiation', '0'],
      ['Awaiting signatures', '0'],
      ['In force', '1'],
      // training-programme's own stages, after partnership-mou's open ones; the final ones of both after them
      ['Planning', '0'],
      ['Delivering', '0'],
      ['Expired', '0'],
      ['Terminated', '0'],
      ['Rejected', '1'],
      ['Withdrawn', '0'],
      ['Completed', '0'],
      ['Cancelled', '0'],
    ]);
    expect(charts[1].summary).toBe('3 reviews decided since 2025-04-20, from submission to decision; median 10 days.');
    expect(charts[2].summary).toBe('1 MOU in force expires by 2027-04-20, by the month their term ends.');
    expect(charts[1].head).toEqual(['Days from submission to decision', 'Approve', 'Request changes', 'Reject', 'All']);
    expect(table('turnaround')).toEqual([
      ['Within a week', '0', '1', '0', '1'],
      ['8–14 days', '1', '0', '0', '1'],
      ['15–30 days', '0', '0', '0', '0'],
      ['31–60 days', '0', '0', '1', '1'],
      ['Over 60 days', '0', '0', '0', '0'],
    ]);
    expect(table('expiring')).toEqual([['Annual lecture with Beaconhouse', 'Annual lecture with Beaconhouse organization', 'In force · Active', '2027-01-31']]);
    expect(table('fulfilment')).toEqual([['Annual lecture with Beaconhouse', '0', '0', '2', '0']]);
    // The chart names what it draws: the month of the expiry among thirteen months, the MOU's title (cut to fit) on its bar.
    expect(charts[2].svg).toContain('>Jan 2027');
    expect(charts[3].svg).toContain('>Annual lecture with Beac');
  });
});
