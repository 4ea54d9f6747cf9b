import { createApiApp, type ApiApp } from './support/api.js';

describe('values a database cannot compare', () => {
  let api: ApiApp;

  beforeAll(async () => {
    api = await createApiApp();
  });

  afterAll(() => api.close());

  it.each(['/api/partnerships?q=a%00b', '/api/organizations?q=a%00b', '/api/audit?entityId=a%00b'])('answers %s without a 500', async (path) => {
    const user = path.startsWith('/api/audit') ? 'auditor' : 'manager';
    const response = await api.as(user).get(path);
    // SPEC: text a database could not store (a NUL) is 400 on every database alike, naming the field.
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.stringContaining(path.split('?')[1].split('=')[0]) });
  });
});
