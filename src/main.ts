import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { loadAppConfig } from './config/app.config.js';

async function bootstrap(): Promise<void> {
  // Read before Nest starts, which needs the log levels; the modules read the same values again.
  const { logLevels, port } = loadAppConfig();
  const app = await NestFactory.create(AppModule, { bufferLogs: false, logger: logLevels });
  configureApp(app);
  app.enableShutdownHooks();
  await app.listen(port);
  Logger.log(`Partnership Engine listening on http://localhost:${port}/api`, 'Bootstrap');
  // Started by a parent with an IPC channel (the tests, the benchmark): tell it the service is
  // listening, then let the channel go so that it does not keep the process alive.
  process.send?.({ ready: port }, () => process.disconnect());
}

bootstrap().catch((error: Error) => {
  // A broken workflow definition or configuration stops start-up with its own message.
  console.error(`start-up failed: ${error.message}`);
  process.exit(1);
});
