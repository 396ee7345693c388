import { playwright } from '@vitest/browser-playwright';
import type { BrowserContext } from 'playwright';
import { defaultClientConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import type { BrowserCommand } from 'vitest/node';
import { taskweaveOrt } from './vite.js';
import { chromiumArgs as args, chromiumExecutablePath as executablePath } from '../../scripts/chromium.mjs';
import { DEMO_PUBLIC_DIR } from '../../scripts/demoAssets.mjs';
import { routeAuditCommands } from '../../scripts/routeAudit.mjs';
import { allowedOrigins, recordRequest, remoteFleet, remoteRequests, remoteRuns, remoteServer } from './src/__tests__/setup/remoteFleet.js';


const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Route audit: every request of the test page (and its workers) that leaves the page's origin is
// blocked and recorded (scripts/routeAudit.mjs); src/__tests__/setup/routeAudit.ts fails the file
// when any was recorded. The placement tests' own taskweave server on 127.0.0.1, once started, is let
// through (and its requests recorded).
const { startRouteAudit, takeRouteAuditViolations } = routeAuditCommands((origin, request) => {
  if (!allowedOrigins.has(origin)) return false;
  recordRequest(request.method(), request.url(), request.postData());
  return true;
});

// Model cache tests (src/main/taskweave/modelAssets.test.ts): take the origin's model and ORT
// routes offline (recording what still asked for them), and shrink the origin's storage quota.
const offline = new WeakMap<BrowserContext, { urls: string[]; handler: Parameters<BrowserContext['route']>[1] }>();
// Anchored at the path's start: the sources under /src/worker/models/ are not model files.
const OFFLINE_ROUTES = /^https?:\/\/[^/]+\/(?:models|ort)\//;

const setModelRoutesOffline: BrowserCommand<[on: boolean]> = async (ctx, on) => {
  const current = offline.get(ctx.context);
  if (!on) {
    if (current === undefined) return [];
    offline.delete(ctx.context);
    await ctx.context.unroute(OFFLINE_ROUTES, current.handler);
    return current.urls;
  }
  if (current !== undefined) return [];
  const urls: string[] = [];
  const handler: Parameters<BrowserContext['route']>[1] = async (route) => {
    urls.push(route.request().url());
    await route.abort('internetdisconnected');
  };
  offline.set(ctx.context, { urls, handler });
  await ctx.context.route(OFFLINE_ROUTES, handler);
  return [];
};

type RouteHandler = Parameters<BrowserContext['route']>[1];

// Routes over one model folder, /models/<folder>/**, per browser context: `handler` replaces the
// folder's current route (none: just removed). Shared by the model-folder commands below.
const folderRoutes = new WeakMap<BrowserContext, Map<string, RouteHandler>>();
async function routeModelFolder(context: BrowserContext, folder: string, handler: RouteHandler | undefined): Promise<void> {
  let routes = folderRoutes.get(context);
  if (routes === undefined) folderRoutes.set(context, (routes = new Map()));
  const pattern = `**/models/${folder}/**`;
  const current = routes.get(folder);
  if (current !== undefined) {
    routes.delete(folder);
    await context.unroute(pattern, current);
  }
  if (handler === undefined) return;
  routes.set(folder, handler);
  await context.route(pattern, handler);
}

// Model error tests (src/worker/models/models.test.ts): answer every file under /models/<folder>/
// with an HTML page, status 200, as a dev server or an SPA host does for a path it does not have.
const answerModelFolderWithHtml: BrowserCommand<[folder: string, on: boolean]> = async (ctx, folder, on) => {
  await routeModelFolder(
    ctx.context,
    folder,
    on ? (route) => route.fulfill({ status: 200, contentType: 'text/html', headers: isolation, body: '<!doctype html><html><body>app</body></html>' }) : undefined,
  );
};

// A model whose ONNX file is not a model (src/worker/models/spoiledRuntime.test.ts): /models/<folder>/
// answers with tiny-random-bert's files, except onnx/model.onnx, whose bytes are garbage, so its
// session creation fails inside ORT.
const serveBrokenModel: BrowserCommand<[folder: string, on: boolean]> = async (ctx, folder, on) => {
  const broken: RouteHandler = async (route) => {
    const url = route.request().url();
    if (url.endsWith(`/models/${folder}/onnx/model.onnx`)) {
      return route.fulfill({ status: 200, contentType: 'application/octet-stream', headers: isolation, body: Buffer.from('not an onnx model '.repeat(64)) });
    }
    const response = await route.fetch({ url: url.replace(`/models/${folder}/`, '/models/tiny-random-bert/') });
    return route.fulfill({ response });
  };
  await routeModelFolder(ctx.context, folder, on ? broken : undefined);
};

// The override lives as long as the CDP session that set it: kept open until reset.
const quotaSessions = new WeakMap<BrowserContext, Awaited<ReturnType<BrowserContext['newCDPSession']>>>();
const overrideStorageQuota: BrowserCommand<[bytes: number | null]> = async (ctx, bytes) => {
  const origin = new URL(ctx.page.url()).origin;
  let cdp = quotaSessions.get(ctx.context);
  if (bytes === null) {
    if (cdp === undefined) return;
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    quotaSessions.delete(ctx.context);
    await cdp.detach();
    return;
  }
  if (cdp === undefined) {
    cdp = await ctx.context.newCDPSession(ctx.page);
    quotaSessions.set(ctx.context, cdp);
  }
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: bytes });
};

export default defineConfig({
  // The demo's public folder holds the test model (tiny-random-bert) and the corpus: served at /models/ and /corpus/.
  publicDir: DEMO_PUBLIC_DIR,
  // The plugin serves use-lite from its package at /models/use-lite/ (the pool's default
  // modelBaseUrl), as an app gets it, and pre-bundles what the workers import (comlink, idb, zod,
  // transformers.js, ORT).
  plugins: [taskweaveOrt({ models: ['@taskweave/model-use-lite'] })],
  // wabt (dev only: dotKernelBytes.test.ts assembles the kernel's .wat) pre-bundled up front, or
  // Vite would discover it mid-run and reload the page.
  optimizeDeps: { include: ['wabt'] },
  // @taskweave/core from its sources (its "@taskweave/source" export condition), not its dist/.
  resolve: { conditions: ['@taskweave/source', ...defaultClientConditions] },
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  test: {
    name: 'web-worker',
    // In the workspace's run (../../vite.config.ts), projects run one group after another.
    sequence: { groupOrder: 2 },
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/__tests__/setup/routeAudit.ts'],
    globalSetup: ['src/__tests__/setup/remoteFleetTeardown.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: { ...(executablePath === undefined ? {} : { executablePath }), args },
      }),
      instances: [
        { browser: 'chromium', exclude: ['**/node_modules/**', 'src/**/*.webgpu.test.ts'] },
        // A second Chromium that has a WebGPU adapter (SwiftShader on the CPU): runs only *.webgpu.test.ts.
        {
          browser: 'chromium',
          name: 'chromium-webgpu',
          include: ['src/**/*.webgpu.test.ts'],
          provider: playwright({
            launchOptions: { ...(executablePath === undefined ? {} : { executablePath }), args: [...args, '--enable-unsafe-webgpu'] },
          }),
        },
      ],
      commands: { startRouteAudit, takeRouteAuditViolations, setModelRoutesOffline, answerModelFolderWithHtml, serveBrokenModel, overrideStorageQuota, remoteFleet, remoteServer, remoteRuns, remoteRequests },
    },
  },
});
