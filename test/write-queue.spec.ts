import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '../src/common/domain-error.js';
import { WriteQueue } from '../src/database/write-queue.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { actors, organizationInput } from './support/factories.js';
import { createTestApp, testDatabaseKind, type TestApp } from './support/test-app.js';

/** A promise with its resolve, to line two transactions up step by step. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe(`write transactions on ${testDatabaseKind}`, () => {
  let t: TestApp;
  let queue: WriteQueue;
  let ids: [string, string];

  beforeAll(async () => {
    t = await createTestApp();
    queue = t.get(WriteQueue);
    const organizations = t.get(OrganizationsService);
    const first = await organizations.create(organizationInput({ name: 'First' }), actors.manager);
    const second = await organizations.create(organizationInput({ name: 'Second' }), actors.manager);
    ids = [first.id, second.id];
  });

  afterAll(() => t.close());

  it('runs again a transaction that lost a deadlock, so both writers finish', async () => {
    if (testDatabaseKind === 'sqlite') {
      // One connection, one transaction at a time: the second starts only once the first committed.
      const steps: string[] = [];
      const firstStarted = signal();
      const first = queue.run(async () => {
        steps.push('first begins');
        firstStarted.resolve();
        await new Promise((resolve) => setImmediate(resolve));
        steps.push('first commits');
      });
      await firstStarted.promise;
      await Promise.all([first, queue.run(async () => void steps.push('second runs'))]);
      expect(steps).toEqual(['first begins', 'first commits', 'second runs']);
      return;
    }
    // Each locks one row, then waits for the other's; PostgreSQL aborts one of them (40P01).
    const locked = [signal(), signal()];
    let attempts = 0;
    const lockBoth = (mine: 0 | 1) => async (manager: EntityManager) => {
      attempts += 1;
      const lock = (id: string) => manager.query('SELECT id FROM organizations WHERE id = $1 FOR UPDATE', [id]);
      await lock(ids[mine]);
      locked[mine].resolve();
      await locked[1 - mine].promise;
      await lock(ids[1 - mine]);
      return mine;
    };
    await expect(Promise.all([queue.run(lockBoth(0)), queue.run(lockBoth(1))])).resolves.toEqual([0, 1]);
    expect(attempts).toBe(3);
  });

  it('stores what the request gave, or refuses it as invalid where PostgreSQL cannot store it (a NUL character)', async () => {
    const organizations = t.get(OrganizationsService);
    const attempt = organizations.create(organizationInput({ name: 'Nul\u0000Byte' }), actors.manager);
    if (testDatabaseKind === 'postgres') {
      await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(attempt).rejects.toBeInstanceOf(DomainError);
    } else {
      await expect(attempt).resolves.toMatchObject({ name: 'Nul\u0000Byte' });
    }
    const count = await t.get(DataSource).query('SELECT count(*) AS n FROM organizations');
    expect(Number(count[0].n)).toBe(testDatabaseKind === 'postgres' ? 2 : 3);
  });
});
