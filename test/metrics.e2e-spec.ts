import request from 'supertest';
import { DataSource } from 'typeorm';
import { WriteQueue } from '../src/database/write-queue.js';
import { TimersService } from '../src/timers/timers.service.js';
import { InstanceRuntime } from '../src/workflow-engine/instance-runtime.service.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { sendEvent } from './support/drive.js';
import { actors, postOrganization, postPartnership } from './support/factories.js';
import { createTestApp, testDatabaseKind } from './support/test-app.js';

const METRICS_TOKEN = 'metrics-token-for-the-tests-0123';
const WORKFLOW_OF_KIND: Record<string, string> = { partnership: 'partnership-mou', occurrence: 'recurring-activity' };

/** The samples of one metric in Prometheus text, by their labels as written (`{a="1",b="2"}`). */
function samples(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (match) found.set(match[1] ?? '', Number(match[2]));
  }
  return found;
}

describe(`GET /metrics on ${testDatabaseKind === 'postgres' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp({ METRICS_TOKEN });
  });

  afterAll(async () => {
    delete process.env.METRICS_TOKEN;
    await api?.close();
  });

  const scrape = async () => (await request(api.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;

  it('answers only the bearer of METRICS_TOKEN (401 otherwise), in Prometheus text, outside /api', async () => {
    for (const authorization of [undefined, 'Bearer not-the-metrics-token-000', `Basic ${METRICS_TOKEN}`, `Bearer ${api.tokens.admin}`]) {
      const test = request(api.http).get('/metrics');
      const answer = await (authorization ? test.set('Authorization', authorization) : test).expect(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(answer.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    }
    await request(api.http).get('/api/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(404);
    const answer = await request(api.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of [
      'timers_pending',
      'timer_lag_seconds',
      'audit_events_total',
      'notifications_pending',
      'notifications_failed',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(answer.text).toMatch(new RegExp(`^${name} \\d`, 'm'));
    }
    // Requests by route template, not by URL.
    expect(answer.text).toMatch(/^http_request_duration_seconds_count\{method="POST",route="\/api\/auth\/login",status="200"\} \d+$/m);
  });

  it('counts each committed transition, applied or refused, as the audit chain records it, and nothing rolled back', async () => {
    const organizationId = await postOrganization(api);
    const proposals = await Promise.all(Array.from({ length: 6 }, () => postPartnership(api, organizationId)));
    // Four submissions of each proposal at once with one If-Match: one goes through, the others are refused (412), all audited.
    const statuses = await Promise.all(
      proposals.flatMap((p) => [
        ...Array.from({ length: 4 }, () => sendEvent(api, 'manager', p.id, p.version, { type: 'SUBMIT_FOR_APPROVAL' }).then((r) => r.status)),
        sendEvent(api, 'approver', p.id, p.version, { type: 'APPROVE' }).then((r) => r.status),
      ]),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(proposals.length);
    expect(statuses.filter((status) => status >= 400).length).toBeGreaterThan(proposals.length);
    // The approval deadlines pass: each proposal's SLA timer fires as `system`.
    api.clock.advanceDays(15);
    expect(await api.get(TimersService).fireDue()).toBe(proposals.length);

    const before = samples(await scrape(), 'workflow_transitions_total');
    const [first] = proposals;
    const current = (await api.as('auditor').get(`/api/partnerships/${first.id}`).expect(200)).body as { version: number };
    const input = { type: 'WITHDRAW', actor: actors.manager, comment: 'rolled back', expectedVersion: current.version };
    await expect(
      api.get(WriteQueue).run(async (manager) => {
        await api.get(InstanceRuntime).apply(manager, 'partnership', first.id, input);
        throw new Error('the transaction fails after the transition');
      }),
    ).rejects.toThrow('the transaction fails after the transition');
    const counted = samples(await scrape(), 'workflow_transitions_total');
    expect(counted).toEqual(before);

    const rows = await api.get(DataSource).query<Array<{ kind: string; action: string; outcome: string; n: number | string }>>(
      `SELECT entity_type AS kind, action, outcome, COUNT(*) AS n FROM audit_events WHERE entity_type IN ('partnership', 'occurrence') AND action <> 'CREATE'
        GROUP BY entity_type, action, outcome`,
    );
    const audited = new Map(
      rows.map((row) => [
        `{workflow="${WORKFLOW_OF_KIND[row.kind]}",event="${row.action}",outcome="${row.outcome === 'ok' ? 'applied' : 'refused'}"}`,
        Number(row.n),
      ]),
    );
    expect(counted).toEqual(audited);
    expect([...counted.keys()]).toEqual(
      expect.arrayContaining([
        '{workflow="partnership-mou",event="SUBMIT_FOR_APPROVAL",outcome="applied"}',
        '{workflow="partnership-mou",event="SUBMIT_FOR_APPROVAL",outcome="refused"}',
        '{workflow="partnership-mou",event="APPROVE",outcome="refused"}',
      ]),
    );
    expect([...counted.keys()].some((labels) => labels.includes('outcome="applied"') && labels.includes('approvalSla'))).toBe(true);
  });

  it('is not there without METRICS_TOKEN', async () => {
    const t = await createTestApp({ env: { METRICS_TOKEN: '' } });
    try {
      await request(t.app.getHttpServer()).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(404);
    } finally {
      await t.close();
    }
  });
});
