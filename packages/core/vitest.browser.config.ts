import { playwright } from '@vitest/browser-playwright';
import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { chromiumArgs as args, chromiumExecutablePath as executablePath } from '../../scripts/chromium.mjs';

// The IndexedDB adapter against Chromium's own IndexedDB (`*.browser.test.ts`), where the Node
// project (vitest.config.ts) runs it on fake-indexeddb. Chromium as the web-worker's browser tests
// launch it (../../scripts/chromium.mjs: Debian's browser unless CHROMIUM_PATH says otherwise).
export default defineConfig({
  resolve: { conditions: ['@taskweave/source', ...defaultClientConditions] },
  // Pre-bundled up front, or Vite would discover it mid-run and reload the page.
  optimizeDeps: { include: ['idb', 'zod'] },
  test: {
    name: 'core-browser',
    // In the workspace's run (../../vite.config.ts), projects run one group after another: this
    // one after the web-worker's Chromium (2), so two browsers never share the 2 cores.
    sequence: { groupOrder: 3 },
    include: ['src/**/*.browser.test.ts'],
    testTimeout: 30_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: { ...(executablePath === undefined ? {} : { executablePath }), args },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
