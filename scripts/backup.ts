/**
 * Copies the service's SQLite database while the service runs, and checks the copy:
 *   npm run backup -- <file>
 * The copy is one read transaction of SQLite's (`VACUUM INTO`), so the service goes on writing
 * meanwhile and the copy is the database as it was at one moment. Then the copy is checked as
 * `npm run restore` will check it: SQLite's integrity check, the audit chain and its signed
 * checkpoints as `AuditService.verify()` checks them (what `GET /api/audit/verify` runs) under the key in
 * AUDIT_SIGNING_KEY_FILE, and the rows of every table are counted. Prints one JSON line, with the
 * audit chain's head hash, which the service started on a restored copy must report again.
 * Exit code 0 when the copy is taken and checks, 1 when it does not check (the copy is then
 * deleted), 2 when no copy could be taken (arguments, PostgreSQL, the file exists, no database).
 */
import 'reflect-metadata';
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { AuditCheckpointsRepository } from '../src/audit/audit-checkpoints.repository.js';
import type { CheckpointSummary } from '../src/audit/audit-checkpoint.js';
import { readAuditSigningKey, type AuditSigningKey } from '../src/audit/audit-signing-key.js';
import { AuditVerifier } from '../src/audit/verify/audit-verifier.js';
import { loadAppConfig, type AppConfig } from '../src/config/app.config.js';
import { shareDataDir } from '../src/database/data-dir-lock.js';
import { entities } from '../src/database/data-source-options.js';

export const DATABASE_FILE = 'partnerships.sqlite';

/** What a copy that checks holds. */
export interface CopyReport {
  ok: true;
  file: string;
  integrity: 'ok';
  audit: { events: number; headHash: string; checkpoints: CheckpointSummary; keyFingerprint: string };
  /** Rows by table, every table of the copy. */
  rows: Record<string, number>;
}

export type CopyCheck = CopyReport | { ok: false; file: string; problem: string };

/** Something the command cannot do at all (exit code 2), as opposed to a copy that does not check. */
export class CannotRun extends Error {}

/** A check of an open copy: undefined when it passes, else what is wrong. */
type CopyCheckStep = (db: DataSource) => Promise<string | undefined>;

async function integrity(db: DataSource): Promise<string | undefined> {
  const rows = await db.query<Array<{ integrity_check: string }>>('PRAGMA integrity_check');
  const found = rows.map((row) => row.integrity_check);
  return found.length === 1 && found[0] === 'ok' ? undefined : `SQLite's integrity check: ${found.slice(0, 10).join('; ')}`;
}

async function isThisServices(db: DataSource): Promise<string | undefined> {
  const [row] = await db.query<Array<{ n: number }>>("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name IN ('audit_events', 'migrations')");
  return row.n === 2 ? undefined : 'this is not a database of this service: it has no audit_events or migrations table';
}

/**
 * Every check a copy must pass, in order; the first that fails is the verdict. The audit chain is
 * checked apart (`auditOf`), since its result is also the report's. The content hashes of stored
 * documents join this list, as a step of their own, with the table that holds them.
 */
const COPY_CHECKS: CopyCheckStep[] = [integrity, isThisServices];

/** The chain and its checkpoints, checked as the service's verify() checks them (AuditVerifier), on a read-only connection to the copy. */
async function auditOf(db: DataSource, key: AuditSigningKey): Promise<CopyReport['audit'] | string> {
  const result = await new AuditVerifier(db, new AuditCheckpointsRepository(db), key).verify();
  if (!result.ok) {
    return result.firstBadSeq === null
      ? `the stored documents do not verify: ${result.reason}`
      : `the audit chain does not verify from row ${result.firstBadSeq}: ${result.reason}`;
  }
  return { events: result.events, headHash: result.headHash, checkpoints: result.checkpoints, keyFingerprint: key.fingerprint };
}

/**
 * The key the checkpoints of a copy are checked under: the service's, never one made for the
 * occasion (a restore into a new DATA_DIR needs the key put back first: it is backed up apart).
 */
