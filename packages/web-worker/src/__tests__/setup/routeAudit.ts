/**
 * Fails a test file when any request of the page or its workers left the page's origin: the
 * workspace's shared setup (scripts/routeAuditSetup.mjs, with the commands of
 * scripts/routeAudit.mjs registered in vitest.config.ts), and the commands' types for the tests
 * that call them.
 */
import '../../../../../scripts/routeAuditSetup.mjs';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startRouteAudit(): Promise<void>;
    takeRouteAuditViolations(): Promise<string[]>;
  }
}
