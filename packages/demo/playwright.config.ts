/**
 * e2e tests of the built demo in Debian's Chromium (or `$CHROMIUM_PATH`), served by
 * `vite preview` with the same cross-origin isolation headers as dev. `pnpm test` builds first.
 */
import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs';

const port = Number(process.env['DEMO_PORT'] ?? 4318);

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 60_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 1000 },
    // Debian's Chromium (or $CHROMIUM_PATH) with the project's no-network flags.
    launchOptions: chromiumLaunchOptions(),
  },
  webServer: {
    command: `vite preview --port ${port} --strictPort`,
    url: `http://localhost:${port}/`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
