// The route audit of the browser tests (Vitest browser mode, Playwright), shared by every package
// that runs tests in Chromium: `startRouteAudit` blocks and records every request of the test page
// (and its workers) that leaves the page's origin; `takeRouteAuditViolations` returns what was
// recorded. routeAuditSetup.mjs (a setup file) starts it before a test file and fails the file when
// anything was recorded.

/**
 * The two browser commands, for `test.browser.commands`.
 * @param {(origin: string, request: import('playwright').Request) => boolean} [allow] lets a
 *   request to another origin through (a package's own test server); the default allows none.
 */
export function routeAuditCommands(allow = () => false) {
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
      if (requestOrigin === origin || allow(requestOrigin, route.request())) return route.fallback();
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
