/**
 * Puts a backup in place as the database in DATA_DIR:
 *   npm run restore -- <file>
 * Only while no service uses DATA_DIR: it takes DATA_DIR's lock alone (see
 * src/database/data-dir-lock.ts), which every service on the SQLite file shares while it runs, and
 * refuses when it cannot; a service that starts meanwhile waits for it. The backup is copied into
 * DATA_DIR and that copy checked as `npm run backup` checks (integrity, audit chain and checkpoints
 * under the key in AUDIT_SIGNING_KEY_FILE, row counts), then renamed over the database; a database
 * that was there is kept beside it as `partnerships.sqlite.replaced-<time>`, with its WAL. Prints
 * one JSON line. Exit code 0 when restored, 1 when the backup does not check (nothing changed), 2
 * when it could not be done (arguments, PostgreSQL, a service uses DATA_DIR).
 */
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDirectory, makePrivateIfPresent } from '../src/common/private-files.js';
import type { AppConfig } from '../src/config/app.config.js';
import { takeDataDir } from '../src/database/data-dir-lock.js';
import { CannotRun, checkCopy, DATABASE_FILE, runCommand, signingKeyOf, sqliteOnly, syncToDisk, type CopyCheck } from './backup.js';

/** The check of the copy put in place, and where a database that was there went. */
export type RestoreResult = CopyCheck & { replaced?: string };

export async function restoreBackup(file: string, config: AppConfig): Promise<RestoreResult> {
  sqliteOnly(config, 'npm run restore');
  if (!existsSync(file)) throw new CannotRun(`${file} does not exist`);
  const key = signingKeyOf(config);
  ensurePrivateDirectory(config.dataDir);
  const lock = takeDataDir(config.dataDir);
  const database = join(config.dataDir, DATABASE_FILE);
  const incoming = `${database}.restoring`;
  try {
    copyFileSync(file, incoming);
    makePrivateIfPresent(incoming);
    syncToDisk(incoming);
    const check = await checkCopy(incoming, key);
    if (!check.ok) {
      rmSync(incoming);
      return { ...check, file };
    }
    const replaced = existsSync(database) ? `${database}.replaced-${new Date().toISOString().replaceAll(':', '-')}` : undefined;
    if (replaced) {
      // The WAL goes with its database (SQLite finds it by name); the -shm is an index SQLite rebuilds.
      renameSync(database, replaced);
      if (existsSync(`${database}-wal`)) renameSync(`${database}-wal`, `${replaced}-wal`);
      rmSync(`${database}-shm`, { force: true });
    }
    renameSync(incoming, database);
    syncToDisk(config.dataDir);
    return { ...check, file, ...(replaced ? { replaced } : {}) };
  } finally {
    rmSync(incoming, { force: true });
    lock.release();
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) runCommand('restore', restoreBackup);
