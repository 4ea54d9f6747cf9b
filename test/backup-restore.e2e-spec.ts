import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import request from 'supertest';
import { DataDirBusy, takeDataDir } from '../src/database/data-dir-lock.js';
import { partnershipInput } from './support/factories.js';
import { buildService } from './support/service-build.js';
import { ServiceProcess } from './support/service-process.js';
import { createTestApp, testDatabaseKind } from './support/test-app.js';
import { binaryBody } from './support/binary-body.js';

/**
 * `npm run backup` and `npm run restore` on the built service and scripts, as an operator runs
 * them: a backup taken while transitions run over HTTP, restored into a new DATA_DIR, and the
 * service started there verifies the chain up to the head the backup printed. A restore is refused
 * while a service uses DATA_DIR, and done once it has stopped. SQLite only: on PostgreSQL these
 * are pg_dump and pg_restore (test/postgres-dump.e2e-spec.ts).
 */
const ADMIN_PASSWORD = 'backup-admin-password-4c1d';
const MANAGER_PASSWORD = 'backup manager password 93ab';

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface AuditHead {
  events: number;
  headHash: string;
}

(testDatabaseKind === 'sqlite' ? describe : describe.skip)('backup and restore of the SQLite database', () => {
  const root = mkdtempSync(join(tmpdir(), 'partnership-backup-'));
  const live = join(root, 'live');
  const restored = join(root, 'restored');
  const backupFile = join(root, 'backup.sqlite');
  /** Both services check the checkpoints under the one key: it is backed up apart from the database. */
  const keyFile = join(root, 'audit-signing-key');
  let scripts: string;
  let main: string;

  beforeAll(() => {
    main = buildService('backup-build');
    scripts = join(dirname(dirname(main)), 'scripts');
  }, 120_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const env = (dataDir: string) => ({ DATA_DIR: dataDir, AUDIT_SIGNING_KEY_FILE: keyFile, AUDIT_CHECKPOINT_EVERY: '25' });

  function service(dataDir: string): ServiceProcess {
    return new ServiceProcess(`the service on ${dataDir}`, main, { ...env(dataDir), ADMIN_PASSWORD, TIMER_POLL_MS: '50', WORKFLOWS_DIR: 'workflows' });
  }

  function run(script: 'backup' | 'restore', file: string, dataDir: string): Promise<Finished> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env(dataDir) };
    delete childEnv.NODE_OPTIONS;
    return new Promise((resolve) => {
      const child = execFile(process.execPath, [join(scripts, `${script}.js`), file], { env: childEnv }, (_error, stdout, stderr) =>
        resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
  }

  async function login(url: string, username: string, password: string): Promise<string> {
    return (await request(url).post('/api/auth/login').send({ username, password }).expect(200)).body.accessToken as string;
  }

  async function verify(url: string): Promise<AuditHead & { ok: boolean }> {
    const token = await login(url, 'admin', ADMIN_PASSWORD);
    return (await request(url).get('/api/audit/verify').set('Authorization', `Bearer ${token}`).expect(200)).body as AuditHead & { ok: boolean };
  }

  /**
   * Managers' transitions until `stop()`: each loop proposes a partnership, submits it (which sets
   * its approval timer) and withdraws it. `acks` counts the answers that said it was done;
   * `reached(n)` resolves once that many have come back.
   */
  async function transitions(
    url: string,
    workers: number,
  ): Promise<{ token: string; acks: () => number; reached: (n: number) => Promise<void>; stop: () => Promise<void> }> {
    const admin = await login(url, 'admin', ADMIN_PASSWORD);
    await request(url)
      .post('/api/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'manager', password: MANAGER_PASSWORD, roles: ['manager'] })
      .expect(201);
    const token = await login(url, 'manager', MANAGER_PASSWORD);
    const as = (test: request.Test) => test.set('Authorization', `Bearer ${token}`);
    const organization = (await as(request(url).post('/api/organizations')).send({ name: 'Backup University', kind: 'university', country: 'PK' }).expect(201))
      .body.id as string;
    let acks = 0;
    const waiting: Array<{ n: number; resolve: () => void }> = [];
    const ack = () => {
      acks += 1;
      for (const w of waiting.filter((w) => acks >= w.n)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    };
    let running = true;
    const worker = async () => {
      while (running) {
        const created = await as(request(url).post('/api/partnerships')).send(partnershipInput(organization)).expect(201);
        let version = created.body.version as number;
        ack();
        for (const type of ['SUBMIT_FOR_APPROVAL', 'WITHDRAW']) {
          const sent = await as(request(url).post(`/api/partnerships/${created.body.id as string}/events`))
            .set('If-Match', `"${version}"`)
            .send({ type })
            .expect(200);
          version = sent.body.version as number;
          ack();
        }
      }
    };
    const done = Promise.all(Array.from({ length: workers }, worker));
    return {
      token,
      acks: () => acks,
      reached: (n) => (acks >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve }))),
      stop: async () => {
        running = false;
        await done;
      },
    };
  }

  it('backs up while transitions run, refuses to restore under a running service, and a service on the restored copy verifies to the same head', async () => {
    const first = service(live);
    await first.start();
    let backup: { ok: boolean; integrity: string; audit: AuditHead & { checkpoints: { checked: number } }; rows: Record<string, number> };
    // A document of three chunks (a JPEG's signature, then random bytes), stored before the backup.
    const scan = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), randomBytes(2.5 * 1024 * 1024 - 4)]);
    let scanId: string;
    try {
      const stream = await transitions(first.url, 3);
      try {
        scanId = (
          await request(first.url)
            .post('/api/documents')
            .set('Authorization', `Bearer ${stream.token}`)
            .field('kind', 'other')
            .attach('file', scan, 'scan.jpg')
            .expect(201)
        ).body.id as string;
        await stream.reached(30);
        const before = stream.acks();
        const taken = await run('backup', backupFile, live);
        expect(taken).toMatchObject({ code: 0, stderr: '' });
        backup = JSON.parse(taken.stdout) as typeof backup;
        // The service went on writing while the copy was taken.
        expect(stream.acks()).toBeGreaterThan(before);

        const refused = await run('restore', backupFile, live);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain(`a service is using ${live}`);
        expect(refused.stdout).toBe('');
      } finally {
        await stream.stop();
      }
      const after = await verify(first.url);
      expect(after.ok).toBe(true);
      expect(after.events).toBeGreaterThan(backup.audit.events);
    } finally {
      await first.stop();
    }
    expect(backup).toMatchObject({ ok: true, integrity: 'ok' });
    expect(backup.audit.checkpoints.checked).toBeGreaterThan(0);
    expect(backup.rows.audit_events).toBe(backup.audit.events);
    expect(backup.rows.partnerships).toBeGreaterThan(10);
    expect(backup.rows.users).toBe(2);
    expect(backup.rows).toMatchObject({ documents: 1, blobs: 1, blob_chunks: 3 });

    const restore = await run('restore', backupFile, restored);
    expect(restore.code).toBe(0);
    expect(JSON.parse(restore.stdout)).toMatchObject({ ok: true, audit: backup.audit, rows: backup.rows });
    const second = service(restored);
    await second.start();
    try {
      expect(await verify(second.url)).toEqual({
        ok: true,
        events: backup.audit.events,
        headHash: backup.audit.headHash,
        checkpoints: backup.audit.checkpoints,
        documents: { checked: 1, bad: [] },
      });
      const content = await request(second.url)
        .get(`/api/documents/${scanId}/content`)
        .set('Authorization', `Bearer ${await login(second.url, 'manager', MANAGER_PASSWORD)}`)
        .buffer(true)
        .parse(binaryBody)
        .expect(200);
      expect(Buffer.compare(content.body as Buffer, scan)).toBe(0);
    } finally {
      await second.stop();
    }

    // Once the service on it has stopped, DATA_DIR takes a restore; the database it had is kept beside it.
    const again = await run('restore', backupFile, live);
    expect(again.code).toBe(0);
    const { replaced } = JSON.parse(again.stdout) as { replaced: string };
    expect(existsSync(replaced)).toBe(true);
  }, 180_000);

  it('holds DATA_DIR for as long as the app runs, and lets it go when it closes', async () => {
    const dataDir = mkdtempSync(join(root, 'in-process-'));
    const t = await createTestApp({ dataDir });
    try {
      expect(() => takeDataDir(dataDir)).toThrow(DataDirBusy);
    } finally {
      await t.close();
    }
    takeDataDir(dataDir).release();
  });
});
