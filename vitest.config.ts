import { defineConfig } from 'vitest/config';

// One run for the whole monorepo: one PostgreSQL server (global setup), one database per test file.
export default defineConfig({
  test: {
    include: ['packages/**/src/**/*.test.ts', 'apps/**/test/**/*.test.ts'],
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Memory tests measure what is retained, after a forced collection.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});
