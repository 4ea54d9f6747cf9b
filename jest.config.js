import { availableParallelism } from 'node:os';

/** Jest runs in ESM mode because NestJS 12 ships as ES modules only (see README). */
export default {
  // Jest's default, one worker fewer than the cores, is a single worker on the 2-vCPU machines CI
  // runs on, where the suites spend much of their time waiting (fsync, PostgreSQL, Chromium, child
  // processes): two workers took the SQLite pass from 297-313 s to 195 s and the PostgreSQL pass
  // from 293-310 s to 190 s there.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }],
  },
  testTimeout: 60000,
  testEnvironmentOptions: { globalsCleanup: 'off' },
};
