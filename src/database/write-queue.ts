import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * Runs write transactions one at a time. TypeORM's SQLite driver shares one connection, so two
 * overlapping transactions would interleave their statements; a promise chain keeps them apart.
 * On SQLite each one starts with BEGIN IMMEDIATE: it takes the write lock up front, so another
 * process on the same file waits (busy_timeout) instead of failing to upgrade a read lock.
 */
@Injectable()
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const next = this.tail.then(() => (this.isSqlite() ? this.immediate(work) : this.dataSource.transaction(work)));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private isSqlite(): boolean {
    return this.dataSource.options.type === 'better-sqlite3';
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
