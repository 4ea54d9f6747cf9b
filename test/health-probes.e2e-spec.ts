import { renameSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, dropDatabase, testDatabaseKind, type TestApp } from './support/test-app.js';

const UP = { status: 'up' };

describe(`liveness and readiness on ${testDatabaseKind === 'postgres' ? 'PostgreSQL' : 'SQLite'}`, () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp();
  });

  afterEach(async () => {
    await t.close();
  });

  const get = (path: string) => request(t.app.getHttpServer()).get(path);

  it('is live, and ready with every check up; GET /api/health answers as before', async () => {
    await get('/api/health/live').expect(200, { status: 'live' });
    const checks = { database: UP, migrations: UP, timerPoller: UP, ...(testDatabaseKind === 'sqlite' ? { databaseFile: UP } : {}) };
    await get('/api/health/ready').expect(200, { status: 'ready', checks });
    await get('/api/health').expect(200, { status: 'ok', database: 'up' });
  });

  it('is not ready while a migration is pending, and is again once it is applied', async () => {
    const dataSource = t.get(DataSource);
    const [last] = await dataSource.query<Array<{ id: number; timestamp: string | number; name: string }>>(
      'SELECT id, timestamp, name FROM migrations ORDER BY id DESC LIMIT 1',
    );
    await dataSource.query(`DELETE FROM migrations WHERE id = ${Number(last.id)}`);
    const answer = await get('/api/health/ready').expect(503);
    expect(answer.body).toEqual({
      statusCode: 503,
      code: 'NOT_READY',
      message: 'not ready: migrations (migrations are pending)',
      details: { checks: expect.objectContaining({ database: UP, migrations: { status: 'down', message: 'migrations are pending' } }) },
    });
    await get('/api/health/live').expect(200);
    await dataSource.query(`INSERT INTO migrations (id, timestamp, name) VALUES (${Number(last.id)}, ${Number(last.timestamp)}, '${last.name}')`);
    await get('/api/health/ready').expect(200);
  });

  it('is not ready when the database is gone: the PostgreSQL schema dropped, or the SQLite file moved away', async () => {
    if (testDatabaseKind === 'postgres') await dropDatabase(t.dataDir);
    else renameSync(join(t.dataDir, 'partnerships.sqlite'), join(t.dataDir, 'moved.sqlite'));
    const answer = await get('/api/health/ready').expect(503);
    const down = testDatabaseKind === 'postgres' ? 'migrations' : 'databaseFile';
    expect(answer.body.details.checks[down]).toEqual({ status: 'down', message: expect.any(String) });
    await get('/api/health/live').expect(200);
  });
});
