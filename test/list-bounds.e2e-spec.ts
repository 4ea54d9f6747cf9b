import { TimersService } from '../src/timers/timers.service.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { drivePartnership, sendEvent } from './support/drive.js';
import { postOrganization, postPartnership } from './support/factories.js';
import { signInToPages } from './support/web-agent.js';

/**
 * The pipeline report's lists hold at most 100 entries each, beside the count of all, and the
 * approver's inbox comes a page at a time: their answers, and the work they cost the service, do
 * not grow with the number of partnerships. 101 proposals wait here, overdue.
 */
describe('the pipeline report and the inbox, bounded, over HTTP and on the web', () => {
  let api: ApiApp;
  const OVERDUE = 101;

  beforeAll(async () => {
    api = await createApiApp();
    const organizationId = await postOrganization(api);
    for (let i = 0; i < OVERDUE; i += 1) {
      const created = await postPartnership(api, organizationId, { title: `Proposal ${i}`, approvalSlaDays: 1 });
      await sendEvent(api, 'manager', created.id, created.version, { type: 'SUBMIT_FOR_APPROVAL' }).expect(200);
    }
    await drivePartnership(api, organizationId, 'in_force.renewal_due');
    api.clock.advanceDays(2);
    await api.get(TimersService).fireDue();
  }, 120_000);

  afterAll(() => api.close());

  it('lists at most 100 overdue approvals and counts them all', async () => {
    const report = (await api.as('auditor').get('/api/reports/pipeline').expect(200)).body;
    expect(report.overdueApprovals.count).toBe(OVERDUE);
    expect(report.overdueApprovals.items).toHaveLength(100);
    expect(report.expiring).toMatchObject({ count: 1, items: [{ state: 'in_force.renewal_due' }] });
    expect(report).toMatchObject({ fulfilmentCount: 1, fulfilment: [{ title: 'Annual lecture and research collaboration' }] });
  });

  it('answers the approver’s inbox a page at a time, on the web too', async () => {
    const first = (await api.as('approver').get('/api/approvals/pending').expect(200)).body;
    expect(first.total).toBe(OVERDUE);
    expect(first.items).toHaveLength(50);
    const rest = (await api.as('approver').get('/api/approvals/pending?limit=200&offset=50').expect(200)).body;
    expect(new Set([...first.items, ...rest.items].map((i: { id: string }) => i.id)).size).toBe(OVERDUE);
    const inbox = await (await signInToPages(api.http, 'approver')).get('/ui/inbox');
    expect(inbox.html.match(/class="panel inbox-item/g)).toHaveLength(50);
    expect(inbox.html).toContain(`The oldest 50 of ${OVERDUE} waiting`);
  });
});
