import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity.js';
import { createApiApp, USER_PASSWORD, type ApiApp } from './support/api.js';
import { inputValue, signInToPages } from './support/web-agent.js';

const NEW_PASSWORD = 'a brand new passphrase';

/** SPEC "Your own account": one's own name, mail and password, and an admin's reset of someone else's password. */
describe('one’s own account over HTTP', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
  });

  afterAll(() => api.close());

  const login = (username: string, password: string) => request(api.http).post('/api/auth/login').send({ username, password });
  const tokenOf = async (username: string, password: string) => (await login(username, password).expect(200)).body.accessToken as string;
  const asToken = (token: string) => ({
    get: (path: string) => request(api.http).get(path).set('Authorization', `Bearer ${token}`),
    patch: (path: string) => request(api.http).patch(path).set('Authorization', `Bearer ${token}`),
    post: (path: string) => request(api.http).post(path).set('Authorization', `Bearer ${token}`),
  });

  /** A user of its own for each test that changes a password, so the shared tokens stay valid. */
  async function newUser(username: string): Promise<string> {
    return (
      await api
        .as('admin')
        .post('/api/users')
        .send({ username, password: USER_PASSWORD, roles: ['manager'] })
        .expect(201)
    ).body.id as string;
  }

  const auditRows = (entityId: string) =>
    api
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { entityId, entityType: 'user' }, order: { seq: 'ASC' } });

  it('shows the caller their own account, and only theirs', async () => {
    const me = (await api.as('approver').get('/api/me').expect(200)).body;
    expect(me).toMatchObject({
      id: api.ids.approver,
      username: 'approver',
      displayName: 'Test approver',
      roles: ['approver'],
      email: null,
      emailMode: 'immediate',
    });
    expect(me).not.toHaveProperty('passwordHash');
    expect((await api.as('auditor').get('/api/me').expect(200)).body.id).toBe(api.ids.auditor);
  });

  it('changes one’s name, address and mail mode, audited; never one’s roles or anything else', async () => {
    const changed = await api
      .as('auditor')
      .patch('/api/me')
      .send({ displayName: '  Aude Auditor ', email: 'aude@example.org', emailMode: 'daily' })
      .expect(200);
    expect(changed.body).toMatchObject({ displayName: 'Aude Auditor', email: 'aude@example.org', emailMode: 'daily', roles: ['auditor'] });
    const [, edit] = await auditRows(api.ids.auditor);
    expect(edit).toMatchObject({ action: 'UPDATE', actorId: api.ids.auditor });
    expect(JSON.parse(edit.payload).changes).toEqual({
      displayName: { from: 'Test auditor', to: 'Aude Auditor' },
      email: { from: null, to: 'aude@example.org' },
      emailMode: { from: 'immediate', to: 'daily' },
    });
    expect((await api.as('auditor').patch('/api/me').send({ email: null }).expect(200)).body.email).toBeNull();

    for (const refused of [
      { roles: ['admin'] },
      { active: false },
      { password: NEW_PASSWORD },
      { emailMode: 'weekly' },
      { email: 'not an address' },
      { displayName: '' },
    ]) {
      const answer = await api.as('auditor').patch('/api/me').send(refused).expect(400);
      expect(answer.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await api.as('auditor').get('/api/me').expect(200)).body).toMatchObject({ roles: ['auditor'], active: true, emailMode: 'daily' });
  });

  it('changes one’s own password with the current one: every earlier token and web session ends, the new password signs in', async () => {
    const id = await newUser('own.password');
    const first = await tokenOf('own.password', USER_PASSWORD);
    const second = await tokenOf('own.password', USER_PASSWORD);
    const pages = await signInToPages(api.http, 'own.password');
    expect((await pages.get('/ui/activities')).status).toBe(200);

    const wrong = await asToken(first).post('/api/me/password').send({ currentPassword: 'not my password', newPassword: NEW_PASSWORD }).expect(422);
    expect(wrong.body).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'currentPassword' } });
    const weak = await asToken(first).post('/api/me/password').send({ currentPassword: USER_PASSWORD, newPassword: 'own.password' }).expect(400);
    expect(weak.body.details).toMatchObject({ field: 'newPassword', rule: 'passwordNotUsername' });
    await asToken(first).post('/api/me/password').send({ newPassword: NEW_PASSWORD }).expect(400);
    await asToken(second).get('/api/me').expect(200);

    await asToken(first).post('/api/me/password').send({ currentPassword: USER_PASSWORD, newPassword: NEW_PASSWORD }).expect(204);
    for (const token of [first, second]) await asToken(token).get('/api/me').expect(401);
    expect((await pages.get('/ui/activities')).status).toBe(303);
    await login('own.password', USER_PASSWORD).expect(401);
    await asToken(await tokenOf('own.password', NEW_PASSWORD))
      .get('/api/me')
      .expect(200);

    const rows = await auditRows(id);
    expect(rows.map((row) => [row.action, row.actorId, row.outcome])).toEqual([
      ['CREATE', api.ids.admin, 'ok'],
      ['PASSWORD_CHANGED', id, 'ok'],
      ['LOGIN_FAILED', 'anonymous', 'denied'],
    ]);
    expect(JSON.parse(rows[1].payload)).toEqual({ username: 'own.password', sessionsEnded: true, version: 2 });
    const refusals = await api
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { actorId: id, outcome: 'denied' } });
    expect(refusals.map((row) => JSON.parse(row.payload).details.rule)).toEqual(['currentPassword']);
    expect(JSON.stringify(await api.get(DataSource).getRepository(AuditEvent).find())).not.toContain(NEW_PASSWORD);
  });

  it('lets an admin reset someone else’s password, audited, ending that person’s sessions and no one else’s', async () => {
    const id = await newUser('reset.password');
    const theirs = await tokenOf('reset.password', USER_PASSWORD);
    await api.as('admin').post(`/api/users/${id}/password`).send({ newPassword: 'short' }).expect(400);
    await api.as('admin').post(`/api/users/${id}/password`).send({ newPassword: NEW_PASSWORD }).expect(204);
    await asToken(theirs).get('/api/me').expect(401);
    await login('reset.password', NEW_PASSWORD).expect(200);
    await api.as('admin').get('/api/me').expect(200);
    const [, reset] = await auditRows(id);
    expect(reset).toMatchObject({ action: 'PASSWORD_RESET', actorId: api.ids.admin });
    expect(JSON.parse(reset.payload)).toEqual({ username: 'reset.password', sessionsEnded: true, version: 2 });

    const own = await api.as('admin').post(`/api/users/${api.ids.admin}/password`).send({ newPassword: NEW_PASSWORD }).expect(422);
    expect(own.body.details).toEqual({ rule: 'ownPasswordNeedsCurrent' });
    await api.as('manager').post(`/api/users/${id}/password`).send({ newPassword: 'yet another passphrase' }).expect(403);
    await api.as('admin').post('/api/users/00000000-0000-4000-8000-000000000000/password').send({ newPassword: NEW_PASSWORD }).expect(404);
    await login('reset.password', NEW_PASSWORD).expect(200);
  });

  it('lets an admin set the address a user’s notices are mailed to', async () => {
    const id = await newUser('with.address');
    const set = await api.as('admin').patch(`/api/users/${id}`).send({ email: 'someone@example.org' }).expect(200);
    expect(set.body.email).toBe('someone@example.org');
    expect((await api.as('admin').get(`/api/users/${id}`).expect(200)).body.email).toBe('someone@example.org');
  });

  describe('the account page', () => {
    it('shows and changes one’s details, keeping what was typed when a change is refused', async () => {
      await newUser('page.details');
      const page = await signInToPages(api.http, 'page.details');
      const shown = await page.get('/ui/account');
      expect(shown.status).toBe(200);
      expect(shown.headers['cache-control']).toBe('no-store');
      expect(inputValue(shown.html, 'account-name')).toBe('page.details');
      expect(shown.html).toContain('value="immediate" checked');

      const refused = await page.post('/ui/account', { displayName: 'Pat Page', email: 'not an address', emailMode: 'daily' });
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('email must be an email');
      expect(inputValue(refused.html, 'account-email')).toBe('not an address');
      expect(inputValue(refused.html, 'account-name')).toBe('Pat Page');

      const saved = await page.post('/ui/account', { displayName: 'Pat Page', email: 'pat@example.org', emailMode: 'daily' });
      expect(saved).toMatchObject({ status: 303, location: '/ui/account?done=SAVED' });
      const after = await page.get('/ui/account?done=SAVED');
      expect(after.html).toContain('Changes saved.');
      expect(inputValue(after.html, 'account-email')).toBe('pat@example.org');
      expect(after.html).toContain('value="daily" checked');
      const cleared = await page.post('/ui/account', { displayName: 'Pat Page', email: '', emailMode: 'off' });
      expect(cleared.status).toBe(303);
      const token = await tokenOf('page.details', USER_PASSWORD);
      expect((await asToken(token).get('/api/me').expect(200)).body).toMatchObject({ displayName: 'Pat Page', email: null, emailMode: 'off' });
    });

    it('changes one’s password and keeps this browser signed in, while every other session ends', async () => {
      await newUser('page.password');
      const elsewhere = await tokenOf('page.password', USER_PASSWORD);
      const page = await signInToPages(api.http, 'page.password');
      await page.get('/ui/account');
      const wrong = await page.post('/ui/account/password', { currentPassword: 'not my password', newPassword: NEW_PASSWORD });
      expect(wrong.status).toBe(422);
      expect(wrong.html).toContain('Your current password is not the one you typed.');
      expect(wrong.html).not.toContain('not my password');
      const weak = await page.post('/ui/account/password', { currentPassword: USER_PASSWORD, newPassword: 'short' });
      expect(weak.status).toBe(400);
      await asToken(elsewhere).get('/api/me').expect(200);

      const changed = await page.post('/ui/account/password', { currentPassword: USER_PASSWORD, newPassword: NEW_PASSWORD });
      expect(changed).toMatchObject({ status: 303, location: '/ui/account?done=PASSWORD' });
      const after = await page.get('/ui/account?done=PASSWORD');
      expect(after.status).toBe(200);
      expect(after.html).toContain('Password changed.');
      await asToken(elsewhere).get('/api/me').expect(401);
      await login('page.password', NEW_PASSWORD).expect(200);
    });
  });
});
