import type { Logger } from '@nestjs/common';

/**
 * Runs a piece of background work every `ms`, and at once when kicked, never two runs at a time.
 * A kick during a run asks for one more run after it: that run may have read just before the
 * kick's cause committed. A failed run is logged; the next one tries again.
 */
export class Poller {
  private handle?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly what: string,
    private readonly work: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(ms: number): void {
    if (ms <= 0) return;
    this.handle = setInterval(() => void this.kick(), ms);
    this.handle.unref();
  }

  /** Runs the work now, or once more after the run under way; resolves when the runs it asked for are done. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.work().catch((error: Error) => this.logger.error(`${this.what} failed: ${error.message}`));
      } while (this.again);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** No run starts after this; resolves when the one under way is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle) clearInterval(this.handle);
    this.handle = undefined;
    await this.running;
  }
}