export function signingKeyOf(config: AppConfig): AuditSigningKey {
  try {
    return readAuditSigningKey(config.auditSigningKeyFile);
  } catch (error) {
    throw new CannotRun(`${(error as Error).message}: the audit checkpoints are checked under the service's key, which is backed up apart from the database`);
  }
}

async function rowCounts(db: DataSource): Promise<Record<string, number>> {
  const tables = await db.query<Array<{ name: string }>>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  const rows: Record<string, number> = {};
  for (const { name } of tables) {
    const [count] = await db.query<Array<{ n: number }>>(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`);
    rows[name] = count.n;
  }
  return rows;
}

/** Checks a copy of the database (a backup, or one being restored) without changing it. */
export async function checkCopy(file: string, key: AuditSigningKey): Promise<CopyCheck> {
  if (!existsSync(file)) throw new CannotRun(`${file} does not exist`);
  const db = new DataSource({ type: 'better-sqlite3', database: file, readonly: true, fileMustExist: true, entities, synchronize: false, logging: false });
  try {
    await db.initialize();
  } catch (error) {
    return { ok: false, file, problem: `not a SQLite database SQLite can open: ${(error as Error).message}` };
  }
  try {
    for (const check of COPY_CHECKS) {
      const problem = await check(db).catch((error: Error) => error.message);
      if (problem !== undefined) return { ok: false, file, problem };
    }
    const audit = await auditOf(db, key);
    if (typeof audit === 'string') return { ok: false, file, problem: audit };
    return { ok: true, file, integrity: 'ok', audit, rows: await rowCounts(db) };
  } finally {
    await db.destroy();
  }
}

/** Makes what was written to `path` durable before the command says it is done. */
export function syncToDisk(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Refused on PostgreSQL, whose own tools do this (README: pg_dump, pg_restore). */
export function sqliteOnly(config: AppConfig, command: string): void {
  if (config.databaseUrl)
    throw new CannotRun(`DATABASE_URL names a PostgreSQL database: ${command} is for the SQLite file; use pg_dump and pg_restore (see the README)`);
}

/**
 * Copies the database in DATA_DIR to `file` (a new file, 0600) and checks the copy. It holds a
 * share of DATA_DIR's lock meanwhile, as a service does, so no restore replaces the database under it.
 */
export async function takeBackup(file: string, config: AppConfig): Promise<CopyCheck> {
  sqliteOnly(config, 'npm run backup');
  const source = join(config.dataDir, DATABASE_FILE);
  if (!existsSync(source)) throw new CannotRun(`there is no database in DATA_DIR (${source})`);
  const key = signingKeyOf(config);
  try {
    // VACUUM INTO takes a new or empty file: made here, private before anything is written to it.
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    throw new CannotRun(`cannot create ${file}: ${(error as Error).message}`);
  }
  const lock = shareDataDir(config.dataDir);
  try {
    const db = new Database(source, { fileMustExist: true, timeout: 5000 });
    try {
      db.prepare('VACUUM INTO ?').run(file);
    } finally {
      db.close();
    }
  } catch (error) {
    unlinkSync(file);
    throw error;
  } finally {
    lock.release();
  }
  syncToDisk(file);
  const check = await checkCopy(file, key);
  if (!check.ok) unlinkSync(file);
  return check;
}

/** The command line of backup and restore: one file; prints the result as one JSON line and exits 0, 1 or 2. */
export function runCommand(name: string, run: (file: string, config: AppConfig) => Promise<CopyCheck>): void {
  let file: string;
  let config: AppConfig;
  try {
    const { positionals } = parseArgs({ allowPositionals: true });
    if (positionals.length !== 1) throw new CannotRun(`usage: npm run ${name} -- <file>`);
    file = positionals[0];
    config = loadAppConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  run(file, config)
    .then((result) => {
      console.log(JSON.stringify(result));
      process.exit(result.ok ? 0 : 1);
    })
    .catch((error: Error) => {
      console.error(`${name}: ${error.message}`);
      process.exit(2);
    });
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) runCommand('backup', takeBackup);
