import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.nextdeploy/**', 'examples/**/node_modules/**', 'cluster/**'],
    globalSetup: ['./devstack/vitest-global-setup.ts'],
    setupFiles: ['./devstack/quiet-runtime.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores: each file may start servers and workers of its own.
    maxWorkers: 2,
  },
});
