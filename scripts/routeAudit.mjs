// The route audit of the browser tests (Vitest browser mode, Node side): every request of the test
// page and its workers that leaves the page's origin is blocked and recorded, and
// routeAuditSetup.mjs (the page side, a setup file) fails the test file when any was recorded.
// One place for the rule, shared by the packages whose tests run in Chromium.

/**
 * The browser commands `startRouteAudit` and `takeRouteAuditViolations`. `allow(origin, request)`
 * lets a request to another origin through (a test's own local server), else it is blocked.
 * @param {{ allow?: (origin: string, request: import('playwright').Request) => boolean }} [options]
 */
export function routeAuditCommands(options = {}) {
  /** @type {WeakMap<import('playwright').BrowserContext, string[]>} */
  const violations = new WeakMap();

  /** @type {import('vitest/node').BrowserCommand<[]>} */
  const startRouteAudit = async (ctx) => {
    if (violations.has(ctx.context)) return;
    /** @type {string[]} */
    const list = [];
    violations.set(ctx.context, list);
    const origin = new URL(ctx.page.url()).origin;
    await ctx.context.route('**/*', async (route) => {
      const url = route.request().url();
      let requestOrigin = 'null';
      try {
        requestOrigin = new URL(url).origin;
      } catch {
        // An unparsable URL is not the page's origin.
      }
      if (requestOrigin === origin) return route.fallback();
      if (options.allow?.(requestOrigin, route.request()) === true) return route.fallback();
      list.push(url);
      return route.abort('blockedbyclient');
    });
  };

  /** @type {import('vitest/node').BrowserCommand<[]>} */
  const takeRouteAuditViolations = (ctx) => {
    const list = violations.get(ctx.context) ?? [];
    return list.splice(0);
  };

  return { startRouteAudit, takeRouteAuditViolations };
}
