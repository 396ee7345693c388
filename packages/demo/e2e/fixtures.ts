/**
 * The `page` of every demo test, audited: a request whose origin differs from the page's is
 * blocked and recorded, and so is every console error and uncaught page error; the test fails
 * at its end when either list is not empty.
 */
import { test as base, expect } from '@playwright/test';

interface Audit {
  offOrigin: Set<string>;
  consoleErrors: string[];
  /** Console errors a test provokes on purpose (a file it answers with 404), by pattern. */
  expectedConsoleErrors: RegExp[];
}

export const test = base.extend<{ audit: Audit }>({
  audit: [
    async ({ context, baseURL }, use) => {
      const origin = new URL(baseURL ?? 'http://localhost').origin;
      const audit: Audit = { offOrigin: new Set(), consoleErrors: [], expectedConsoleErrors: [] };
      const isOurs = (url: string): boolean => {
        if (url.startsWith('data:') || url.startsWith('blob:')) return true;
        try {
          return new URL(url).origin === origin;
        } catch {
          return false;
        }
      };
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (isOurs(url)) return route.fallback();
        audit.offOrigin.add(url);
        return route.abort('blockedbyclient');
      });
      // Requests of workers too (the route above may not see every one of them).
      context.on('request', (request) => {
        if (!isOurs(request.url())) audit.offOrigin.add(request.url());
      });
      context.on('console', (message) => {
        if (message.type() === 'error') audit.consoleErrors.push(`${message.text()} (${message.location().url})`);
      });
      context.on('weberror', (error) => audit.consoleErrors.push(`uncaught: ${error.error().message}`));
      await use(audit);
      expect([...audit.offOrigin], 'requests that left the page origin').toEqual([]);
      const unexpected = audit.consoleErrors.filter((text) => !audit.expectedConsoleErrors.some((pattern) => pattern.test(text)));
      expect(unexpected, 'console errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
