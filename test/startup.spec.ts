import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestApp, testDatabaseKind } from './support/test-app.js';

describe('start-up', () => {
  it('answers health with the database up', async () => {
    const t = await createTestApp();
    try {
      await request(t.app.getHttpServer()).get('/api/health').expect(200, { status: 'ok', database: 'up' });
      const dataSource = t.app.get(DataSource);
      if (testDatabaseKind === 'sqlite') {
        const pragmas = await dataSource.query('PRAGMA journal_mode');
        expect(pragmas[0].journal_mode).toBe('wal');
      } else {
        // The app created its own schema and migrated into it.
        const [{ schema }] = await dataSource.query('SELECT current_schema() AS schema');
        expect(schema).toBe(process.env.DATABASE_SCHEMA);
        const tables = await dataSource.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
        expect(tables.map((r: { table_name: string }) => r.table_name)).toEqual(expect.arrayContaining(['audit_events', 'partnerships', 'timers']));
      }
    } finally {
      await t.close();
    }
  });

  it('stops with a message naming the file and the path when a definition is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    const definition = JSON.parse(readFileSync('workflows/partnership-mou.v1.json', 'utf8'));
    definition.machine.states.proposal.on.WITHDRAW.guard = 'noSuchGuard';
    writeFileSync(join(dir, 'partnership-mou.v1.json'), JSON.stringify(definition));
    await expect(createTestApp({ env: { WORKFLOWS_DIR: dir } })).rejects.toThrow(
      'partnership-mou.v1.json: machine.states.proposal.on.WITHDRAW.guard: unknown guard "noSuchGuard"',
    );
  });

  it('stops naming the labels file and the missing ids when a state or event has no label', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    for (const file of ['partnership-mou.v1.json', 'recurring-activity.v1.json', 'recurring-activity.labels.json']) {
      writeFileSync(join(dir, file), readFileSync(join('workflows', file)));
    }
    const labels = JSON.parse(readFileSync('workflows/partnership-mou.labels.json', 'utf8'));
    delete labels.states.mou_drafting;
    delete labels.events.RECORD_SIGNATURE;
    writeFileSync(join(dir, 'partnership-mou.labels.json'), JSON.stringify(labels));
    await expect(createTestApp({ env: { WORKFLOWS_DIR: dir } })).rejects.toThrow(
      'partnership-mou.labels.json: has no label for states.mou_drafting, events.RECORD_SIGNATURE of partnership-mou.v1.json',
    );
  });

  it.each([
    ['RATE_LIMIT_WRITES_PER_MINUTE', 'many'],
    ['RATE_LIMIT_WRITES_PER_MINUTE', '0'],
    ['PORT', 'http'],
    ['PORT', '70000'],
  ])('refuses %s=%s at start, naming the setting', async (name, value) => {
    try {
      await expect(createTestApp({ env: { [name]: value } })).rejects.toThrow(new RegExp(`invalid configuration: .*${name}`));
    } finally {
      // createTestApp leaves its env in process.env, where it would stop the next app.
      delete process.env[name];
    }
  });

  it('hashes new passwords with PASSWORD_HASH_COST, and refuses a cost outside 10 to 17 at start', async () => {
    const t = await createTestApp({ env: { PASSWORD_HASH_COST: '11', ADMIN_PASSWORD: 'a long admin password 4711' } });
    try {
      const [admin] = await t.app.get(DataSource).query("SELECT password_hash AS hash FROM users WHERE username = 'admin'");
      expect(admin.hash).toMatch(/^scrypt\$2048\$8\$1\$/);
    } finally {
      await t.close();
    }
    for (const cost of ['9', '18', 'fifteen']) {
      await expect(createTestApp({ env: { PASSWORD_HASH_COST: cost } })).rejects.toThrow(/invalid configuration: .*PASSWORD_HASH_COST/);
    }
  });
});
