import 'reflect-metadata';
import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { loadAppConfig } from './config/app.config.js';
import { createLogger, NestPinoLogger, requestLogger } from './observability/logger.js';

async function bootstrap(): Promise<void> {
  // Read before Nest starts, which needs the logger; the modules read the same values again.
  const config = loadAppConfig();
  const logger = createLogger(config);
  // return503OnClosing: once shutdown starts, a request on a kept-alive connection is answered 503 with Connection: close, not started.
  const app = await NestFactory.create(AppModule, { logger: new NestPinoLogger(logger), return503OnClosing: true });
  configureApp(app, { requestLog: requestLogger(logger) });
  stopOnSignals(app, config.shutdownTimeoutMs);
  await app.listen(config.port);
  // Where a person goes: the web interface at the root, the API under /api (itself no page).
  Logger.log(
    `Partnership Engine listening on port ${config.port}: the web interface is at ${config.publicUrl}/ (sign in there), the API at ${config.publicUrl}/api/… (OpenAPI at ${config.publicUrl}/api/docs)`,
    'Bootstrap',
  );
  // Started by a parent with an IPC channel (the tests, the benchmark): tell it the service is
  // listening, then let the channel go so that it does not keep the process alive.
  process.send?.({ ready: config.port }, () => process.disconnect());
}

/**
 * SIGTERM or SIGINT: readiness turns 503 (terminus), the HTTP server takes no new connection and
 * lets the requests in flight finish, then the workers stop through Nest's shutdown hooks (the
 * timer poller, the checkpoint poller; a later worker, the mail sender say, implements
 * onApplicationShutdown the same way) and the database closes. Then the process exits 0; past
 * SHUTDOWN_TIMEOUT_MS it exits 1, whatever is still running. Not Nest's enableShutdownHooks, which
 * ends by raising the signal again, so the process would never exit 0.
 */
function stopOnSignals(app: INestApplication, timeoutMs: number): void {
  const stop = (signal: NodeJS.Signals) => {
    Logger.log(`${signal}: shutting down`, 'Shutdown');
    const deadline = setTimeout(() => {
      Logger.error(`still shutting down after ${timeoutMs} ms (SHUTDOWN_TIMEOUT_MS): exiting now`, 'Shutdown');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    app.close().then(
      () => {
        Logger.log('stopped', 'Shutdown');
        process.exit(0);
      },
      (error: Error) => {
        Logger.error(`shutdown failed: ${error.message}`, 'Shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((error: Error) => {
  // A broken workflow definition or configuration stops start-up with its own message.
  console.error(`start-up failed: ${error.message}`);
  process.exit(1);
});
