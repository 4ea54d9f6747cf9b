import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { Clock, ManualClock } from '../../src/common/clock.js';

export interface TestApp {
  app: INestApplication;
  clock: ManualClock;
  dataDir: string;
  get<T>(type: abstract new (...args: never[]) => T): T;
  close(): Promise<void>;
}

/**
 * The real AppModule on a fresh SQLite file in a temp directory, with a manual clock and the
 * timer poller off (tests fire timers by moving the clock and calling `fireDue`).
 */
export async function createTestApp(options: { dataDir?: string; clock?: ManualClock; env?: Record<string, string> } = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'partnership-engine-'));
  const clock = options.clock ?? new ManualClock('2026-03-02T09:00:00.000Z');
  Object.assign(process.env, { DATA_DIR: dataDir, TIMER_POLL_MS: '0', WORKFLOWS_DIR: 'workflows', ...options.env });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  configureApp(app);
  await app.init();
  return {
    app,
    clock,
    dataDir,
    get: (type) => app.get(type),
    close: async () => {
      await app.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
