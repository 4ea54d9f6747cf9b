import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Occurrence } from '../src/activities/occurrence.entity.js';
import { AuditEvent } from '../src/audit/audit-event.entity.js';
import { ManualClock } from '../src/common/clock.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { Partnership } from '../src/partnerships/partnership.entity.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { Timer } from '../src/timers/timer.entity.js';
import { ReplayService } from '../src/workflow-engine/replay.service.js';
import { actors, organizationInput, partnershipInput } from './support/factories.js';
import { buildService } from './support/service-build.js';
import { ServiceProcess as Instance, whenLogged } from './support/service-process.js';
import { createDatabase, createTestApp, databaseEnv, dropDatabase, testDatabaseKind, type TestApp } from './support/test-app.js';

/**
 * Two real service processes (the built `src/main.js`) on one database — a PostgreSQL schema of
 * their own when the suite runs on PostgreSQL, else one SQLite file — receive conflicting work at
 * the same moment. Afterwards every accepted request made exactly one transition, every timer
 * fired once, the chain verifies and replay reproduces every stored state.
 *
 * The processes run on the system clock. To have timers fall due while both poll, without a
 * test-only clock in the service, the proposals are submitted through an in-process app on the
 * same database whose manual clock stands more than a day in the past, with a one-day approval
 * SLA: each SLA timer is due as soon as it is written. Nothing waits on real time: the test waits
 * for the instances to say they are listening, and for their log lines of the timers they fired
 * (written after each commit, at LOG_LEVEL=debug).
 */
const ADMIN_PASSWORD = 'multi-instance-admin-password';
const PASSWORD = 'multi instance manager password';
const JWT_SECRET = 'a-shared-jwt-secret-for-both-instances-0123456789';
const DAY_MS = 86_400_000;
const SLA_TIMERS = 12;
const SLA_ACTION = 'xstate.after.approvalSla.partnership-mou.senior_management_review';

