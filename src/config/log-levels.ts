import type { LogLevel } from '@nestjs/common';

/** Nest's levels, most severe first: a level includes every level before it. */
const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Prints nothing at all, not even errors: how bench/README.md measures what logging costs. */
const SILENT = 'silent';

/**
 * The levels `LOG_LEVEL` names: `log` (the default) prints start-up lines, the first-start admin
 * password and warnings, but not the per-request `debug` lines, which cost a write each on the hot path.
 * `silent` names none.
 */
export function logLevels(raw: string | undefined): LogLevel[] {
  const wanted = raw === undefined || raw === '' ? 'log' : raw.trim().toLowerCase();
  if (wanted === SILENT) return [];
  const index = LEVELS.indexOf(wanted as LogLevel);
  if (index < 0) throw new Error(`LOG_LEVEL must be one of ${[...LEVELS, SILENT].join(', ')}; got "${raw}"`);
  return LEVELS.slice(0, index + 1);
}
