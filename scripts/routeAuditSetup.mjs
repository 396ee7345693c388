// A Vitest setup file (browser mode): fails a test file when any request of the page or its workers
// left the page's origin (recorded by the `startRouteAudit` command of routeAudit.mjs, which also
// blocks it). Both commands must be registered in the project's `test.browser.commands`.
import { afterAll, beforeAll } from 'vitest';
import { commands } from 'vitest/browser';

beforeAll(async () => {
  await commands.startRouteAudit();
});

afterAll(async () => {
  const violations = await commands.takeRouteAuditViolations();
  if (violations.length > 0) {
    throw new Error(`Route audit: ${violations.length} request(s) left the page's origin:\n${violations.join('\n')}`);
  }
});