describe(`two service instances on one ${testDatabaseKind === 'postgres' ? 'PostgreSQL schema' : 'SQLite file'}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'partnership-engine-multi-'));
  let seeder: TestApp;
  let a: Instance;
  let b: Instance;
  let both: Instance[];
  let token: { admin: string; manager: string };
  let organizationId: string;
  /** Per partnership, how many events the instances accepted (2xx) over HTTP. */
  const accepted = new Map<string, number>();

  beforeAll(async () => {
    const main = buildService('multi-instance-build');
    await createDatabase(dataDir);
    // Migrates the database first; later it plays the part of a client whose clock is behind.
    seeder = await createTestApp({ dataDir, clock: new ManualClock(new Date()), env: { ADMIN_PASSWORD } });
    const env = {
      ...databaseEnv(dataDir),
      ADMIN_PASSWORD,
      JWT_SECRET,
      TIMER_POLL_MS: '40',
      LOG_LEVEL: 'debug',
      WORKFLOWS_DIR: 'workflows',
      RATE_LIMIT_WRITES_PER_MINUTE: '100000',
    };
    a = new Instance('instance A', main, env);
    b = new Instance('instance B', main, env);
    both = [a, b];
    await Promise.all(both.map((instance) => instance.start()));

    const login = async (instance: Instance, username: string, password: string) =>
      (await request(instance.url).post('/api/auth/login').send({ username, password }).expect(200)).body.accessToken as string;
    const admin = await login(a, 'admin', ADMIN_PASSWORD);
    await request(b.url)
      .post('/api/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'manager', password: PASSWORD, roles: ['manager'] })
      .expect(201);
    // Signed in on B, used on both: one JWT_SECRET, one user table.
    token = { admin, manager: await login(b, 'manager', PASSWORD) };
    organizationId = (await post(a, '/api/organizations').send(organizationInput()).expect(201)).body.id;
  }, 180_000);

  afterAll(async () => {
    await Promise.all((both ?? []).map((instance) => instance.stop()));
    await seeder?.close();
    await dropDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  function post(instance: Instance, path: string): request.Test {
    return request(instance.url).post(path).set('Authorization', `Bearer ${token.manager}`);
  }

  function get(instance: Instance, path: string, as: 'admin' | 'manager' = 'manager'): request.Test {
    return request(instance.url).get(path).set('Authorization', `Bearer ${token[as]}`);
  }

  async function newPartnership(instance: Instance, title: string): Promise<string> {
    const response = await post(instance, '/api/partnerships').send(partnershipInput(organizationId, { title })).expect(201);
    return response.body.id;
  }

  function count(statuses: number[]): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }

  it('lets exactly one of the events sent with one If-Match to both instances through; the others get 412', async () => {
    const ids = await Promise.all([0, 1, 2, 3].map((i) => newPartnership(i % 2 ? b : a, `Same If-Match ${i}`)));
    const rounds = await Promise.all(
      ids.map((id) =>
        Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            post(both[i % 2], `/api/partnerships/${id}/events`)
              .set('If-Match', '"1"')
              .send({ type: i % 3 === 0 ? 'WITHDRAW' : 'SUBMIT_FOR_APPROVAL' }),
          ),
        ),
      ),
    );
    for (const [index, responses] of rounds.entries()) {
      expect(count(responses.map((r) => r.status))).toEqual({ 200: 1, 412: 7 });
      for (const refused of responses.filter((r) => r.status === 412)) expect(refused.body.code).toBe('VERSION_MISMATCH');
      accepted.set(ids[index], 1);
    }
  });

  it('gives one effect and identical answers for one Idempotency-Key sent to both instances at once', async () => {
    const title = `Idempotent creation ${Date.now()}`;
    const creations = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        post(both[i % 2], '/api/partnerships')
          .set('Idempotency-Key', 'create-once')
          .send(partnershipInput(organizationId, { title })),
      ),
    );
    expect(creations.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(creations.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    for (const r of creations) expect(r.body).toEqual(creations[0].body);
    const created = await seeder.get(DataSource).getRepository(Partnership).findBy({ title });
    expect(created.map((p) => p.id)).toEqual([creations[0].body.id]);

    const id = creations[0].body.id as string;
    const submissions = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        post(both[i % 2], `/api/partnerships/${id}/events`)
          .set('If-Match', '"1"')
          .set('Idempotency-Key', 'submit-once')
          .send({ type: 'SUBMIT_FOR_APPROVAL' }),
      ),
    );
    expect(submissions.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(submissions.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    for (const r of submissions) {
      expect(r.body).toEqual(submissions[0].body);
      expect(r.headers.etag).toBe('"2"');
    }
    accepted.set(id, 1);
  });

  it('fires each timer once while both instances poll', async () => {
    const organizations = seeder.get(OrganizationsService);
    const partnerships = seeder.get(PartnershipsService);
    const org = await organizations.create(organizationInput({ name: 'Timer test organization' }), actors.manager);
    // Submitted "a day ago" with a one-day SLA: each is due as it is written, a minute ago, 100 ms apart.
    const firstDue = Date.now() - 60_000;
    const ids: string[] = [];
    for (let i = 0; i < SLA_TIMERS; i += 1) {
      seeder.clock.set(new Date(firstDue + i * 100 - DAY_MS));
      const p = await partnerships.create(partnershipInput(org.id, { title: `SLA ${i}`, approvalSlaDays: 1 }), actors.manager);
      await partnerships.send(p.id, { type: 'SUBMIT_FOR_APPROVAL', actor: actors.manager, expectedVersion: p.version });
      ids.push(p.id);
    }
    // Each instance logs a timer it fired after its commit; wait until the lines name all of them.
    await whenLogged(both, (output) => ids.every((id) => output.includes(`${SLA_ACTION}) of partnership ${id}`)));
    const rows = await seeder
      .get(DataSource)
      .getRepository(Timer)
      .find({ where: ids.map((instanceId) => ({ instanceId, event: SLA_ACTION })) });
    expect(rows).toHaveLength(SLA_TIMERS);
    expect(rows.every((t) => t.firedAt !== null)).toBe(true);

    const audit = seeder.get(DataSource).getRepository(AuditEvent);
    for (const id of ids) {
      const fired = await audit.findBy({ entityId: id, action: SLA_ACTION });
      expect(fired.map((row) => row.outcome)).toEqual(['ok']);
      expect(await partnerships.get(id)).toMatchObject({ state: 'senior_management_review', overdue: true });
    }
    // The overdue flag is a boolean column that list filters use, on either database.
    const overdue = await get(b, '/api/partnerships?overdue=true&limit=100').expect(200);
    expect(overdue.body.items.map((p: { id: string }) => p.id).sort()).toEqual([...ids].sort());
    const onTime = await get(a, '/api/partnerships?overdue=false&limit=100').expect(200);
    expect(onTime.body.items.some((p: { id: string }) => ids.includes(p.id))).toBe(false);
  }, 60_000);

  it('leaves one transition per accepted request, a chain that verifies and states that replay reproduces', async () => {
    const audit = seeder.get(DataSource).getRepository(AuditEvent);
    for (const [id, transitions] of accepted) {
      const rows = await audit.findBy({ entityId: id, outcome: 'ok' });
      const events = rows.filter((row) => row.action !== 'CREATE' && !row.action.startsWith('xstate.after.'));
      expect({ id, transitions: events.length }).toEqual({ id, transitions });
    }
    for (const instance of both) {
      expect((await get(instance, '/api/audit/verify', 'admin').expect(200)).body).toMatchObject({ ok: true });
    }
    const replay = seeder.get(ReplayService);
    const dataSource = seeder.get(DataSource);
    for (const p of await dataSource.getRepository(Partnership).find()) {
      const result = await replay.replay('partnership', p.id);
      expect({ id: p.id, ...result.replayed }).toEqual({ id: p.id, ...result.stored });
    }
    for (const o of await dataSource.getRepository(Occurrence).find()) {
      expect((await replay.replay('occurrence', o.id)).matches).toBe(true);
    }
    const seqs = (await audit.find({ select: { seq: true }, order: { seq: 'ASC' } })).map((row) => row.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});
