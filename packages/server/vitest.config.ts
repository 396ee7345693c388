import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// In the workspace @taskweave/core resolves to its sources (the "@taskweave/source" export
// condition), never to a dist/ that may be stale or absent; the worker processes the tests spawn
// get the same condition on their command line (test/fixtures/workers.ts).
const conditions = ['@taskweave/source', ...defaultServerConditions];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    name: 'server',
    // In the workspace's run (../../vite.config.ts), projects run one group after another.
    sequence: { groupOrder: 1 },
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // Each file starts its own redis-server and worker processes; run them one after another.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
