import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { loadAppConfig } from './config/app.config.js';
import { createLogger, NestPinoLogger, requestLogger } from './observability/logger.js';

async function bootstrap(): Promise<void> {
  // Read before Nest starts, which needs the logger; the modules read the same values again.
  const config = loadAppConfig();
  const logger = createLogger(config);
  const app = await NestFactory.create(AppModule, { logger: new NestPinoLogger(logger) });
  configureApp(app, { requestLog: requestLogger(logger) });
  app.enableShutdownHooks();
  await app.listen(config.port);
  Logger.log(`Partnership Engine listening on http://localhost:${config.port}/api`, 'Bootstrap');
  // Started by a parent with an IPC channel (the tests, the benchmark): tell it the service is
  // listening, then let the channel go so that it does not keep the process alive.
  process.send?.({ ready: config.port }, () => process.disconnect());
}

bootstrap().catch((error: Error) => {
  // A broken workflow definition or configuration stops start-up with its own message.
  console.error(`start-up failed: ${error.message}`);
  process.exit(1);
});
