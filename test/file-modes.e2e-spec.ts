import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { actors, organizationInput } from './support/factories.js';
import { createTestApp, testDatabaseKind, type TestApp } from './support/test-app.js';

const SQLITE_FILES = ['partnerships.sqlite', 'partnerships.sqlite-wal', 'partnerships.sqlite-shm'];

function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

/** The modes of the SQLite file and its companions while the app has them open, after a write. */
async function sqliteModes(t: TestApp): Promise<Record<string, string>> {
  await t.get(OrganizationsService).create(organizationInput(), actors.manager);
  return Object.fromEntries(SQLITE_FILES.map((name) => [name, modeOf(join(t.dataDir, name))]));
}

/** SPEC: the SQLite file and its companions are readable by the service's user only (0600, in a 0700 folder it creates). */
describe('files in DATA_DIR', () => {
  let root: string;
  let umask: number;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'partnership-engine-modes-'));
    // The most permissive umask: the modes must not depend on it.
    umask = process.umask(0);
  });

  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates DATA_DIR and its missing parents 0700, and its files 0600', async () => {
    const dataDir = join(root, 'var', 'partnerships');
    const t = await createTestApp({ dataDir });
    try {
      expect({ parent: modeOf(join(root, 'var')), dataDir: modeOf(dataDir), secret: modeOf(join(dataDir, 'jwt-secret')) }).toEqual({
        parent: '700',
        dataDir: '700',
        secret: '600',
      });
      if (testDatabaseKind === 'sqlite') {
        expect(await sqliteModes(t)).toEqual({ 'partnerships.sqlite': '600', 'partnerships.sqlite-wal': '600', 'partnerships.sqlite-shm': '600' });
      } else {
        expect(SQLITE_FILES.filter((name) => existsSync(join(dataDir, name)))).toEqual([]);
      }
    } finally {
      await t.close();
    }
  });

  it('leaves a folder the operator made as it is, and makes the database files an older version left readable private', async () => {
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { mode: 0o750 });
    const first = await createTestApp({ dataDir });
    const files = testDatabaseKind === 'sqlite' ? SQLITE_FILES : [];
    await first.get(OrganizationsService).create(organizationInput(), actors.manager);
    await first.close();
    for (const name of files.filter((file) => existsSync(join(dataDir, file)))) chmodSync(join(dataDir, name), 0o644);

    const second = await createTestApp({ dataDir });
    try {
      expect(modeOf(dataDir)).toBe('750');
      if (testDatabaseKind === 'sqlite') {
        expect(await sqliteModes(second)).toEqual({ 'partnerships.sqlite': '600', 'partnerships.sqlite-wal': '600', 'partnerships.sqlite-shm': '600' });
      }
    } finally {
      await second.close();
    }
  });
});
