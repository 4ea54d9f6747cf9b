import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

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
 * Waits until `child`, a service process spawned with an IPC channel (`'ipc'` in its stdio),
 * reports that it is listening (src/main.ts sends `{ready: port}` after `listen`); throws
 * `failure()` when it exits first. Nothing is polled: how long a start may take is the test's
 * timeout.
 */
export function waitForReady(child: ChildProcess, failure: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onExit = () => reject(new Error(failure()));
    child.once('exit', onExit);
    child.once('message', (message: { ready?: number }) => {
      child.off('exit', onExit);
      if (typeof message?.ready === 'number') resolve();
      else reject(new Error(`the service sent ${JSON.stringify(message)} instead of {ready}`));
    });
  });
}
