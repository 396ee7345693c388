declare module 'vitest/browser' {
  interface BrowserCommands {
    startRouteAudit(): Promise<void>;
    takeRouteAuditViolations(): Promise<string[]>;
  }
}
export {};
