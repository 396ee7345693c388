import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

// Tests run in Node (Vite's ssr environment): @taskweave/* resolve to their sources (the
// "@taskweave/source" export condition), never to a dist/ that may be stale or absent.
const conditions = ['@taskweave/source', ...defaultServerConditions];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    name: 'core',
    // In the workspace's run (../../vite.config.ts), projects run one group after another.
    sequence: { groupOrder: 0 },
    environment: 'node',
    include: ['src/**/*.test.ts'],
    // *.browser.test.ts run in Chromium (vitest.browser.config.ts); `pnpm test` runs both.
    exclude: [...configDefaults.exclude, 'src/**/*.browser.test.ts'],
  },
});
