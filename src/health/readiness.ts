import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { constants, type Stats } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { TimersService } from '../timers/timers.service.js';

/** What readiness found: each check `up` or `down`, with why when down. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { status: 'up' | 'down'; message?: string }>;
}

const PROBE_TIMEOUT_MS = 2000;

/**
 * Whether this instance should be sent traffic (terminus): the database answers, every migration
 * is applied (which also reads a table, so a dropped schema or a database gone is caught even when
 * `SELECT 1` still works), on SQLite the file the service opened is still there and readable and
 * writable by it, and the timer poller runs (or is off by TIMER_POLL_MS=0). During a shutdown
 * terminus answers not ready at once.
 */
@Injectable()
export class Readiness implements OnApplicationBootstrap {
  /** The SQLite file as it was when the service opened it. */
  private opened?: Stats;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly dataSource: DataSource,
    private readonly timers: TimersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.sqliteFile();
    if (file) this.opened = await stat(file);
  }

  async check(): Promise<ReadinessReport> {
    const file = this.sqliteFile();
    try {
      const result = await this.health.check([
        () => this.database.pingCheck('database', { timeout: PROBE_TIMEOUT_MS }),
        () =>
          this.indicators
            .check('migrations')
            .attempt(async () => {
              if (await this.dataSource.showMigrations()) throw new Error('migrations are pending');
            })
            .withTimeout(PROBE_TIMEOUT_MS),
        ...(file ? [() => this.indicators.check('databaseFile').attempt(() => this.checkFile(file))] : []),
        () =>
          this.indicators.check('timerPoller').attempt(() => {
            if (this.timers.pollerState() === 'stopped') throw new Error('the timer poller is not running');
          }),
      ]);
      return { ready: true, checks: summary(result.details) };
    } catch (error) {
      const result = (error as { getResponse?: () => Partial<TerminusResult> }).getResponse?.();
      if (!result?.details) throw error;
      const checks = summary(result.details);
      if (result.status === 'shutting_down') checks.shutdown = { status: 'down', message: 'the service is shutting down' };
      return { ready: false, checks };
    }
  }

  private sqliteFile(): string | undefined {
    return this.dataSource.options.type === 'better-sqlite3' ? this.dataSource.options.database : undefined;
  }

  /** The open connection keeps working on a file removed, replaced or made unreadable; the next start would not. */
  private async checkFile(file: string): Promise<void> {
    const now = await stat(file).catch(() => undefined);
    if (!now || now.ino !== this.opened?.ino || now.dev !== this.opened?.dev) throw new Error(`${file} is not the file the service opened`);
    await access(file, constants.R_OK | constants.W_OK).catch(() => {
      throw new Error(`${file} cannot be read and written by the service`);
    });
  }
}

/** What terminus's 503 carries. */
interface TerminusResult {
  status: string;
  details: Record<string, { status: string; message?: string }>;
}

function summary(details: TerminusResult['details']): ReadinessReport['checks'] {
  return Object.fromEntries(
    Object.entries(details).map(([key, detail]) => [key, detail.status === 'up' ? { status: 'up' } : { status: 'down', message: detail.message ?? 'down' }]),
  );
}
