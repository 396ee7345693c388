/**
 * Issue "A publishable SDK…", item 6: what a second visit to the demo costs in model downloads.
 * The demo (packages/demo, its own vite.config.ts) runs on a Vite dev server with one more
 * middleware that counts the response bytes the server sends for /models/ and /ort/ paths. A
 * headless Chromium loads the demo until its embedding model is warm (first visit: prefetched
 * into the model cache), then reloads the same page in the same context (same Cache Storage and
 * HTTP cache) and waits for the model to be warm again; the bytes sent during that second load
 * are the figure, median over BENCH_RUNS (default 5) fresh contexts.
 *
 * Row: warm-reload-network-bytes  bytes, goal <= 0; no baseline, so `ratio` holds the figure too.
 *
 * Run: pnpm --filter @taskweave/web-worker bench:warm-reload
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer, loadConfigFromFile, type Plugin } from 'vite';
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { taskweaveOrt } from '../vite.js';
import { chromiumArgs as args, chromiumExecutablePath as executablePath } from '../../../scripts/chromium.mjs';
import { DEMO_ROOT } from '../../../scripts/demoAssets.mjs';

const RUNS = Math.max(1, Number(process.env['BENCH_RUNS'] ?? 5));
// The demo's own config, loaded the way `vite` loads it when the demo runs (a file of the app this
// bench serves, not a module of this package).
const loaded = await loadConfigFromFile({ command: 'serve', mode: 'development' }, undefined, DEMO_ROOT);
if (loaded === null) throw new Error(`no Vite config in ${DEMO_ROOT}`);
const demoConfig = loaded.config;

let counting = { bytes: 0, requests: 0 };
/** Counts body bytes the server writes for model and ORT paths (a 304 writes none). */
const byteCounter: Plugin = {
  name: 'bench-byte-counter',
  configureServer(server) {
    server.middlewares.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (!path.startsWith('/models/') && !path.startsWith('/ort/')) return next();
      counting.requests++;
      const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
      const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => ServerResponse;
      const size = (chunk: unknown): number =>
        typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk instanceof Uint8Array ? chunk.byteLength : 0;
      res.write = ((chunk: unknown, ...rest: unknown[]) => {
        counting.bytes += size(chunk);
        return write(chunk, ...rest);
      }) as typeof res.write;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => {
        if (typeof chunk !== 'function') counting.bytes += size(chunk);
        return end(chunk, ...rest);
      }) as typeof res.end;
      next();
    });
  },
};

// The demo's own config, with its ORT plugin told where @huggingface/transformers resolves from
// (the demo does not depend on it directly, so from the demo's root it is not found), and serving
// use-lite from its package as the demo's does (the package resolves from the demo's root).
const server = await createServer({
  ...demoConfig,
  root: DEMO_ROOT,
  configFile: false,
  logLevel: process.env['BENCH_VITE_LOG'] === '1' ? 'info' : 'error',
  // The counter first: its middleware must see requests before the ORT plugin answers them.
  plugins: [byteCounter, taskweaveOrt({ resolveFrom: fileURLToPath(new URL('..', import.meta.url)), models: ['@taskweave/model-use-lite'] })],
  // Other people edit the workspace while this runs: no file watching, no reloads mid-run.
  server: { ...demoConfig.server, port: 0, host: 'localhost', hmr: false, watch: null },
});
await server.listen();
const base = server.resolvedUrls?.local[0];
if (base === undefined) throw new Error('the Vite server has no local URL');

const browser = await chromium.launch({ ...(executablePath === undefined ? {} : { executablePath }), args, headless: true });
const firsts: number[] = [];
const seconds: number[] = [];
const secondRequests: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const warm = async (): Promise<void> => {
      await page.waitForFunction(() => document.body.dataset['warm'] === 'done', undefined, { timeout: 180_000 });
      const failed = await page.evaluate(() => document.getElementById('notices')?.textContent ?? '');
      if (/fail|error/i.test(failed)) throw new Error(`the demo reported: ${failed}`);
    };
    counting = { bytes: 0, requests: 0 };
    await page.goto(base);
    await warm();
    firsts.push(counting.bytes);
    counting = { bytes: 0, requests: 0 };
    await page.reload();
    await warm();
    seconds.push(counting.bytes);
    secondRequests.push(counting.requests);
    await context.close();
    console.log(`run ${run + 1}/${RUNS}: first load ${firsts.at(-1)} bytes, warm reload ${seconds.at(-1)} bytes in ${secondRequests.at(-1)} requests`);
  }
} finally {
  await browser.close();
  await server.close();
}

const sdk = median(seconds);
// No baseline: the goal is the figure itself (0), so `ratio` holds it too.
const rows = [{ name: 'warm-reload-network-bytes', unit: 'bytes', sdk, ratio: sdk, goal: '<= 0', runs: RUNS }];
mergeBenchRows(rows);
console.log(formatBenchTable(rows));
console.log(`For scale: the first (cold) load sent ${median(firsts)} model and ORT bytes (median).`);
