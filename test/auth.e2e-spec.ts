import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity.js';
import { AuditService } from '../src/audit/audit.service.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const ADMIN_PASSWORD = 'first-admin-password-42';
/** Every password these tests use, so the audit check can look for all of them. */
const PASSWORDS = { manager: 'manager-password-1', approver: 'approver-password-1', changed: 'a-brand-new-password-2' };

function server(t: TestApp) {
  return t.app.getHttpServer();
}

/** Each test signs in from its own address (the app trusts X-Forwarded-For from loopback: TRUST_PROXY), so throttling stays per test. */
let nextAddress = 1;
function clientAddress(): string {
  nextAddress += 1;
  return `198.51.100.${nextAddress}`;
}

function login(t: TestApp, username: string, password: string, address = clientAddress()) {
  return request(server(t)).post('/api/auth/login').set('X-Forwarded-For', address).send({ username, password });
}

async function tokenFor(t: TestApp, username: string, password: string): Promise<string> {
  const response = await login(t, username, password).expect(200);
  return response.body.accessToken as string;
}

function get(t: TestApp, path: string, token?: string) {
  const call = request(server(t)).get(path);
  return token ? call.set('Authorization', `Bearer ${token}`) : call;
}

function post(t: TestApp, path: string, token: string, body: object) {
  return request(server(t)).post(path).set('Authorization', `Bearer ${token}`).send(body);
}

function patch(t: TestApp, path: string, token: string, body: object) {
  return request(server(t)).patch(path).set('Authorization', `Bearer ${token}`).send(body);
}

