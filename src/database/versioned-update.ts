import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import { EntityStatements } from './entity-statements.js';

/** Refuses a change made against a version that is no longer the current one (412). */
export function assertVersion(current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw new DomainError('VERSION_MISMATCH', `version ${expected} is stale; the current version is ${current}`, { currentVersion: current });
  }
}

/**
 * Updates a row `WHERE id = ? AND version = ?` and bumps its version. TypeORM's @VersionColumn does
 * not guard updates, so the affected count is checked here: 0 means someone else changed it first.
 */
export async function updateVersioned<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  version: number,
  changes: Partial<T>,
): Promise<number> {
  const next = version + 1;
  const affected = await EntityStatements.of(manager.connection, entity).update(
    manager,
    id,
    { ...changes, version: next },
    { property: 'version', value: version },
  );
  if (affected !== 1) throw new DomainError('VERSION_MISMATCH', 'it changed while this change was applied; read it again', { currentVersion: next });
  return next;
}
