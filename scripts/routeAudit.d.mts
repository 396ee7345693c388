import type { Request } from 'playwright';
import type { BrowserCommand } from 'vitest/node';

export declare function routeAuditCommands(options?: { allow?: (origin: string, request: Request) => boolean }): {
  startRouteAudit: BrowserCommand<[]>;
  takeRouteAuditViolations: BrowserCommand<[]>;
};

