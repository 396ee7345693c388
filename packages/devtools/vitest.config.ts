import { playwright } from '@vitest/browser-playwright';
import { taskweaveOrt } from '@taskweave/web-worker/vite';
import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { chromiumArgs as args, chromiumExecutablePath as executablePath } from '../../scripts/chromium.mjs';
import { DEMO_PUBLIC_DIR } from '../../scripts/demoAssets.mjs';
import { routeAuditCommands } from '../../scripts/routeAudit.mjs';

export default defineConfig({
  // The demo's public folder holds the test model (tiny-random-bert), served at /models/.
  publicDir: DEMO_PUBLIC_DIR,
  // Serves ORT from this origin with COOP/COEP, and pre-bundles what the pool's workers import.
  plugins: [taskweaveOrt()],
  // @taskweave/* from their sources (the "@taskweave/source" export condition), not their dist/.
  resolve: { conditions: ['@taskweave/source', ...defaultClientConditions] },
  worker: { format: 'es' },
  // The screenshot test writes into docs/ (the README's pictures) only when asked
  // (TASKWEAVE_UPDATE_DOCS=1), else into test-results/, so a test run leaves the tree clean.
  define: { __SCREENSHOT_DIR__: JSON.stringify(process.env['TASKWEAVE_UPDATE_DOCS'] === '1' ? '../../docs' : '../../test-results') },
  test: {
    name: 'devtools',
    // In the workspace's run (../../vite.config.ts), after core-browser's Chromium has closed.
    sequence: { groupOrder: 5 },
    include: ['src/**/*.test.ts'],
    // Fails a file when any request left the page's origin (the workspace's route audit).
    setupFiles: ['../../scripts/routeAuditSetup.mjs'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // A loaded 2-core machine can take seconds between an action and what it shows.
    expect: { poll: { timeout: 20_000 } },
    browser: {
      enabled: true,
      headless: true,
      // A laptop-sized page: the panel docks to its bottom edge (and the screenshot shows it so).
      viewport: { width: 1280, height: 800 },
      provider: playwright({ launchOptions: { ...(executablePath === undefined ? {} : { executablePath }), args } }),
      instances: [{ browser: 'chromium' }],
      commands: routeAuditCommands(),
    },
  },
});
