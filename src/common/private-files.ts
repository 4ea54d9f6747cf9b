import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `dir` and its missing parents readable by this user only: 0700, whatever the umask. A
 * folder that already exists is the operator's and keeps its mode.
 */
export function ensurePrivateDirectory(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  for (let created = resolve(dir); ; created = dirname(created)) {
    chmodSync(created, 0o700);
    if (created === resolve(first)) return;
  }
}

/** Makes `file` readable and writable by this user only (0600, whatever the umask), creating it empty when it does not exist. */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}

/** Makes `file` 0600 when it exists. */
export function makePrivateIfPresent(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
