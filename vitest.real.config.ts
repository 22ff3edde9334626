import { defineConfig } from 'vitest/config';

/**
 * `npm run test:real`: the same contract suites against a real cluster. Needs KUBECONFIG (and
 * KARMADA_KUBECONFIG for Karmada); each suite fails loudly when its variable is missing.
 */
export default defineConfig({
  test: {
    include: ['test/real/**/*.real.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    minWorkers: 1,
  },
});
