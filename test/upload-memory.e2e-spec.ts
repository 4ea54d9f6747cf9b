import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildService } from './support/service-build.js';
import { ServiceProcess } from './support/service-process.js';
import { createDatabase, databaseEnv, dropDatabase, testDatabaseKind } from './support/test-app.js';

/**
 * SPEC, "Documents and the agreed text", and issue 19: a 25 MB upload is never held in memory more
 * than once. The built service runs as a process of its own, so that its peak resident memory is
 * its own: the kernel's high-water mark (VmHWM) is reset after a warm-up upload and download of the
 * same size, then one 25 MiB upload must raise it by less than the file, which any path that holds
 * the file whole in memory reaches (it is spooled to disk and stored a chunk at a time: what remains
 * is buffers not yet collected, under 1 MiB on Node 20 and 12.6 MiB once on Node 24, whose young
 * generation grows larger), and its download by less than three times the file. The service before issue 19 gathered the file in one buffer and bound
 * it whole into the INSERT, and read it back whole: its upload raised the peak by 32 to 39 MiB on
 * SQLite (better-sqlite3 copies what it binds), its download by 50 MiB on SQLite and 148 to 207 MiB
 * on PostgreSQL (node-postgres reads a bytea as hex text).
 */
const ADMIN_PASSWORD = 'upload-memory-admin-password';
const PASSWORD = 'upload memory manager password';
const MIB = 1024 * 1024;
const FILE_BYTES = 25 * MIB;

/** A file the service takes as image/jpeg (no text to extract): the JPEG signature, then random bytes. */
const jpegOf = (size: number) => Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), randomBytes(size - 4)]);

/** A `/proc/<pid>/status` figure, in bytes. */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm'));
  if (!line) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(line[1]) * 1024;
}

describe(`a 25 MiB upload to a service process on ${testDatabaseKind === 'postgres' ? 'PostgreSQL' : 'SQLite'}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'partnership-engine-upload-memory-'));
  const spoolDir = mkdtempSync(join(tmpdir(), 'partnership-engine-spool-'));
  let main: string;
  let service: ServiceProcess;
  let token: string;
  /** The file the first test stores, and what the service answered. */
  let bytes: Buffer;
  let stored: { id: string; sha256: string; size: number };

  const post = async (path: string, body: unknown, bearer?: string) => {
    const response = await fetch(`${service.url}/api${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };

  const upload = async (bytes: Buffer, name: string) => {
    const form = new FormData();
    form.append('kind', 'other');
    form.append('file', new Blob([bytes]), name);
    const response = await fetch(`${service.url}/api/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; sha256: string; size: number };
  };

  const download = async (id: string, from = service) => {
    const response = await fetch(`${from.url}/api/documents/${id}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  };

  beforeAll(async () => {
    main = buildService('upload-memory-build');
    await createDatabase(dataDir);
    // TMPDIR: where the service spools uploads, so the test sees them removed.
    service = new ServiceProcess('service', main, { ...databaseEnv(dataDir), ADMIN_PASSWORD, TIMER_POLL_MS: '0', LOG_LEVEL: 'error', TMPDIR: spoolDir });
    await service.start();
    const admin = (await post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD })).accessToken as string;
    await post('/users', { username: 'manager', password: PASSWORD, roles: ['manager'] }, admin);
    token = (await post('/auth/login', { username: 'manager', password: PASSWORD })).accessToken as string;
  });

  afterAll(async () => {
    await service?.stop();
    await dropDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('raises the peak resident memory by less than the file for an upload, and serves its bytes back', async () => {
    const pid = service.pid!;
    // A first upload and download of the same size load every module their paths use and fill SQLite's page cache (16 MB, whatever the file's size).
    const warm = await upload(jpegOf(FILE_BYTES), 'warm.jpg');
    expect((await download(warm.id)).length).toBe(FILE_BYTES);

    bytes = jpegOf(FILE_BYTES);
    const resting = statusBytes(pid, 'VmRSS');
    // "5" resets the process's peak resident set (VmHWM) to its current one (proc(5), clear_refs).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    stored = await upload(bytes, 'scan.jpg');
    const uploadGrowth = statusBytes(pid, 'VmHWM') - resting;
    expect(stored).toMatchObject({ size: FILE_BYTES, sha256: createHash('sha256').update(bytes).digest('hex') });

    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const afterUpload = statusBytes(pid, 'VmRSS');
    expect(Buffer.compare(await download(stored.id), bytes)).toBe(0);
    const downloadGrowth = statusBytes(pid, 'VmHWM') - afterUpload;

    process.stderr.write(`peak RSS growth: upload ${(uploadGrowth / MIB).toFixed(1)} MiB, download ${(downloadGrowth / MIB).toFixed(1)} MiB\n`);
    expect(uploadGrowth).toBeLessThan(FILE_BYTES);
    // A download reads a chunk at a time, but node-postgres reads each as hex text, twice its size: that garbage, not yet collected, is most of it
    // (12 to 41 MiB measured on PostgreSQL, 6 to 8 on SQLite); reading the file whole, as before, was 148 to 207 MiB on PostgreSQL.
    expect(downloadGrowth).toBeLessThan(3 * FILE_BYTES);
    // Each upload was spooled to a file of its own, removed once it was answered.
    expect(readdirSync(spoolDir).filter((name) => name.startsWith('partnership-upload-'))).toEqual([]);
  });

  it('is served by a second instance on the same database', async () => {
    // The same DATA_DIR, so the same generated JWT secret: the manager's token works there too.
    const other = new ServiceProcess('other', main, { ...databaseEnv(dataDir), ADMIN_PASSWORD, TIMER_POLL_MS: '0', LOG_LEVEL: 'error', TMPDIR: spoolDir });
    await other.start();
    try {
      expect(Buffer.compare(await download(stored.id, other), bytes)).toBe(0);
    } finally {
      await other.stop();
    }
  });
});
