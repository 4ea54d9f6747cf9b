import { availableParallelism } from 'node:os';

/** Jest runs in ESM mode because NestJS 12 ships as ES modules only (see README). */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }],
  },
  testEnvironmentOptions: { globalsCleanup: 'off' },
  setupFiles: ['<rootDir>/test/support/test-env.ts'],
};

/** The suites that start service processes, kill or stop them, or run long seeded sequences. */
const SLOW = [
  '<rootDir>/test/backup-restore.e2e-spec.ts',
  '<rootDir>/test/crash.e2e-spec.ts',
  '<rootDir>/test/mail-processes.e2e-spec.ts',
  '<rootDir>/test/multi-instance.e2e-spec.ts',
  '<rootDir>/test/operations.e2e-spec.ts',
  '<rootDir>/test/upload-memory.e2e-spec.ts',
  '<rootDir>/test/workflow-model.property.e2e-spec.ts',
];

/**
 * The tiers `npm run test:<tier>` selects (`npm test` runs them all): `unit` the pure tests (src/, and
 * test/model/, the model-based tests of the definitions), `service` services against a real database,
 * `e2e` the API over HTTP, `browser` the web interface in Chromium, `slow` the crash, multi-instance
 * and property suites.
 */
export default {
  // Jest's default, one worker fewer than the cores, is a single worker on the 2-vCPU machines CI
  // runs on, where the suites spend much of their time waiting (fsync, PostgreSQL, Chromium, child
  // processes): two workers took the SQLite pass from 297-313 s to 195 s and the PostgreSQL pass
  // from 293-310 s to 190 s there.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  // In ESM mode a worker keeps what each test file loaded (the whole Nest application and its
  // dependencies, once per file): workers grew to about 2.9 GB by the middle of a run, and the same
  // suite took two to three times as long late in a worker's life as early (role matrix 17 s fresh,
  // 49 s late). A worker past this size after a file is replaced by a fresh one.
  workerIdleMemoryLimit: '1GB',
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/src', '<rootDir>/test/model'],
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/model/*.spec.ts'],
    },
    { ...common, displayName: 'service', roots: ['<rootDir>/test'], testMatch: ['<rootDir>/test/*.spec.ts'] },
    { ...common, displayName: 'e2e', roots: ['<rootDir>/test'], testMatch: ['<rootDir>/test/*.e2e-spec.ts'], testPathIgnorePatterns: SLOW },
    { ...common, displayName: 'browser', roots: ['<rootDir>/test'], testMatch: ['<rootDir>/test/web/**/*.e2e-spec.ts'] },
    { ...common, displayName: 'slow', roots: ['<rootDir>/test'], testMatch: SLOW },
  ],
};