describe('sign-in, users and roles over HTTP', () => {
  let t: TestApp;
  let adminToken: string;
  let adminId: string;

  beforeAll(async () => {
    delete process.env.JWT_SECRET;
    t = await createTestApp({ env: { ADMIN_PASSWORD, TRUST_PROXY: 'loopback' } });
    adminToken = await tokenFor(t, 'admin', ADMIN_PASSWORD);
    adminId = (await get(t, '/api/auth/me', adminToken).expect(200)).body.id;
  });

  afterAll(async () => {
    await t.close();
    delete process.env.ADMIN_PASSWORD;
    delete process.env.TRUST_PROXY;
  });

  async function createUser(username: string, password: string, roles: string[]): Promise<string> {
    const response = await post(t, '/api/users', adminToken, { username, password, roles }).expect(201);
    return response.body.id as string;
  }

  it('creates the first admin from ADMIN_PASSWORD, who signs in and sees themselves', async () => {
    const response = await login(t, 'admin', ADMIN_PASSWORD).expect(200);
    expect(response.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 3600 });
    const me = await get(t, '/api/auth/me', response.body.accessToken).expect(200);
    expect(me.body).toEqual({ id: expect.any(String), username: 'admin', displayName: 'Administrator', roles: ['admin'] });
  });

  it('keeps health public and every other route behind a token', async () => {
    await get(t, '/api/health').expect(200, { status: 'ok', database: 'up' });
    for (const token of [undefined, 'not-a-jwt']) {
      const response = await get(t, '/api/auth/me', token).expect(401);
      expect(response.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    }
    await get(t, '/api/users').expect(401);
    const forged = new JwtService().sign({ sub: adminId, stamp: 'x' }, { secret: 'some-other-secret-that-is-long-enough', expiresIn: 60 });
    await get(t, '/api/auth/me', forged).expect(401);
  });

  it('answers an unknown user and a wrong password alike, with 401', async () => {
    const unknown = await login(t, 'nobody', 'whatever-password').expect(401);
    const wrong = await login(t, 'admin', 'not-the-password').expect(401);
    expect(unknown.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(wrong.body).toEqual(unknown.body);
    await login(t, 'admin', '').expect(400);
  });

  it('locks an account after five bad guesses, right password or not, and locks nobody else behind the same address', async () => {
    const id = await createUser('guessed.at', PASSWORDS.manager, ['manager']);
    await createUser('same.office', PASSWORDS.manager, ['manager']);
    const office = clientAddress();
    for (let attempt = 0; attempt < 5; attempt += 1) await login(t, 'guessed.at', 'wrong-password', office).expect(401);
    const refused = await login(t, 'guessed.at', PASSWORDS.manager, office).expect(429);
    expect(refused.body).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringContaining('too many failed sign-ins for this account'),
      details: { retryAfterSeconds: 900, scope: 'account' },
    });
    expect(refused.headers['retry-after']).toBe('900');
    // The account is locked wherever the guesses come from ...
    await login(t, 'GUESSED.AT', PASSWORDS.manager).expect(429);
    // ... and its colleague behind the same address signs in.
    await login(t, 'same.office', PASSWORDS.manager, office).expect(200);

    const audit = await t.get(AuditService).forEntity(id);
    const rows = audit.filter((row) => row.action.startsWith('LOGIN_'));
    expect(rows.map((row) => [row.action, row.actorId, row.outcome, JSON.parse(row.payload)])).toEqual([
      ...Array.from({ length: 5 }, () => ['LOGIN_FAILED', 'anonymous', 'denied', { username: 'guessed.at', address: office, reason: 'wrongPassword' }]),
      ['LOGIN_LOCKED', 'anonymous', 'denied', { scope: 'account', username: 'guessed.at', address: office, until: '2026-03-02T09:15:00.000Z' }],
    ]);
    expect(JSON.stringify(audit)).not.toContain('wrong-password');
    expect(await t.get(AuditService).verify()).toMatchObject({ ok: true });

    // The window runs on the service's clock: once it has passed, the account signs in again.
    t.clock.set('2026-03-02T09:15:00.000Z');
    await login(t, 'guessed.at', PASSWORDS.manager, office).expect(200);
    t.clock.set('2026-03-02T09:00:00.000Z');
  });

  it('does not count successful sign-ins against an account', async () => {
    await createUser('often.in', PASSWORDS.manager, ['manager']);
    const address = clientAddress();
    for (let attempt = 0; attempt < 4; attempt += 1) await login(t, 'often.in', 'wrong-password', address).expect(401);
    for (let attempt = 0; attempt < 3; attempt += 1) await login(t, 'often.in', PASSWORDS.manager, address).expect(200);
    await login(t, 'often.in', 'wrong-password', address).expect(401);
    await login(t, 'often.in', 'wrong-password', address).expect(429);
  });

  it('locks an address (an IPv6 /64) after fifty failed sign-ins across accounts, and audits each failure and the lock once', async () => {
    // One client stepping through the addresses of its /64, a new one for every guess.
    const network = `2001:db8:0:${(nextAddress += 1)}`;
    const before = (await t.get(AuditService).search({ actor: 'anonymous', limit: 1 })).total;
    for (let attempt = 0; attempt < 50; attempt += 1)
      await login(t, `sprayed.${attempt}`, 'wrong-password', `${network}::${(attempt + 1).toString(16)}`).expect(401);
    const refused = await login(t, 'admin', ADMIN_PASSWORD, `${network}::ffff`).expect(429);
    expect(refused.body).toMatchObject({ message: expect.stringContaining('too many failed sign-ins from this address'), details: { scope: 'address' } });
    await login(t, 'sprayed.50', 'wrong-password', `${network}::1`).expect(429);
    // Another address is not affected, nor the accounts it did not guess at.
    await login(t, 'admin', ADMIN_PASSWORD, `2001:db8:1:${nextAddress}::1`).expect(200);

    const rows = (await t.get(AuditService).search({ actor: 'anonymous', limit: 100, offset: before })).items;
    expect(rows.map((row) => row.action)).toEqual([...Array.from({ length: 50 }, () => 'LOGIN_FAILED'), 'LOGIN_LOCKED']);
    expect(rows[0]).toMatchObject({ entityType: 'user', entityId: '-' });
    expect(JSON.parse(rows[0].payload)).toEqual({ username: 'sprayed.0', address: `${network}::1`, reason: 'unknownUser' });
    expect(rows[50]).toMatchObject({ entityType: 'address', entityId: `${network}::/64` });
    expect(JSON.parse(rows[50].payload)).toEqual({ scope: 'address', username: 'sprayed.49', address: `${network}::32`, until: '2026-03-02T09:15:00.000Z' });
    // Fifty scrypt checks in a row (N = 2^15): about 5 s on an idle machine, more than a minute on a loaded one.
  }, 180_000);

  it('logs each failed sign-in and lock-out, never the password, nor a name that is no username', async () => {
    await createUser('logged.user', PASSWORDS.manager, ['manager']);
    const warned = jest.spyOn(Logger.prototype, 'warn');
    try {
      const address = clientAddress();
      for (let attempt = 0; attempt < 5; attempt += 1) await login(t, 'logged.user', `secret-guess-${attempt}`, address).expect(401);
      await login(t, 'my password is hunter22', 'secret-guess-x', address).expect(401);
      const lines = warned.mock.calls.map((call) => String(call[0]));
      expect(lines).toEqual([
        ...Array.from({ length: 5 }, () => `sign-in failed for logged.user from ${address}: wrongPassword`),
        'sign-in locked for the account logged.user until 2026-03-02T09:15:00.000Z',
        `sign-in failed for a name that is no username from ${address}: unknownUser`,
      ]);
      expect(lines.join('\n')).not.toMatch(/secret-guess|hunter22/);
    } finally {
      warned.mockRestore();
    }
  });

  it('lets an admin create users with roles, answering without the password', async () => {
    const response = await post(t, '/api/users', adminToken, {
      username: 'Amina.Khan',
      password: PASSWORDS.manager,
      displayName: 'Amina Khan',
      roles: ['manager', 'auditor'],
    }).expect(201);
    expect(response.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: 'amina.khan',
      displayName: 'Amina Khan',
      roles: ['manager', 'auditor'],
      active: true,
      email: null,
      emailMode: 'immediate',
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const token = await tokenFor(t, 'AMINA.KHAN', PASSWORDS.manager);
    const me = await get(t, '/api/auth/me', token).expect(200);
    expect(me.body).toEqual({ id: response.body.id, username: 'amina.khan', displayName: 'Amina Khan', roles: ['manager', 'auditor'] });

    const list = await get(t, '/api/users', adminToken).expect(200);
    expect(list.body.total).toBeGreaterThanOrEqual(2);
    expect(list.body.items.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['admin', 'amina.khan']));
    for (const item of list.body.items) expect(Object.keys(item)).not.toEqual(expect.arrayContaining(['password']));
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|password/i);

    const one = await get(t, `/api/users/${response.body.id}`, adminToken).expect(200);
    expect(one.body).toEqual(response.body);
  });

  it('refuses a taken username with 409 and malformed users with 400', async () => {
    await createUser('taken.name', PASSWORDS.manager, ['manager']);
    const duplicate = await post(t, '/api/users', adminToken, { username: 'Taken.Name', password: PASSWORDS.manager, roles: ['approver'] }).expect(409);
    expect(duplicate.body).toMatchObject({ code: 'CONFLICT' });
    const bad: object[] = [
      { username: 'ab', password: PASSWORDS.manager, roles: ['manager'] },
      { username: 'has space', password: PASSWORDS.manager, roles: ['manager'] },
      { username: 'x'.repeat(41), password: PASSWORDS.manager, roles: ['manager'] },
      { username: 'short.pw', password: 'too-short', roles: ['manager'] },
      { username: 'no.roles', password: PASSWORDS.manager, roles: [] },
      { username: 'bad.role', password: PASSWORDS.manager, roles: ['superuser'] },
      { username: 'twice.role', password: PASSWORDS.manager, roles: ['manager', 'manager'] },
      { username: 'extra.field', password: PASSWORDS.manager, roles: ['manager'], isRoot: true },
      { password: PASSWORDS.manager, roles: ['manager'] },
    ];
    for (const body of bad) {
      const response = await post(t, '/api/users', adminToken, body);
      expect({ body, status: response.status, code: response.body.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('refuses weak passwords on creation and on change, naming the rule, and changes nothing', async () => {
    const id = await createUser('weak.password', PASSWORDS.manager, ['manager']);
    const short = await post(t, '/api/users', adminToken, { username: 'new.weak.user', password: 'too-short', roles: ['manager'] }).expect(400);
    expect(short.body).toMatchObject({ code: 'VALIDATION_FAILED', message: 'password must be longer than or equal to 10 characters' });
    const rules: Array<[string, string, string]> = [
      ['aaaaaaaaaa', 'passwordNotOneCharacter', 'password must not be one character repeated'],
      ['1234567890', 'passwordNotCommon', 'password is a commonly used password; choose another'],
    ];
    for (const [password, rule, message] of [...rules, ['New.Weak.User', 'passwordNotUsername', 'password must not be the username']]) {
      const response = await post(t, '/api/users', adminToken, { username: 'new.weak.user', password, roles: ['manager'] });
      expect({ password, status: response.status, body: response.body }).toEqual({
        password,
        status: 400,
        body: { statusCode: 400, code: 'VALIDATION_FAILED', message, details: { field: 'password', rule, errors: [message] } },
      });
    }
    for (const [password, rule] of [...rules, ['WEAK.PASSWORD', 'passwordNotUsername']]) {
      const response = await patch(t, `/api/users/${id}`, adminToken, { password, displayName: 'Not saved' });
      expect({ password, status: response.status, rule: response.body.details?.rule }).toEqual({ password, status: 400, rule });
    }
    const users = (await get(t, '/api/users', adminToken).expect(200)).body.items as Array<{ username: string; displayName: string; version: number }>;
    expect(users.map((u) => u.username)).not.toContain('new.weak.user');
    expect(users.find((u) => u.username === 'weak.password')).toMatchObject({ displayName: 'weak.password', version: 1 });
    await login(t, 'weak.password', PASSWORDS.manager).expect(200);
  });

  it('forbids user management to anyone but an admin, naming the role needed', async () => {
    await createUser('approver.one', PASSWORDS.approver, ['approver', 'manager', 'auditor']);
    const token = await tokenFor(t, 'approver.one', PASSWORDS.approver);
    const listed = await get(t, '/api/users', token).expect(403);
    expect(listed.body).toMatchObject({ code: 'FORBIDDEN', details: { requiredRoles: ['admin'] } });
    await post(t, '/api/users', token, { username: 'sneaky', password: PASSWORDS.manager, roles: ['admin'] }).expect(403);
    await patch(t, `/api/users/${adminId}`, token, { active: false }).expect(403);
  });

  it('validates the id and answers 404 for a missing user', async () => {
    const malformed = await patch(t, '/api/users/not-a-uuid', adminToken, { active: false }).expect(400);
    expect(malformed.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    const missing = await patch(t, '/api/users/00000000-0000-4000-8000-000000000000', adminToken, { active: false }).expect(404);
    expect(missing.body).toMatchObject({ code: 'NOT_FOUND' });
    await get(t, '/api/users/00000000-0000-4000-8000-000000000000', adminToken).expect(404);
  });

  it('ends a token when it signs out, at once, and only that token', async () => {
    await createUser('signs.out', PASSWORDS.manager, ['manager']);
    const [first, second] = [await tokenFor(t, 'signs.out', PASSWORDS.manager), await tokenFor(t, 'signs.out', PASSWORDS.manager)];
    await get(t, '/api/auth/me', first).expect(200);
    const signedOut = await post(t, '/api/auth/logout', first, {}).expect(200);
    expect(signedOut.body).toEqual({ endedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect((await get(t, '/api/auth/me', first).expect(401)).body).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'the token is no longer valid; sign in again',
    });
    await post(t, '/api/auth/logout', first, {}).expect(401);
    await get(t, '/api/auth/me', second).expect(200);
    await request(server(t)).post('/api/auth/logout').expect(401);
  });

  it('stops a disabled user at once, tokens and feed tokens included, and a re-enabled user signs in afresh', async () => {
    const id = await createUser('to.disable', PASSWORDS.manager, ['manager']);
    const token = await tokenFor(t, 'to.disable', PASSWORDS.manager);
    await get(t, '/api/auth/me', token).expect(200);
    const feed = (await post(t, '/api/calendar/tokens', token, { label: 'Phone' }).expect(201)).body as { path: string };
    await get(t, feed.path).expect(200);

    const disabled = await patch(t, `/api/users/${id}`, adminToken, { active: false }).expect(200);
    expect(disabled.body).toMatchObject({ active: false, version: 2 });
    const refused = await get(t, '/api/auth/me', token).expect(401);
    expect(refused.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    await login(t, 'to.disable', PASSWORDS.manager).expect(401);

    await get(t, feed.path).expect(401);

    await patch(t, `/api/users/${id}`, adminToken, { active: true }).expect(200);
    // What was ended stays ended: re-enabling gives back no old token, session or feed.
    await get(t, '/api/auth/me', token).expect(401);
    await get(t, feed.path).expect(401);
    const fresh = await tokenFor(t, 'to.disable', PASSWORDS.manager);
    await get(t, '/api/auth/me', fresh).expect(200);
  });

  it('ends the sessions of a user whose roles change; the next sign-in has the new roles', async () => {
    const id = await createUser('role.change', PASSWORDS.manager, ['manager']);
    const token = await tokenFor(t, 'role.change', PASSWORDS.manager);
    await get(t, '/api/users', token).expect(403);
    const promoted = await patch(t, `/api/users/${id}`, adminToken, { roles: ['approver', 'admin'], displayName: 'Role Change' }).expect(200);
    expect(promoted.body).toMatchObject({ roles: ['admin', 'approver'], displayName: 'Role Change' });
    await get(t, '/api/users', token).expect(401);
    const fresh = await tokenFor(t, 'role.change', PASSWORDS.manager);
    await get(t, '/api/users', fresh).expect(200);
    expect((await get(t, '/api/auth/me', fresh).expect(200)).body.roles).toEqual(['admin', 'approver']);
    // A change of the display name alone ends nothing.
    await patch(t, `/api/users/${id}`, adminToken, { displayName: 'Role Changed' }).expect(200);
    await get(t, '/api/auth/me', fresh).expect(200);
  });

  it('changes a password: the new one signs in, the old one, old tokens and feed tokens no longer work', async () => {
    const id = await createUser('pw.change', PASSWORDS.manager, ['manager']);
    const oldToken = await tokenFor(t, 'pw.change', PASSWORDS.manager);
    const feed = (await post(t, '/api/calendar/tokens', oldToken, { label: 'Laptop' }).expect(201)).body as { id: string; path: string };
    const othersFeed = (await post(t, '/api/calendar/tokens', adminToken, { label: 'Admin' }).expect(201)).body as { path: string };
    await get(t, feed.path).expect(200);
    await patch(t, `/api/users/${id}`, adminToken, { password: 'short' }).expect(400);
    await get(t, '/api/auth/me', oldToken).expect(200);
    await patch(t, `/api/users/${id}`, adminToken, { password: PASSWORDS.changed }).expect(200);
    await login(t, 'pw.change', PASSWORDS.manager).expect(401);
    const newToken = await tokenFor(t, 'pw.change', PASSWORDS.changed);
    await get(t, '/api/auth/me', oldToken).expect(401);
    await get(t, '/api/auth/me', newToken).expect(200);
    await get(t, feed.path).expect(401);
    const listed = (await get(t, '/api/calendar/tokens', newToken).expect(200)).body.items as Array<{ id: string; revokedAt: string | null }>;
    expect(listed).toEqual([expect.objectContaining({ id: feed.id, revokedAt: expect.any(String) })]);
    // Someone else's sessions and feeds are not touched.
    await get(t, '/api/auth/me', adminToken).expect(200);
    await get(t, othersFeed.path).expect(200);
  });

  it('never lets an admin disable themselves or change their own roles, and records each attempt', async () => {
    const disable = await patch(t, `/api/users/${adminId}`, adminToken, { active: false }).expect(422);
    expect(disable.body).toMatchObject({ code: 'GUARD_FAILED', details: { rule: 'adminCannotDisableSelf' } });
    for (const roles of [['manager'], ['admin', 'approver']]) {
      const refused = await patch(t, `/api/users/${adminId}`, adminToken, { roles }).expect(403);
      expect(refused.body).toEqual({
        statusCode: 403,
        code: 'SEPARATION_OF_DUTIES',
        message: 'another admin must change your roles',
        details: { rule: 'adminCannotChangeOwnRoles' },
      });
    }
    // Sending the roles one holds changes nothing, so it is not refused.
    expect((await patch(t, `/api/users/${adminId}`, adminToken, { roles: ['admin'], displayName: 'Administrator' }).expect(200)).body).toMatchObject({
      roles: ['admin'],
      version: 1,
    });
    expect((await get(t, '/api/auth/me', adminToken).expect(200)).body.roles).toEqual(['admin']);
    const denied = await t.get(AuditService).search({ actor: adminId, outcome: 'denied', entityId: adminId });
    expect(denied.items.map((row) => JSON.parse(row.payload).details.rule)).toEqual([
      'adminCannotDisableSelf',
      'adminCannotChangeOwnRoles',
      'adminCannotChangeOwnRoles',
    ]);

    // Another admin may.
    const second = await createUser('second.admin', PASSWORDS.manager, ['admin']);
    const secondToken = await tokenFor(t, 'second.admin', PASSWORDS.manager);
    await patch(t, `/api/users/${second}`, secondToken, { roles: ['admin', 'approver'] }).expect(403);
    const granted = await patch(t, `/api/users/${second}`, adminToken, { roles: ['admin', 'approver'] }).expect(200);
    expect(granted.body.roles).toEqual(['admin', 'approver']);
  });

  it('tells caches to keep no answer that carries a token or a person’s data', async () => {
    const id = await createUser('no.store', PASSWORDS.manager, ['manager']);
    const token = await tokenFor(t, 'no.store', PASSWORDS.manager);
    const feedToken = await post(t, '/api/calendar/tokens', token, { label: 'Phone' }).expect(201);
    const answers = {
      login: await login(t, 'no.store', PASSWORDS.manager).expect(200),
      me: await get(t, '/api/auth/me', token).expect(200),
      'create user': await post(t, '/api/users', adminToken, { username: 'no.store.two', password: PASSWORDS.manager, roles: ['auditor'] }).expect(201),
      'list users': await get(t, '/api/users', adminToken).expect(200),
      'get user': await get(t, `/api/users/${id}`, adminToken).expect(200),
      'change user': await patch(t, `/api/users/${id}`, adminToken, { displayName: 'No Store' }).expect(200),
      'create feed token': feedToken,
      'list feed tokens': await get(t, '/api/calendar/tokens', token).expect(200),
      'revoke feed token': await request(server(t)).delete(`/api/calendar/tokens/${feedToken.body.id}`).set('Authorization', `Bearer ${token}`).expect(200),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([name, response]) => [name, response.headers['cache-control']]))).toEqual(
      Object.fromEntries(Object.keys(answers).map((name) => [name, 'no-store'])),
    );
  });

  it('refuses unknown PATCH fields', async () => {
    const response = await patch(t, `/api/users/${adminId}`, adminToken, { username: 'root' }).expect(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('keeps a generated signing secret in $DATA_DIR/jwt-secret, readable by the owner only', async () => {
    const path = join(t.dataDir, 'jwt-secret');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const secret = readFileSync(path, 'utf8').trim();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    // The file's secret is the one in use: a token signed with it, but long expired, is refused as expired.
    const jwt = new JwtService();
    const { sid } = jwt.decode<{ sid: string }>(adminToken);
    const past = Math.floor(Date.now() / 1000) - 7200;
    const expired = jwt.sign({ sub: adminId, sid, iat: past }, { secret, expiresIn: 3600 });
    await get(t, '/api/auth/me', expired).expect(401);
    const fresh = jwt.sign({ sub: adminId, sid }, { secret, expiresIn: 60 });
    await get(t, '/api/auth/me', fresh).expect(200);
  });

  it('audits each user change as entity type "user" without any password or hash', async () => {
    const rows = await t
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ where: { entityType: 'user' }, order: { seq: 'ASC' } });
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['CREATE', 'UPDATE']));
    const adminCreated = rows.find((r) => r.entityId === adminId);
    expect(adminCreated).toMatchObject({ action: 'CREATE', actorId: 'system' });
    const updates = rows.filter((r) => r.action === 'UPDATE');
    expect(updates.every((r) => r.actorId === adminId)).toBe(true);
    expect(updates.some((r) => JSON.parse(r.payload).changes.password === 'changed')).toBe(true);
    const everything = JSON.stringify(await t.get(DataSource).getRepository(AuditEvent).find());
    for (const secret of [ADMIN_PASSWORD, ...Object.values(PASSWORDS)]) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('scrypt$');
    expect(await t.get(AuditService).verify()).toMatchObject({ ok: true });
  });
});

describe('whose address a sign-in comes from: TRUST_PROXY', () => {
  afterEach(() => {
    delete process.env.TRUST_PROXY;
    delete process.env.ADMIN_PASSWORD;
  });

  /** The address recorded for a failed sign-in sent through this machine's loopback with X-Forwarded-For: 203.0.113.77. */
  async function addressRecorded(trustProxy: string | undefined): Promise<string> {
    delete process.env.TRUST_PROXY;
    const t = await createTestApp({ env: { ADMIN_PASSWORD, ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }) } });
    try {
      await login(t, 'admin', 'wrong-password', '203.0.113.77').expect(401);
      const [row] = (await t.get(AuditService).search({ action: 'LOGIN_FAILED' })).items;
      return JSON.parse(row.payload).address as string;
    } finally {
      await t.close();
    }
  }

  it("is the socket's unless TRUST_PROXY names the proxy: a client cannot choose its own", async () => {
    expect(await addressRecorded(undefined)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    expect(await addressRecorded('10.0.0.0/8, 192.168.0.1')).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it('is the one X-Forwarded-For names when the request came through a proxy TRUST_PROXY names', async () => {
    expect(await addressRecorded('loopback')).toBe('203.0.113.77');
    expect(await addressRecorded('127.0.0.1/8, ::1')).toBe('203.0.113.77');
  });

  it('refuses to start with a value Express could not read', async () => {
    await expect(createTestApp({ env: { TRUST_PROXY: 'the proxy' } })).rejects.toThrow(
      'TRUST_PROXY must be true, false, a number of hops, or comma-separated addresses, subnets (CIDR), loopback, linklocal or uniquelocal',
    );
  });
});

describe('sessions on two instances serving one database', () => {
  it('ends a token on both when it signs out on one, though both had accepted it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'partnership-engine-auth-'));
    const first = await createTestApp({ dataDir, env: { ADMIN_PASSWORD } });
    const second = await createTestApp({ dataDir });
    try {
      const token = await tokenFor(first, 'admin', ADMIN_PASSWORD);
      const other = await tokenFor(second, 'admin', ADMIN_PASSWORD);
      await get(second, '/api/auth/me', token).expect(200);
      await get(first, '/api/auth/me', token).expect(200);
      await post(first, '/api/auth/logout', token, {}).expect(200);
      await get(second, '/api/auth/me', token).expect(401);
      await get(first, '/api/auth/me', token).expect(401);
      await get(first, '/api/auth/me', other).expect(200);
    } finally {
      await second.close();
      await first.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('first start with a weak ADMIN_PASSWORD', () => {
  afterAll(() => {
    delete process.env.ADMIN_PASSWORD;
  });

  it('refuses to start, naming the rule, and creates no admin', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'partnership-engine-auth-'));
    try {
      for (const [password, message] of [
        ['aaaaaaaaaa', 'ADMIN_PASSWORD is refused: password must not be one character repeated'],
        ['1234567890', 'ADMIN_PASSWORD is refused: password is a commonly used password; choose another'],
        ['admin', 'ADMIN_PASSWORD is refused: password must have at least 10 characters'],
      ]) {
        await expect(createTestApp({ dataDir, env: { ADMIN_PASSWORD: password } })).rejects.toThrow(message);
      }
      const started = await createTestApp({ dataDir, env: { ADMIN_PASSWORD } });
      try {
        await login(started, 'admin', ADMIN_PASSWORD).expect(200);
      } finally {
        await started.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('first start without ADMIN_PASSWORD', () => {
  it('generates an admin password, logs it exactly once across restarts and never audits it', async () => {
    delete process.env.ADMIN_PASSWORD;
    const secret = 'a-configured-jwt-secret-of-enough-length';
    process.env.JWT_SECRET = secret;
    const logged = jest.spyOn(Logger.prototype, 'log');
    const dataDir = mkdtempSync(join(tmpdir(), 'partnership-engine-auth-'));
    const apps: TestApp[] = [];
    try {
      const first = await createTestApp({ dataDir });
      apps.push(first);
      const messages = logged.mock.calls.map((call) => String(call[0]));
      const announcements = messages.filter((m) => m.includes('generated password'));
      expect(announcements).toHaveLength(1);
      const password = /generated password (\S+)/.exec(announcements[0])?.[1] ?? '';
      expect(password.length).toBeGreaterThanOrEqual(20);
      await login(first, 'admin', password).expect(200);
      // JWT_SECRET set: no secret file.
      expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
      await first.close();
      apps.pop();

      const second = await createTestApp({ dataDir });
      apps.push(second);
      const all = logged.mock.calls.map((call) => String(call[0]));
      expect(all.filter((m) => m.includes(password))).toHaveLength(1);
      expect(all.filter((m) => m.includes('Created the first user'))).toHaveLength(1);
      await login(second, 'admin', password).expect(200);
      const audit = await second.get(DataSource).getRepository(AuditEvent).find();
      expect(audit.filter((r) => r.entityType === 'user')).toHaveLength(1);
      expect(JSON.stringify(audit)).not.toContain(password);
    } finally {
      logged.mockRestore();
      delete process.env.JWT_SECRET;
      for (const app of apps) await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
