import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type EntityManager, QueryFailedError, type QueryRunner } from 'typeorm';
import { DomainError } from '../common/domain-error.js';
import { sqliteConnection } from './driver-internals.js';

/**
 * Work to do inside the first write transaction that changes something on a caller's behalf, so
 * that it commits, or rolls back, with that change: a request's Idempotency-Key marks itself
 * applied there (IdempotencyInterceptor). Set with `firstWriteHook.run(hook, …)` around the
 * caller's code; `done` once a transaction has run it.
 */
export interface FirstWriteHook {
  done: boolean;
  run(manager: EntityManager): Promise<void>;
}

export const firstWriteHook = new AsyncLocalStorage<FirstWriteHook>();

const MEMO = Symbol('write transaction memo');
type Memo = Map<string, unknown>;
type MemoHolder = { [MEMO]?: Memo };

/**
 * What a queued SQLite write transaction remembers for its own later statements (the audit chain's
 * head after its last append, so the next append in the same group need not read it back). It lives
 * on the query runner only while the queue runs a group: the queue starts it empty after BEGIN,
 * empties it when a queued write's savepoint rolls back, and drops it when the group ends, so a
 * value never outlives the writes it describes. Anywhere else nothing is remembered.
 */
export const transactionMemo = {
  get<T>(manager: EntityManager, key: string): T | undefined {
    return (manager.queryRunner?.data as MemoHolder | undefined)?.[MEMO]?.get(key) as T | undefined;
  },
  set(manager: EntityManager, key: string, value: unknown): void {
    (manager.queryRunner?.data as MemoHolder | undefined)?.[MEMO]?.set(key, value);
  },
};

const AFTER_COMMIT = Symbol('after commit');
type AfterCommitHolder = { [AFTER_COMMIT]?: Array<() => void> };

/**
 * Runs `callback` once the write transaction `manager` belongs to has ended, to wake a worker
 * that reads what it wrote (the mail worker): before the COMMIT that worker would find nothing,
 * or, on SQLite's one shared connection, rows that may still roll back. It also runs when the
 * transaction rolls back, so a callback only looks, never acts on its own.
 */
export function afterCommit(manager: EntityManager, callback: () => void): void {
  const callbacks = (manager.queryRunner?.data as AfterCommitHolder | undefined)?.[AFTER_COMMIT];
  if (callbacks) callbacks.push(callback);
  else setImmediate(callback);
}

function startAfterCommit(runner: QueryRunner): void {
  (runner.data as AfterCommitHolder)[AFTER_COMMIT] = [];
}

/** Takes the callbacks the transaction gathered, and runs them on the next turn of the event loop. */
function runAfterCommit(runner: QueryRunner | undefined): void {
  const holder = runner?.data as AfterCommitHolder | undefined;
  const callbacks = holder?.[AFTER_COMMIT] ?? [];
  delete holder?.[AFTER_COMMIT];
  if (callbacks.length > 0) setImmediate(() => callbacks.forEach((callback) => callback()));
}

function startMemo(runner: QueryRunner): void {
  (runner.data as MemoHolder)[MEMO] = new Map();
}

function dropMemo(runner: QueryRunner): void {
  delete (runner.data as MemoHolder)[MEMO];
}

const COMMITTED = Symbol('when committed');
type CommittedHolder = { [COMMITTED]?: Array<() => void> };

function committedHooks(manager: EntityManager): Array<() => void> {
  const hooks = (manager.queryRunner?.data as CommittedHolder | undefined)?.[COMMITTED];
  if (!hooks) throw new Error('whenCommitted is for work inside WriteQueue.run');
  return hooks;
}

/**
 * Things to do once the caller's write transaction has committed, and never if it rolls back
 * (unlike `afterCommit`, which wakes a reader either way): counting what it changed
 * (workflow_transitions_total). `WriteQueue.run` calls them, in the order they were added, just
 * before it answers its caller. A hook must not throw.
 */
export const whenCommitted = {
  add(manager: EntityManager, hook: () => void): void {
    committedHooks(manager).push(hook);
  },
  /** Where the hooks stand: give it to `dropSince` when rolling back to a savepoint taken now. */
  mark(manager: EntityManager): number {
    return committedHooks(manager).length;
  },
  dropSince(manager: EntityManager, mark: number): void {
    committedHooks(manager).length = mark;
  },
};

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
 * overlapping transactions would interleave their statements. The queue holds them apart, and
 * commits them in groups: the transactions that queue up while one runs go into the same SQLite
 * transaction, each from the second on in a SAVEPOINT of its own, and one COMMIT (one WAL fsync)
 * ends the group. A failure rolls back only that transaction's savepoint and is answered at once;
 * the others are answered only after the COMMIT, so nothing is acknowledged before it is durable.
 * A transaction alone in the queue runs exactly as before: BEGIN IMMEDIATE, its work, COMMIT.
 * BEGIN IMMEDIATE takes the write lock up front, so another process on the same file waits
 * (busy_timeout) instead of failing to upgrade a read lock.
 *
 * On PostgreSQL each one has a pooled connection of its own and they run concurrently, in READ
 * COMMITTED. What must not interleave is guarded in the statements themselves: rows are updated
 * `WHERE id AND version`, timers are claimed by a conditional update, and the audit append takes
 * an advisory lock. A transaction that lost a deadlock or a serialization check is run again.
 */
