/**
 * The React bindings in real Chromium (Vitest browser mode) with real workers, as
 * packages/web-worker's browser tests run: the same Chromium (../../scripts/chromium.mjs), the same
 * route audit that fails a file on any request leaving the page's origin
 * (../../scripts/routeAudit.mjs), cross-origin isolation, use-lite served from its package by the
 * web-worker's own Vite plugin and sotu-gen from the demo's public folder. .tsx is compiled by Vite itself (tsconfig `jsx: react-jsx`):
 * no React plugin.
 */
import { playwright } from '@vitest/browser-playwright';
import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { taskweaveOrt } from '@taskweave/web-worker/vite';
import { chromiumArgs as args, chromiumExecutablePath as executablePath } from '../../scripts/chromium.mjs';
import { DEMO_PUBLIC_DIR } from '../../scripts/demoAssets.mjs';
import { routeAuditCommands } from '../../scripts/routeAudit.mjs';

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // The demo's public folder: the generative test model (sotu-gen) at /models/sotu-gen/.
  publicDir: DEMO_PUBLIC_DIR,
  plugins: [taskweaveOrt({ models: ['@taskweave/model-use-lite'] })],
  // Pre-bundled up front, or Vite would discover them mid-run and reload the page.
  optimizeDeps: { include: ['react', 'react/jsx-dev-runtime', 'react/jsx-runtime', 'react-dom', 'react-dom/client', 'react-dom/server', '@testing-library/react'] },
  // @taskweave/* from their sources (the "@taskweave/source" export condition), not their dist/.
  resolve: { conditions: ['@taskweave/source', ...defaultClientConditions] },
  server: { headers: isolation },
  worker: { format: 'es' },
  test: {
    name: 'react',
    // In the workspace's run (../../vite.config.ts), projects run one group after another: one
    // Chromium at a time on the 2 cores.
    sequence: { groupOrder: 4 },
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['../../scripts/routeAuditSetup.mjs'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: { ...(executablePath === undefined ? {} : { executablePath }), args },
      }),
      instances: [{ browser: 'chromium' }],
      commands: routeAuditCommands(),
    },
  },
});
