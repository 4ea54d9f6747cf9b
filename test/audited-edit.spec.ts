import { DataSource } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity.js';
import { AuditService } from '../src/audit/audit.service.js';
import { beginAuditedEdit } from '../src/audit/audited-edit.js';
import { WriteQueue } from '../src/database/write-queue.js';
import { Organization } from '../src/organizations/organization.entity.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { actors, organizationInput } from './support/factories.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** Every version that changes outside a workflow event changes through `beginAuditedEdit`: checked, updated, audited, or none of it. */
describe('audited edits', () => {
  let t: TestApp;
  let dataSource: DataSource;
  const at = '2026-12-01T10:00:00.000Z';

  beforeAll(async () => {
    t = await createTestApp();
    dataSource = t.get(DataSource);
  });

  afterAll(() => t.close());

  const rowsOf = (entityId: string) => dataSource.manager.find(AuditEvent, { where: { entityId }, order: { seq: 'ASC' } });

  function editOrganization(row: Organization, expectedVersion: number | undefined, city: string): Promise<Organization> {
    const target = { entity: Organization, entityType: 'organization', row, expectedVersion, actor: actors.manager, requestId: 'r-1' };
    const record = { occurredAt: at, action: 'UPDATE', payload: { changes: { city } } };
    return t.get(WriteQueue).run((manager) => beginAuditedEdit(manager, t.get(AuditService), target).save({ city }, record));
  }

  it('creates a row at version 1 with its CREATE row; an edit bumps and stamps it, and its row names the new version', async () => {
    const created = await t.get(OrganizationsService).create(organizationInput(), actors.manager);
    const saved = await editOrganization(created, created.version, 'Karachi');
    expect(saved).toMatchObject({ id: created.id, city: 'Karachi', version: created.version + 1, updatedAt: at, name: created.name });
    expect({ ...(await dataSource.manager.findOneBy(Organization, { id: created.id })) }).toEqual(saved);
    const [create, edit] = await rowsOf(created.id);
    expect(create).toMatchObject({ action: 'CREATE', entityType: 'organization', actorId: actors.manager.id, outcome: 'ok', occurredAt: created.createdAt });
    expect(JSON.parse(create.payload)).toEqual({ fields: organizationInput() });
    expect(edit).toMatchObject({ action: 'UPDATE', entityType: 'organization', actorId: actors.manager.id, outcome: 'ok', requestId: 'r-1', occurredAt: at });
    expect(JSON.parse(edit.payload)).toEqual({ changes: { city: 'Karachi' }, version: created.version + 1 });
  });

  it('refuses a client that read another version, before anything is written', async () => {
    const created = await t.get(OrganizationsService).create(organizationInput({ name: 'Stale reader' }), actors.manager);
    await expect(editOrganization(created, created.version + 1, 'Quetta')).rejects.toMatchObject({ code: 'VERSION_MISMATCH', details: { currentVersion: 1 } });
    expect((await dataSource.manager.findOneBy(Organization, { id: created.id }))?.city).toBe(created.city);
    expect(await rowsOf(created.id)).toHaveLength(1);
  });

  it('refuses a row that changed after it was read, and writes neither the change nor its audit row', async () => {
    const created = await t.get(OrganizationsService).create(organizationInput({ name: 'Raced' }), actors.manager);
    await editOrganization(created, created.version, 'Multan');
    await expect(editOrganization(created, undefined, 'Sukkur')).rejects.toMatchObject({ code: 'VERSION_MISMATCH', details: { currentVersion: 2 } });
    expect(await dataSource.manager.findOneBy(Organization, { id: created.id })).toMatchObject({ city: 'Multan', version: 2 });
    expect(await rowsOf(created.id)).toHaveLength(2);
  });

  it('takes users the same way: their roles written as the entity manager reads them', async () => {
    const input = { username: 'edited', displayName: 'Edited', password: 'a long enough passphrase 7', roles: ['auditor' as const] };
    const user = await t.get(UsersService).create(input, actors.manager);
    const updated = await t.get(UsersService).update(user.id, { roles: ['manager', 'approver'] }, actors.manager);
    expect(updated).toMatchObject({ roles: ['manager', 'approver'], version: user.version + 1 });
    expect(await dataSource.manager.findOneBy(User, { id: user.id })).toMatchObject({ roles: ['manager', 'approver'], version: user.version + 1 });
    const edit = (await rowsOf(user.id)).at(-1);
    expect(JSON.parse(edit?.payload ?? '{}')).toMatchObject({ username: 'edited', version: user.version + 1, sessionsEnded: true });
  });
});
