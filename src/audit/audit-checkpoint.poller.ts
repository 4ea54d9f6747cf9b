import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app.config.js';
import { AuditService } from './audit.service.js';

/**
 * Looks every AUDIT_CHECKPOINT_POLL_MS whether the chain's head has waited an hour for a
 * checkpoint (`AuditService.checkpointIfDue`); 0 turns it off, as the tests do (they call that
 * method and move the clock).
 */
@Injectable()
export class AuditCheckpointPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditCheckpointPoller.name);
  private readonly pollMs: number;
  private handle?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly audit: AuditService,
    config: ConfigService,
  ) {
    this.pollMs = config.getOrThrow<AppConfig>('app').auditCheckpointPollMs;
  }

  onApplicationBootstrap(): void {
    if (this.pollMs <= 0) return;
    this.handle = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, this.pollMs);
    this.handle.unref();
  }

  private async tick(): Promise<void> {
    try {
      const checkpoint = await this.audit.checkpointIfDue();
      if (checkpoint) this.logger.debug(`signed checkpoint ${checkpoint.seq} of the audit chain`);
    } catch (error) {
      this.logger.error(`signing an audit checkpoint failed: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.handle) clearInterval(this.handle);
    await this.running;
  }
}
