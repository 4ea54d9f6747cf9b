import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function newestSource(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
    }),
  );
}

/**
 * `npm run build` into `node_modules/.cache/<name>` rather than dist/, so that a test's rebuild
 * never changes code that someone is running from dist/, and a rebuild of dist/ mid-test never
 * changes the code under test. Skipped when nothing in src/ is newer than the last build that
 * succeeded (the second Jest run, on PostgreSQL, reuses the first one's). Returns main.js.
 */
export function buildService(name: string): string {
  const outDir = join('node_modules', '.cache', name);
  const stamp = join(outDir, 'built-at');
  if (!existsSync(stamp) || newestSource('src') >= statSync(stamp).mtimeMs) {
    const startedAt = new Date();
    execFileSync('npm', ['run', 'build', '--', '--outDir', outDir], { stdio: 'pipe' });
    writeFileSync(stamp, '');
    utimesSync(stamp, startedAt, startedAt);
  }
  return join(outDir, 'src', 'main.js');
}
