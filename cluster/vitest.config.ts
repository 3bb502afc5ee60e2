import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: the cluster tests alone (a Go-built Temporal server on PostgreSQL).
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['cluster/**/*.test.ts'],
    globalSetup: ['./devstack/vitest-global-setup.ts'],
    setupFiles: ['./devstack/quiet-runtime.ts'],
    testTimeout: 300_000,
    // The first run builds the server from source (about 4 minutes on 2 cores).
    hookTimeout: 900_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
