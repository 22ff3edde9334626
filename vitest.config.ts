import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration suites start real servers on loopback; the machine has 2 cores.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
