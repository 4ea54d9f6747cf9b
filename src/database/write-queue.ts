import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { DomainError } from '../common/domain-error.js';

/** PostgreSQL codes after which a whole transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 5;
/**
 * PostgreSQL refuses what SQLite stores: text longer than its column, a NUL character, an integer
 * out of range. Every such value came from a request, so it is the request that is refused.
 */
const UNSTORABLE = new Set(['22001', '22003', '22021', '22P05']);

/**
 * Runs write transactions.
 *
 * On SQLite they run one at a time: TypeORM's SQLite driver shares one connection, so two
 * overlapping transactions would interleave their statements; a promise chain keeps them apart.
 * Each one starts with BEGIN IMMEDIATE: it takes the write lock up front, so another process on
 * the same file waits (busy_timeout) instead of failing to upgrade a read lock.
 *
 * On PostgreSQL each one has a pooled connection of its own and they run concurrently, in READ
 * COMMITTED. What must not interleave is guarded in the statements themselves: rows are updated
 * `WHERE id AND version`, timers are claimed by a conditional update, and the audit append takes
 * an advisory lock. A transaction that lost a deadlock or a serialization check is run again.
 */
@Injectable()
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.isSqlite()) return this.concurrent(work);
    const next = this.tail.then(() => this.immediate(work));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private isSqlite(): boolean {
    return this.dataSource.options.type === 'better-sqlite3';
  }

  private async concurrent<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.dataSource.transaction(work);
      } catch (error) {
        const code = postgresCode(error);
        if (code !== undefined && UNSTORABLE.has(code)) {
          throw new DomainError('VALIDATION_FAILED', 'a value is too long, out of range or contains a character that cannot be stored');
        }
        if (code === undefined || !RETRYABLE.has(code)) throw error;
        if (attempt === ATTEMPTS) {
          throw new DomainError('CONFLICT', 'concurrent changes kept colliding; retry the request', { attempts: attempt });
        }
        await sleep(Math.random() * 10 * attempt);
      }
    }
  }

  private async immediate<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.query('BEGIN IMMEDIATE');
      try {
        const result = await work(runner.manager);
        await runner.query('COMMIT');
        return result;
      } catch (error) {
        await runner.query('ROLLBACK');
        throw error;
      }
    } finally {
      await runner.release();
    }
  }
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function postgresCode(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True for a primary-key or unique violation, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
