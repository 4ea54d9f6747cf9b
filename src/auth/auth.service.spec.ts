import { jest } from '@jest/globals';
import { JwtService, type JwtModuleOptions } from '@nestjs/jwt';
import type { AuditService } from '../audit/audit.service.js';
import type { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import type { WriteQueue } from '../database/write-queue.js';
import type { SessionUser, UsersService } from '../users/users.service.js';
import { AuthSettings, JWT_ALGORITHM } from './auth-settings.js';
import { AuthService } from './auth.service.js';
import type { LoginThrottle } from './login-throttle.js';

/*
 * AuthService remembers tokens it has verified. These tests hold that remembering changes nothing a
 * client can see: an expired, forged or withdrawn token is refused as it was without it.
 */

const settings = new AuthSettings('a test secret that is at least thirty-two characters long', 60);
const options: JwtModuleOptions = {
  secret: settings.jwtKey,
  signOptions: { algorithm: JWT_ALGORITHM, expiresIn: 60 },
  verifyOptions: { algorithms: [JWT_ALGORITHM] },
};
const T0 = Date.parse('2026-11-28T10:00:00.000Z');

function setup() {
  const jwt = new JwtService(options);
  const user: SessionUser = { id: 'u1', username: 'amna', displayName: 'Amna', roles: ['manager'], active: true };
  const sessions = new Set(['s1']);
  const users = { findForSession: jest.fn(async (id: string, sid: string) => (id === user.id && sessions.has(sid) ? { ...user } : null)) };
  const service = new AuthService(users as unknown as UsersService, jwt, settings, {} as LoginThrottle, {} as WriteQueue, {} as AuditService, {} as Clock);
  const verify = jest.spyOn(jwt, 'verifyAsync');
  return { jwt, user, sessions, users, service, verify };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe('UNAUTHENTICATED');
  return (error as DomainError).message;
}

describe('AuthService.authenticate with tokens it has verified before', () => {
  let now = T0;
  beforeEach(() => {
    now = T0;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('checks the signature once per token, and reads the user on every request', async () => {
    const { jwt, service, users, verify } = setup();
    const token = await jwt.signAsync({ sub: 'u1', sid: 's1' });
    for (let i = 0; i < 3; i += 1) {
      await expect(service.authenticate(`Bearer ${token}`)).resolves.toEqual({ id: 'u1', username: 'amna', displayName: 'Amna', roles: ['manager'] });
    }
    expect(verify).toHaveBeenCalledTimes(1);
    expect(users.findForSession).toHaveBeenCalledTimes(3);
  });

  it('refuses a token it accepted once it has expired, at the second jsonwebtoken refuses it', async () => {
    const { jwt, service } = setup();
    const token = await jwt.signAsync({ sub: 'u1', sid: 's1' });
    await service.authenticate(`Bearer ${token}`);
    now = T0 + 59_999;
    await expect(service.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ id: 'u1' });
    now = T0 + 60_000;
    expect(await refusal(service.authenticate(`Bearer ${token}`))).toBe('the token is invalid or has expired; sign in again');
    // and stays refused: the expired token was not remembered again
    expect(await refusal(service.authenticate(`Bearer ${token}`))).toBe('the token is invalid or has expired; sign in again');
  });

  it('refuses a token with the same claims and another signature while the genuine one is remembered', async () => {
    const { jwt, service } = setup();
    const token = await jwt.signAsync({ sub: 'u1', sid: 's1' });
    await service.authenticate(`Bearer ${token}`);
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${new JwtService().sign({ sub: 'u1', sid: 's1', iat: T0 / 1000 }, { secret: 'another secret that is at least thirty-two characters', expiresIn: 60 }).split('.')[2]}`;
    expect(forged).not.toBe(token);
    expect(await refusal(service.authenticate(`Bearer ${forged}`))).toBe('the token is invalid or has expired; sign in again');
    await expect(service.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ id: 'u1' });
  });

  it('refuses a remembered token once its user is disabled or its session has ended', async () => {
    const { jwt, service, user, sessions } = setup();
    const token = await jwt.signAsync({ sub: 'u1', sid: 's1' });
    await service.authenticate(`Bearer ${token}`);
    user.active = false;
    expect(await refusal(service.authenticate(`Bearer ${token}`))).toBe('the token is no longer valid; sign in again');
    user.active = true;
    sessions.delete('s1');
    expect(await refusal(service.authenticate(`Bearer ${token}`))).toBe('the token is no longer valid; sign in again');
  });

  it('refuses a genuine token that names no session, as tokens issued before sessions do', async () => {
    const { jwt, service } = setup();
    const token = await jwt.signAsync({ sub: 'u1', stamp: 's1' });
    expect(await refusal(service.authenticate(`Bearer ${token}`))).toBe('the token is no longer valid; sign in again');
  });
});
