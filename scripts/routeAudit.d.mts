import type { Request } from 'playwright';
import type { BrowserCommand } from 'vitest/node';

export function routeAuditCommands(allow?: (origin: string, request: Request) => boolean): {
  startRouteAudit: BrowserCommand<[]>;
  takeRouteAuditViolations: BrowserCommand<[]>;
};