@Injectable()
export class WriteQueue {
  private readonly waiting: Array<Job<unknown>> = [];
  private draining = false;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `work` in a write transaction. Where the caller set a FirstWriteHook not yet done, the
   * hook runs in the same transaction after `work`, unless `effect: false` says the transaction
   * only records a refusal.
   */
  run<T>(work: (manager: EntityManager) => Promise<T>, options: { effect?: boolean } = {}): Promise<T> {
    // Read here, in the caller's async context: a group runs its jobs in the context of whoever started it.
    const hook = options.effect === false ? undefined : firstWriteHook.getStore();
    if (hook && !hook.done) work = withHook(work, hook);
    const hooks: Array<() => void> = [];
    const tracked = async (manager: EntityManager) => {
      const holder = manager.queryRunner?.data as CommittedHolder | undefined;
      // A PostgreSQL transaction run again starts with none of the hooks of the attempt that failed.
      hooks.length = 0;
      if (holder) holder[COMMITTED] = hooks;
      try {
        return await work(manager);
      } finally {
        if (holder) delete holder[COMMITTED];
      }
    };
    return this.commit(tracked).then((result) => {
      for (const run of hooks) run();
      return result;
    });
  }

  private commit<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.isSqlite()) return this.concurrent(work);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve, reject } as Job<unknown>);
      if (!this.draining) {
        this.draining = true;
        // The group starts after the I/O callbacks of this turn of the event loop: better-sqlite3
        // answers synchronously, so a transaction runs to its COMMIT in one stretch of microtasks,
        // and requests read from the network at the same moment would otherwise never join it.
        setImmediate(() => void this.drain());
      }
    });
  }

  private isSqlite(): boolean {
    return this.dataSource.options.type === 'better-sqlite3';
  }

  private async concurrent<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      let runner: QueryRunner | undefined;
      try {
        return await this.dataSource.transaction((manager) => {
          runner = manager.queryRunner;
          if (runner) startAfterCommit(runner);
          return work(manager);
        });
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
      } finally {
        runAfterCommit(runner);
      }
    }
  }

  /**
   * Runs groups until nobody waits. Between two groups the event loop gets a turn: callers that
   * queue their next transaction as soon as one is answered (a backlog of due timers, a batch)
   * would otherwise hold it, and requests, health checks and timers would wait for the whole run.
   */
  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        await this.group();
        if (this.waiting.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * One SQLite transaction: the first waiting job, then, while the group is below its size, each
   * job that is waiting by the time the previous one finished, each in a savepoint; then COMMIT,
   * and the jobs that succeeded are answered.
   */
  private async group(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    const done: Array<{ job: Job<unknown>; result: unknown }> = [];
    try {
      await runner.query('BEGIN IMMEDIATE');
      startMemo(runner);
      startAfterCommit(runner);
      let job: Job<unknown> | undefined;
      while (done.length < GROUP_LIMIT && (job = this.waiting.shift()) !== undefined) {
        // The first job of a group needs no savepoint: if it fails, the whole transaction goes.
        const savepoint = done.length > 0;
        if (savepoint) await runner.query('SAVEPOINT queued_write');
        let result: unknown;
        try {
          result = await job.work(runner.manager);
        } catch (error) {
          // Its writes are undone before its caller hears of the failure.
          try {
            if (!savepoint) {
              await runner.query('ROLLBACK');
              return;
            }
            if (!this.inTransaction()) throw error; // SQLite rolled the whole transaction back (disk full, I/O error).
            startMemo(runner);
            await runner.query('ROLLBACK TO SAVEPOINT queued_write');
            await runner.query('RELEASE SAVEPOINT queued_write');
          } finally {
            job.reject(error);
          }
          continue;
        }
        if (savepoint) await runner.query('RELEASE SAVEPOINT queued_write');
        done.push({ job, result });
      }
      await runner.query('COMMIT');
    } catch (error) {
      // Nothing of the group is stored: every job that thought it succeeded gets the error instead.
      if (this.inTransaction()) await runner.query('ROLLBACK');
      for (const { job } of done) job.reject(error);
      return;
    } finally {
      dropMemo(runner);
      runAfterCommit(runner);
      await runner.release();
    }
    for (const { job, result } of done) job.resolve(result);
  }

  private inTransaction(): boolean {
    return sqliteConnection(this.dataSource).inTransaction;
  }
}

function withHook<T>(work: (manager: EntityManager) => Promise<T>, hook: FirstWriteHook): (manager: EntityManager) => Promise<T> {
  return async (manager) => {
    const result = await work(manager);
    await hook.run(manager);
    hook.done = true;
    return result;
  };
}

/** A write transaction waiting for its turn, and how to answer its caller. */
interface Job<T> {
  work: (manager: EntityManager) => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * At most this many transactions share a COMMIT, so the first of them waits for at most this
 * many others before it is answered.
 */
const GROUP_LIMIT = 32;

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
