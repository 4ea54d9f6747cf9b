import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, waitForReady } from '../../test/support/service-process.js';
import { ADMIN_PASSWORD, databaseKind, emit, log, nowMs, peakRssMb, round, SCALE, scaled, tempDir } from '../support.js';

/**
 * Uploads of a 25 MB file (MAX_UPLOAD_MB's default) over HTTP to the real service, one after
 * another, against the same bytes written to the database raw: one INSERT of the bytes as one
 * value, one transaction each, with the service's pragmas on SQLite. Each
 * upload is new bytes (a JPEG signature, then random bytes: a type the service takes, with no text
 * to extract), so each is stored, not found already kept. Beside the rate, the service's peak RSS
 * before the uploads and after them: the SPEC holds an upload in memory at most once, and the
 * service, which spools it to disk, not at all.
 */
/** The largest file MAX_UPLOAD_MB's default takes. */
const FILE_BYTES = 25 * 1024 * 1024;
const FILES = scaled(6, 2);
const PASSWORD = 'bench user password';

/** A file the service takes as image/jpeg: the JPEG signature, then random bytes. */
function jpegOf(size: number): Buffer {
  const header = Buffer.from('ffd8ffe0', 'hex');
  return Buffer.concat([header, randomBytes(size - header.length)]);
}

/** The upload's body, made before the clock starts, so the figure is the service's work and not the client's encoding. */
function multipart(bytes: Buffer, filename: string): { contentType: string; body: Buffer } {
  const boundary = `bench-${randomBytes(8).toString('hex')}`;
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nother\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n`;
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]) };
}

async function json(base: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}/api${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

async function overHttp(files: Buffer[]): Promise<{ ms: number[]; serverPeakBeforeMb: number; serverPeakMb: number }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, [fileURLToPath(new URL('../../src/main.js', import.meta.url))], {
    env: { ...process.env, PORT: String(port), ADMIN_PASSWORD, TIMER_POLL_MS: '0', RATE_LIMIT_WRITES_PER_MINUTE: '1000000000' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  try {
    await waitForReady(server, () => 'the service exited while starting');
    const admin = (await json(base, '/auth/login', { username: 'admin', password: ADMIN_PASSWORD })).accessToken as string;
    await json(base, '/users', { username: 'manager', password: PASSWORD, roles: ['manager'] }, admin);
    const token = (await json(base, '/auth/login', { username: 'manager', password: PASSWORD })).accessToken as string;
    const serverPeakBeforeMb = peakRssMb(server.pid);
    const ms: number[] = [];
    for (const [i, bytes] of files.entries()) {
      const { contentType, body: form } = multipart(bytes, `scan-${i}.jpg`);
      const start = nowMs();
      const response = await fetch(`${base}/api/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body: form,
      });
      const body = (await response.json()) as { sha256?: string };
      ms.push(nowMs() - start);
      if (response.status !== 201 || body.sha256 !== createHash('sha256').update(bytes).digest('hex')) {
        throw new Error(`upload ${i}: ${response.status} ${JSON.stringify(body)}`);
      }
    }
    return { ms, serverPeakBeforeMb, serverPeakMb: peakRssMb(server.pid) };
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
}

async function raw(files: Buffer[]): Promise<number[]> {
  const ms: number[] = [];
  const row = (bytes: Buffer) => [createHash('sha256').update(bytes).digest('hex'), bytes.length, bytes] as const;
  if (databaseKind() === 'postgres') {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const schema = process.env.DATABASE_SCHEMA as string;
    await client.query(`CREATE TABLE ${schema}.raw_blobs (sha256 varchar(64) PRIMARY KEY, size integer NOT NULL, content bytea NOT NULL)`);
    for (const bytes of files) {
      const values = row(bytes);
      const start = nowMs();
      await client.query(`INSERT INTO ${schema}.raw_blobs (sha256, size, content) VALUES ($1, $2, $3)`, [...values]);
      ms.push(nowMs() - start);
    }
    await client.end();
    return ms;
  }
  const db = new Database(join(tempDir('raw-blobs'), 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE raw_blobs (sha256 varchar(64) PRIMARY KEY, size integer NOT NULL, content blob NOT NULL)');
  const insert = db.prepare('INSERT INTO raw_blobs (sha256, size, content) VALUES (?, ?, ?)');
  const commitOne = db.transaction((values: ReturnType<typeof row>) => insert.run(...values));
  for (const bytes of files) {
    const values = row(bytes);
    const start = nowMs();
    commitOne.immediate(values);
    ms.push(nowMs() - start);
  }
  db.close();
  return ms;
}

const mbPerSecond = (ms: number[]) => round((ms.length * FILE_BYTES) / 2 ** 20 / (ms.reduce((a, b) => a + b, 0) / 1000), 1);
const files = Array.from({ length: FILES }, () => jpegOf(FILE_BYTES));
const http = await overHttp(files);
const direct = await raw(files);
log(
  `upload: ${FILES} files of 25 MB, ${mbPerSecond(http.ms)} MB/s over HTTP, ${mbPerSecond(direct)} MB/s raw; server peak RSS ${http.serverPeakBeforeMb} -> ${http.serverPeakMb} MiB`,
);
emit({
  files: FILES,
  fileMb: FILE_BYTES / 2 ** 20,
  httpMbPerSecond: mbPerSecond(http.ms),
  httpMsEach: http.ms.map((ms) => round(ms, 0)),
  rawMbPerSecond: mbPerSecond(direct),
  rawMsEach: direct.map((ms) => round(ms, 0)),
  serverPeakRssBeforeMb: http.serverPeakBeforeMb,
  serverPeakRssMb: http.serverPeakMb,
  scale: SCALE,
});
