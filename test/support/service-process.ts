import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A TCP port on 127.0.0.1 that was free a moment ago, for a service process to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `healthUrl` until it answers 2xx. Throws `failure(exited)` when `child` exits first
 * (exited true) or after `ms` of real time (exited false).
 */
export async function waitForHealth(healthUrl: string, child: ChildProcess, failure: (exited: boolean) => string, ms = 20_000): Promise<void> {
  const giveUpAt = Date.now() + ms;
  while (Date.now() < giveUpAt) {
    if (child.exitCode !== null) throw new Error(failure(true));
    try {
      const health = await fetch(healthUrl, { signal: AbortSignal.timeout(1000) });
      if (health.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(failure(false));
}
