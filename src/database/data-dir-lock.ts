import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ensurePrivateFile } from '../common/private-files.js';

/**
 * A readers-writer lock on DATA_DIR: every service on the SQLite file shares it, and `npm run
 * restore` takes it alone. It is SQLite's own lock on a small file of its own (a read transaction
 * left open for sharing, `BEGIN EXCLUSIVE` for taking it alone): the operating system drops it when
 * its process ends, even by SIGKILL, so a crashed service leaves no stale lock, and several
 * instances on one file share it. The database file's own locks cannot say this: in WAL mode a
 * writer takes nothing that stops readers, and holding a read open on it would stop checkpoints.
 */

/** The file in DATA_DIR whose lock says who uses the database there. */
export const DATA_DIR_LOCK_FILE = 'partnerships.lock';

/** A lock on DATA_DIR, held until `release()` (a second call does nothing) or until the process ends, however it ends. */
export interface DataDirLock {
  release(): void;
}

/** Why a lock could not be had: the other side holds it. */
export class DataDirBusy extends Error {}

function open(dataDir: string, busyMs: number): Database.Database {
  const file = join(dataDir, DATA_DIR_LOCK_FILE);
  ensurePrivateFile(file);
  return new Database(file, { timeout: busyMs });
}

function attempt(db: Database.Database, take: () => void, busy: string): DataDirLock {
  try {
    take();
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirBusy(busy);
    throw error;
  }
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}

/** The service's share of the lock; it waits up to `busyMs` for a restore to finish. */
export function shareDataDir(dataDir: string, busyMs = 5000): DataDirLock {
  const db = open(dataDir, busyMs);
  return attempt(
    db,
    () => {
      db.exec('CREATE TABLE IF NOT EXISTS holders (id INTEGER)');
      db.exec('BEGIN');
      db.prepare('SELECT count(*) FROM holders').get();
    },
    `a restore is putting a database in place in ${dataDir}; start the service once it has finished`,
  );
}

/** The lock alone, at once, or DataDirBusy while any service holds its share. */
export function takeDataDir(dataDir: string): DataDirLock {
  const db = open(dataDir, 0);
  return attempt(
    db,
    () => db.exec('BEGIN EXCLUSIVE'),
    `a service is using ${dataDir} (it holds ${join(dataDir, DATA_DIR_LOCK_FILE)}): stop every service on it first`,
  );
}
