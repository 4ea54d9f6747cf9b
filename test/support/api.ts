import request from 'supertest';
import type { App } from 'supertest/types.js';
import { createTestApp, type TestApp } from './test-app.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';
export const USER_PASSWORD = 'correct horse battery';

export const ROLE_USERS = {
  admin: ['admin'],
  manager: ['manager'],
  manager2: ['manager'],
  approver: ['approver'],
  approver2: ['approver'],
  auditor: ['auditor'],
  managerApprover: ['manager', 'approver'],
} as const;

export type UserName = keyof typeof ROLE_USERS;

export interface ApiApp extends TestApp {
  http: App;
  tokens: Record<UserName, string>;
  ids: Record<UserName, string>;
  as(user: UserName): AuthedAgent;
}

export interface AuthedAgent {
  get(path: string): request.Test;
  post(path: string): request.Test;
  patch(path: string): request.Test;
  delete(path: string): request.Test;
}

/**
 * The real app over HTTP, with one signed-in user per role combination. With `dataDir`, on that
 * storage, which the caller removes; `reopen`: an app started there before made the users already.
 */
export async function createApiApp(env: Record<string, string> = {}, options: { dataDir?: string; reopen?: boolean } = {}): Promise<ApiApp> {
  const t = await createTestApp({ env: { ADMIN_PASSWORD, ...env }, dataDir: options.dataDir });
  const http = t.app.getHttpServer() as App;
  const login = async (username: string, password: string) =>
    (await request(http).post('/api/auth/login').send({ username, password }).expect(200)).body.accessToken as string;
  const adminToken = await login('admin', ADMIN_PASSWORD);
  const tokens = { admin: adminToken } as Record<UserName, string>;
  const ids = {} as Record<UserName, string>;
  const me = await request(http).get('/api/auth/me').set('Authorization', `Bearer ${adminToken}`).expect(200);
  ids.admin = me.body.id;
  for (const [name, roles] of Object.entries(ROLE_USERS) as Array<[UserName, readonly string[]]>) {
    if (name === 'admin') continue;
    if (options.reopen) {
      tokens[name] = await login(name.toLowerCase(), USER_PASSWORD);
      ids[name] = (await request(http).get('/api/auth/me').set('Authorization', `Bearer ${tokens[name]}`).expect(200)).body.id;
      continue;
    }
    const created = await request(http)
      .post('/api/users')
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ username: name.toLowerCase(), password: USER_PASSWORD, displayName: `Test ${name}`, roles })
      .expect(201);
    ids[name] = created.body.id;
    tokens[name] = await login(name.toLowerCase(), USER_PASSWORD);
  }
  const as = (user: UserName): AuthedAgent => {
    const auth = (test: request.Test) => test.set('Authorization', `Bearer ${tokens[user]}`);
    return {
      get: (path) => auth(request(http).get(path)),
      post: (path) => auth(request(http).post(path)),
      patch: (path) => auth(request(http).patch(path)),
      delete: (path) => auth(request(http).delete(path)),
    };
  };
  return { ...t, http, tokens, ids, as };
}
