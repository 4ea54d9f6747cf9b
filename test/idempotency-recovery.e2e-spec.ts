import { DataSource } from 'typeorm';
import { canonicalJson, sha256Hex } from '../src/common/canonical-json.js';
import { markApplied } from '../src/common/http/idempotency.interceptor.js';
import { firstWriteHook } from '../src/database/write-queue.js';
import { plainExecute, plainQuery } from '../src/database/plain-query.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { createApiApp, type ApiApp } from './support/api.js';
import { actors, organizationInput, partnershipInput, postOrganization, postPartnership } from './support/factories.js';

/**
 * An Idempotency-Key's answer is stored after the change commits. The change's own transaction
 * marks the key applied, so when the process dies between the two, a retry learns that the change
 * took effect and never makes it a second time; a request that died before changing anything is
 * taken over and run once.
 */
describe('Idempotency-Key across a crash between the change and its stored answer', () => {
  let api: ApiApp;
  let dataSource: DataSource;
  let organizationId: string;
  const ABANDONED_AFTER_MS = 120_000;

  beforeAll(async () => {
    api = await createApiApp();
    dataSource = api.get(DataSource);
    organizationId = await postOrganization(api);
  });

  afterAll(() => api.close());

  const keyRow = async (key: string) =>
    (
      await plainQuery<{ status_code: number | null; applied_at: string | null; created_at: string }>(
        dataSource,
        'SELECT status_code, applied_at, created_at FROM idempotency_keys WHERE key = ?',
        [key],
      )
    )[0];
  const partnershipsTitled = async (title: string) => (await plainQuery(dataSource, 'SELECT id FROM partnerships WHERE title = ?', [title])).length;

  it('marks the key applied in the transaction that made the change, and frees it when the request changed nothing', async () => {
    const body = partnershipInput(organizationId, { title: 'Marked in the same transaction' });
    await api.as('manager').post('/api/partnerships').set('Idempotency-Key', 'create-marked').send(body).expect(201);
    expect(await keyRow('create-marked')).toMatchObject({ status_code: 201, applied_at: api.clock.now().toISOString() });

    // A refused event (stale If-Match) is audited, but changes nothing: the key is free for the corrected retry.
    const { id } = await postPartnership(api, organizationId);
    const submit = () =>
      api.as('manager').post(`/api/partnerships/${id}/events`).set('Idempotency-Key', 'submit-after-412').send({ type: 'SUBMIT_FOR_APPROVAL' });
    await submit().set('If-Match', '"7"').expect(412);
    expect(await keyRow('submit-after-412')).toBeUndefined();
    await submit().set('If-Match', '"1"').expect(200);
    expect(await keyRow('submit-after-412')).toMatchObject({ status_code: 200 });
  });

  it('never runs a change twice whose answer was lost: the retry says it took effect', async () => {
    const title = 'Created once, answer lost';
    const body = partnershipInput(organizationId, { title });
    await api.as('manager').post('/api/partnerships').set('Idempotency-Key', 'create-lost').send(body).expect(201);
    // What a kill -9 between the change's COMMIT and storing its answer leaves behind.
    await plainExecute(dataSource, 'UPDATE idempotency_keys SET status_code = NULL, response_body = NULL, etag = NULL WHERE key = ?', ['create-lost']);

    api.clock.set(new Date(api.clock.now().getTime() + ABANDONED_AFTER_MS + 1000));
    const retry = await api.as('manager').post('/api/partnerships').set('Idempotency-Key', 'create-lost').send(body).expect(409);
    expect(retry.body).toMatchObject({ code: 'IDEMPOTENCY_ANSWER_LOST', details: { key: 'create-lost' } });
    expect(typeof retry.body.details.appliedAt).toBe('string');
    expect(await partnershipsTitled(title)).toBe(1);
  });

  it('takes over a key whose request died before changing anything, and runs it once', async () => {
    const title = 'Died before the change';
    const body = partnershipInput(organizationId, { title });
    // The pending row a request leaves when it dies after reserving its key and before any write.
    const fingerprint = sha256Hex(canonicalJson({ method: 'POST', path: '/api/partnerships', body }));
    await plainExecute(
      dataSource,
      'INSERT INTO idempotency_keys (actor_id, key, fingerprint, status_code, response_body, etag, created_at, applied_at) VALUES (?, ?, ?, NULL, NULL, NULL, ?, NULL)',
      [api.ids.manager, 'create-died', fingerprint, api.clock.now().toISOString()],
    );
    api.clock.set(new Date(api.clock.now().getTime() + ABANDONED_AFTER_MS + 1000));
    const first = await api.as('manager').post('/api/partnerships').set('Idempotency-Key', 'create-died').send(body).expect(201);
    const again = await api.as('manager').post('/api/partnerships').set('Idempotency-Key', 'create-died').send(body).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await partnershipsTitled(title)).toBe(1);
  });

  it('rolls back the change of a request whose key a retry took over meanwhile', async () => {
    const organizations = api.get(OrganizationsService);
    const name = 'Superseded holder institute';
    // The holder reserved the key at 09:00; a retry has since taken it over, writing a new created_at.
    const hook = markApplied(api.clock, { actorId: actors.manager.id, key: 'taken-over', reservedAt: '2026-03-02T09:00:00.000Z' });
    await plainExecute(
      dataSource,
      'INSERT INTO idempotency_keys (actor_id, key, fingerprint, status_code, response_body, etag, created_at, applied_at) VALUES (?, ?, ?, NULL, NULL, NULL, ?, NULL)',
      [actors.manager.id, 'taken-over', 'f'.repeat(64), '2026-03-02T09:02:01.000Z'],
    );
    await expect(firstWriteHook.run(hook, () => organizations.create(organizationInput({ name }), actors.manager))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await plainQuery(dataSource, 'SELECT id FROM organizations WHERE name = ?', [name])).toEqual([]);
    expect(hook.done).toBe(false);
  });
});
