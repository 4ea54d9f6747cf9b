import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EntityStatements } from '../src/database/entity-statements.js';
import { updateVersioned } from '../src/database/versioned-update.js';
import { WriteQueue } from '../src/database/write-queue.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { Partnership } from '../src/partnerships/partnership.entity.js';
import { PartnershipsService } from '../src/partnerships/partnerships.service.js';
import { Timer } from '../src/timers/timer.entity.js';
import { actors, organizationInput, partnershipInput } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The hot paths read and write instances with fixed-text statements instead of the entity
 * manager; what they read and write must be exactly what the entity manager reads and writes.
 */
describe('EntityStatements: fixed-text reads and writes equal to the entity manager’s', () => {
  let t: TestApp;
  let dataSource: DataSource;
  let partnerships: PartnershipsService;
  let organizationId: string;

  beforeAll(async () => {
    t = await createTestApp();
    dataSource = t.get(DataSource);
    partnerships = t.get(PartnershipsService);
    organizationId = (await t.get(OrganizationsService).create(organizationInput(), actors.manager)).id;
  });

  afterAll(() => t.close());

  it('reads a partnership exactly as findOne does: JSON columns parsed, booleans as booleans, an entity instance', async () => {
    const created = await partnerships.create(
      partnershipInput(organizationId, {
        title: 'Annual "Quaid" lecture — ünïcode',
        proposedActivities: [{ kind: 'annual_lecture', title: 'Lecture', recurrence: { frequency: 'yearly', month: 3, day: 14 } }],
      }),
      actors.manager,
    );
    const { row } = await partnerships.send(created.id, { type: 'SUBMIT_FOR_APPROVAL', actor: actors.manager, expectedVersion: created.version });
    const viaStatements = await EntityStatements.of(dataSource, Partnership).findById(dataSource, row.id);
    const viaManager = await dataSource.manager.findOne(Partnership, { where: { id: row.id } });
    expect(viaStatements).toBeInstanceOf(Partnership);
    expect(viaStatements).toEqual(viaManager);
    expect(viaStatements?.overdue).toBe(false);
    expect(viaStatements?.context.submittedBy).toBe(actors.manager.id);
    expect(await EntityStatements.of(dataSource, Partnership).findById(dataSource, randomUUID())).toBeNull();
  });

  it('inserts a row the entity manager reads back unchanged', async () => {
    const timer: Timer = {
      id: randomUUID(),
      instanceType: 'partnership',
      instanceId: randomUUID(),
      event: 'xstate.after.P14D.x',
      dueAt: '2027-01-01T00:00:00.000Z',
      firedAt: null,
      createdAt: '2026-11-28T00:00:00.000Z',
    };
    await EntityStatements.of(dataSource, Timer).insert(dataSource, timer);
    expect({ ...(await dataSource.manager.findOne(Timer, { where: { id: timer.id } })) }).toEqual(timer);
  });

  it('inserts several rows in one statement, each as the entity manager reads it back, and nothing for none', async () => {
    const instanceId = randomUUID();
    const timers: Timer[] = ['approvalSla', 'approvalEscalation'].map((delay, n) => ({
      id: randomUUID(),
      instanceType: 'partnership',
      instanceId,
      event: `xstate.after.${delay}.x`,
      dueAt: `2027-01-0${n + 1}T00:00:00.000Z`,
      firedAt: null,
      createdAt: '2026-11-28T00:00:00.000Z',
    }));
    const statements = EntityStatements.of(dataSource, Timer);
    await statements.insert(dataSource, ...timers);
    await statements.insert(dataSource);
    const stored = await dataSource.manager.find(Timer, { where: { instanceId }, order: { dueAt: 'ASC' } });
    expect(stored.map((timer) => ({ ...timer }))).toEqual(timers);
  });

  it('updates only WHERE the version still matches, and reports how many rows changed', async () => {
    const created = await partnerships.create(partnershipInput(organizationId), actors.manager);
    const version = await t
      .get(WriteQueue)
      .run((manager) =>
        updateVersioned(manager, Partnership, created.id, created.version, { notes: 'first', overdue: true, context: { ...created.context, note: 'x' } }),
      );
    expect(version).toBe(created.version + 1);
    const after = await dataSource.manager.findOne(Partnership, { where: { id: created.id } });
    expect(after).toMatchObject({ notes: 'first', overdue: true, version: created.version + 1, title: created.title });
    expect(after?.context).toEqual({ ...created.context, note: 'x' });
    // The same stale version again: nothing changes, and the caller hears of it.
    await expect(
      t.get(WriteQueue).run((manager) => updateVersioned(manager, Partnership, created.id, created.version, { notes: 'second' })),
    ).rejects.toMatchObject({
      code: 'VERSION_MISMATCH',
    });
    expect((await dataSource.manager.findOne(Partnership, { where: { id: created.id } }))?.notes).toBe('first');
    const statements = EntityStatements.of(dataSource, Partnership);
    expect(await statements.update(dataSource, randomUUID(), { notes: 'nobody' }, { property: 'version', value: 1 })).toBe(0);
  });

  it('refuses an unknown property instead of writing a statement with it', async () => {
    const statements = EntityStatements.of(dataSource, Partnership);
    await expect(statements.update(dataSource, randomUUID(), { nope: 1 } as never, { property: 'version', value: 1 })).rejects.toThrow(
      'Partnership has no column nope',
    );
  });
});
