import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { plainQuery } from '../database/plain-query.js';
import { whenCommitted, WriteQueue } from '../database/write-queue.js';
import { Metrics } from '../observability/metrics.js';
import { InstanceRuntime } from '../workflow-engine/instance-runtime.service.js';
import { SYSTEM_ACTOR } from '../workflow-engine/workflow.types.js';
import { Timer } from './timer.entity.js';

export const TIMER_POLL_MS = Symbol('TIMER_POLL_MS');

const BATCH = 100;

/**
 * Fires due timers. Each timer is claimed with a conditional update inside the same transaction
 * that sends its event, so it fires once however many pollers run, and a crash before commit
 * leaves it due.
 */
@Injectable()
export class TimersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TimersService.name);
  private handle?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: WriteQueue,
    private readonly runtime: InstanceRuntime,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TIMER_POLL_MS) private readonly pollMs: number,
    metrics: Metrics,
  ) {
    metrics.scrape({ name: 'timers_pending', help: 'Timers not fired yet, due or not.', type: 'gauge', read: () => this.pendingCount() });
    metrics.scrape({
      name: 'timer_lag_seconds',
      help: 'How long the oldest due timer has waited to fire; 0 when none is due.',
      type: 'gauge',
      read: () => this.lagSeconds(),
    });
  }

  private async pendingCount(): Promise<number> {
    const [row] = await plainQuery<{ pending: number | string }>(this.dataSource, 'SELECT COUNT(*) AS pending FROM timers WHERE fired_at IS NULL', []);
    return Number(row.pending);
  }

  private async lagSeconds(): Promise<number> {
    const now = this.clock.now();
    const sql = 'SELECT MIN(due_at) AS due FROM timers WHERE fired_at IS NULL AND due_at <= ?';
    const [row] = await plainQuery<{ due: string | null }>(this.dataSource, sql, [now.toISOString()]);
    return row.due === null ? 0 : Math.max(0, now.getTime() - Date.parse(row.due)) / 1000;
  }

  /**
   * With the poller on, the timers that fell due while no instance ran (a crash, a deploy) are
   * fired before the service starts answering, then the poller takes over.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.pollMs <= 0) return;
    await this.fireDue().catch((error: Error) => this.logger.error(`firing the timers due at start failed: ${error.message}`));
    this.handle = setInterval(() => {
      if (!this.running) {
        this.running = this.fireDue()
          .catch((error: Error) => {
            this.logger.error(`timer poll failed: ${error.message}`);
            return 0;
          })
          .finally(() => (this.running = undefined));
      }
    }, this.pollMs);
    this.handle.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.handle) clearInterval(this.handle);
    this.handle = undefined;
    await this.running;
  }

  /** `off` by TIMER_POLL_MS=0; `stopped` before start-up has fired the due timers, and after shutdown. */
  pollerState(): 'running' | 'off' | 'stopped' {
    if (this.pollMs <= 0) return 'off';
    return this.handle ? 'running' : 'stopped';
  }

  /** Fires every timer due now, oldest first, and returns how many this call fired. */
  async fireDue(): Promise<number> {
    let fired = 0;
    for (;;) {
      const due = await this.dataSource
        .getRepository(Timer)
        .createQueryBuilder('t')
        .where('t.fired_at IS NULL AND t.due_at <= :now', { now: this.clock.now().toISOString() })
        .orderBy('t.due_at', 'ASC')
        .addOrderBy('t.id', 'ASC')
        .limit(BATCH)
        .getMany();
      let claimedInBatch = 0;
      for (const timer of due) {
        if (await this.fire(timer)) {
          fired += 1;
          claimedInBatch += 1;
        }
      }
      if (due.length < BATCH || claimedInBatch === 0) return fired;
    }
  }

  /**
   * Marks the timer fired inside the transaction that sends its event; false when another poller
   * has fired it or, on PostgreSQL, is firing it right now (SKIP LOCKED: no waiting on its commit;
   * should that transaction roll back, the timer is still due at the next poll).
   */
  private async claim(manager: EntityManager, timer: Timer): Promise<boolean> {
    const firedAt = this.clock.now().toISOString();
    if (manager.connection.options.type === 'postgres') {
      const [, affected] = await manager.query<[unknown[], number]>(
        `UPDATE timers SET fired_at = $1
          WHERE id = (SELECT id FROM timers WHERE id = $2 AND fired_at IS NULL FOR UPDATE SKIP LOCKED)`,
        [firedAt, timer.id],
      );
      return affected === 1;
    }
    const claim = await manager.createQueryBuilder().update(Timer).set({ firedAt }).where('id = :id AND fired_at IS NULL', { id: timer.id }).execute();
    return claim.affected === 1;
  }

  /**
   * Claims one timer and sends its event as `system`; false when another poller had it first, or
   * when a concurrent change of the instance (possible on PostgreSQL, where writers do not queue)
   * committed between reading and updating it: then the claim is rolled back with the rest, and
   * the timer fires at the next poll on the new version.
   */
  private async fire(timer: Timer): Promise<boolean> {
    try {
      const fired = await this.queue.run(async (manager) => {
        if (!(await this.claim(manager, timer))) return false;
        const input = { type: timer.event, actor: SYSTEM_ACTOR, requestId: `timer:${timer.id}` };
        // A savepoint, so that a refusal after some writes takes them back and keeps only the claim.
        await manager.query('SAVEPOINT timer_event');
        const counted = whenCommitted.mark(manager);
        try {
          await this.runtime.apply(manager, timer.instanceType, timer.instanceId, input);
          await manager.query('RELEASE SAVEPOINT timer_event');
        } catch (error) {
          // The instance moved on without cancelling this timer: keep the claim, record the refusal.
          if (!(error instanceof DomainError) || lostRace(error)) throw error;
          await manager.query('ROLLBACK TO SAVEPOINT timer_event');
          whenCommitted.dropSince(manager, counted);
          this.logger.warn(`timer ${timer.id} (${timer.event}) refused: ${error.message}`);
          await this.runtime.recordRefusal(timer.instanceType, timer.instanceId, input, error, manager);
        }
        return true;
      });
      // After the commit: whoever reads this line (a supervisor, the multi-instance test) finds it stored.
      if (fired) this.logger.debug(`fired timer ${timer.id} (${timer.event}) of ${timer.instanceType} ${timer.instanceId}`);
      return fired;
    } catch (error) {
      if (lostRace(error)) return false;
      throw error;
    }
  }
}

function lostRace(error: unknown): boolean {
  return error instanceof DomainError && error.code === 'VERSION_MISMATCH';
}
