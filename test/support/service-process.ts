import { spawn, type ChildProcess } from 'node:child_process';
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
 * `failure()` when it exits first or cannot be spawned at all. Nothing is polled: how long a start may take is the test's
 * timeout.
 */
export function waitForReady(child: ChildProcess, failure: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onExit = () => reject(new Error(failure()));
    const onError = (error: Error) => reject(new Error(`${failure()}\n${error.message}`));
    child.once('exit', onExit);
    child.once('error', onError);
    child.once('message', (message: { ready?: number }) => {
      child.off('exit', onExit);
      child.off('error', onError);
      if (typeof message?.ready === 'number') resolve();
      else reject(new Error(`the service sent ${JSON.stringify(message)} instead of {ready}`));
    });
  });
}

/** How a service process ended, and how long after it was told to stop. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/**
 * The built service (`src/main.js` of `buildService`) as a child process on a free port, its
 * stdout and stderr kept in `log`. The environment is the test's, less NODE_OPTIONS (Jest's
 * `--experimental-vm-modules`), plus `env`.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private output = '';
  private exited?: Promise<Exit>;
  private stoppedAt = 0;
  private readonly listeners = new Set<() => void>();
  url = '';

  constructor(
    readonly name: string,
    private readonly main: string,
    private readonly env: Record<string, string>,
    /** Another user to run as (the test runs as root; a service should not). */
    private readonly user?: { uid: number; gid: number },
  ) {}

  /** Starts the process and resolves once it listens. */
  async start(): Promise<void> {
    await waitForReady(await this.spawn(), () => `${this.name} exited at start:\n${this.output}`);
  }

  /** Starts the process without waiting for it to listen (it may be held up, by a migration lock say). */
  async spawn(): Promise<ChildProcess> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.env, PORT: String(port) };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [this.main], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], ...this.user });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - this.stoppedAt })));
    const append = (chunk: Buffer) => {
      this.output += chunk.toString();
      for (const listener of this.listeners) listener();
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    return child;
  }

  /** The process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Calls `listener` whenever the process writes to its output. */
  on(listener: () => void): void {
    this.listeners.add(listener);
  }

  off(listener: () => void): void {
    this.listeners.delete(listener);
  }

  /** What the process logged. */
  get log(): string {
    return this.output;
  }

  /** Sends `signal` (SIGTERM unless told) and resolves when the process has exited; at once if it is not running. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit | undefined> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return undefined;
    this.stoppedAt = Date.now();
    child.kill(signal);
    return this.exited;
  }
}

/** Resolves once `holds` is true of the processes' output, checked again whenever one of them writes. */
export function whenLogged(processes: ServiceProcess[], holds: (output: string) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!holds(processes.map((service) => service.log).join('\n'))) return;
      for (const service of processes) service.off(check);
      resolve();
    };
    for (const service of processes) service.on(check);
    check();
  });
}
