/**
 * The workspace's Vitest configuration: `pnpm exec vitest run` here runs every Vitest project
 * with one summary. Each package keeps its own config (and `pnpm --filter <pkg> test` still runs
 * it alone); this file lists them, and `sequence.groupOrder` in each runs them one after another
 * (2 cores: the browser tests and the Redis fleet tests would otherwise compete for them).
 *
 * - scripts: the preflight of `pnpm test` (Node)
 * - core: the scheduler's unit tests (Node, fake timers)
 * - server: the HTTP API and worker processes against a real redis-server (Node)
 * - web-worker: pool, models, storage and tabs in real Chromium (browser mode)
 * - core-browser: core's IndexedDB adapter on Chromium's own IndexedDB (browser mode), after the
 *   web-worker's Chromium has closed (packages/core/vitest.browser.config.ts)
 * - react: the React bindings in real Chromium with real workers (browser mode)
 * - devtools: the devtools panel against a running pool in real Chromium (browser mode), last
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'scripts',
          root: './scripts',
          environment: 'node',
          include: ['**/*.test.mjs'],
          sequence: { groupOrder: 0 },
        },
      },
      'packages/core',
      'packages/server',
      'packages/web-worker',
      'packages/core/vitest.browser.config.ts',
      'packages/react',
      'packages/devtools',
    ],
  },
});
