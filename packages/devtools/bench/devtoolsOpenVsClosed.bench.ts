/**
 * Issue 31: `devtools-open-vs-closed` — `e2e-10k-durable`'s workload (10,000 no-op custom tasks
 * through `createTaskweave` in Chromium: IndexedDB store on disk, pool of 2 real workers, from
 * `submitMany` until every one is `Completed`) with the devtools panel open on its task list (it
 * reads on every status event, throttled) vs mounted and closed, in tasks/s. Goal ≥ 0.95
 * (open / closed). Alternating order (closed first in even rounds, open first in odd ones), median
 * of BENCH_RUNS rounds (default 7, at least 7); a fresh database per run. BENCH_TASKS scales it.
 *
 * Run: pnpm --filter @taskweave/devtools bench
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { taskweaveOrt } from '@taskweave/web-worker/vite';
import { chromium } from 'playwright';
import { createServer, defaultClientConditions } from 'vite';
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { chromiumArgs as args, chromiumExecutablePath as executablePath } from '../../../scripts/chromium.mjs';

const N = Number(process.env['BENCH_TASKS'] ?? 10_000);
const RUNS = Math.max(7, Number(process.env['BENCH_RUNS'] ?? 7));
const root = fileURLToPath(new URL('..', import.meta.url));

const server = await createServer({
  root,
  configFile: false,
  // Serves ORT with COOP/COEP and pre-bundles what the pool's workers import, as in an app.
  plugins: [taskweaveOrt()],
  resolve: { conditions: ['@taskweave/source', ...defaultClientConditions] },
  logLevel: 'error',
  server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
  worker: { format: 'es' },
});
await server.listen();
const base = server.resolvedUrls?.local[0] ?? '';
// An on-disk profile: IndexedDB as an app's, not an in-memory incognito store.
const profile = mkdtempSync(join(tmpdir(), 'taskweave-devtools-bench-'));
const context = await chromium.launchPersistentContext(profile, { ...(executablePath === undefined ? {} : { executablePath }), args, headless: true, viewport: { width: 1280, height: 800 } });
try {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  if (process.env['BENCH_VERBOSE'] === '1') page.on('console', (m) => console.log('page:', m.text()));
  await page.goto(new URL('bench/devtoolsOpenVsClosed.html', base).href);
  await page.waitForFunction(() => typeof window.__devtoolsBench === 'object', undefined, { timeout: 60_000 });
  const e2e = async (open: boolean): Promise<number> => {
    const out = await page.evaluate(([n, o]) => window.__devtoolsBench.e2e(n, o), [N, open] as const);
    if (out.completed !== N) throw new Error(`${open ? 'open' : 'closed'}: ${out.completed}/${N} completed`);
    // The open panel must have been reading (else this compares nothing); the closed one must not.
    if (open ? out.reads === 0 : out.reads !== 0) throw new Error(`${open ? 'open' : 'closed'} panel made ${out.reads} reads while timed`);
    if (process.env['BENCH_VERBOSE'] === '1') console.log(`${open ? 'open' : 'closed'}: ${out.reads} panel reads`);
    return out.ms;
  };
  // Warm-up (JIT, IndexedDB backing store, the panel's chunk), not counted.
  await e2e(false);
  await e2e(true);
  const closedMs: number[] = [];
  const openMs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    if (r % 2 === 0) {
      closedMs.push(await e2e(false));
      openMs.push(await e2e(true));
    } else {
      openMs.push(await e2e(true));
      closedMs.push(await e2e(false));
    }
    console.log(`round ${r + 1}/${RUNS}: closed ${closedMs.at(-1)?.toFixed(0)} ms, open ${openMs.at(-1)?.toFixed(0)} ms`);
  }
  const rate = (ms: number[]): number => Number(((N * 1000) / median(ms)).toFixed(0));
  const closedRate = rate(closedMs);
  const openRate = rate(openMs);
  const rows = [{ name: 'devtools-open-vs-closed', unit: 'tasks/s', baseline: closedRate, sdk: openRate, ratio: Number((openRate / closedRate).toFixed(3)), goal: '>= 0.95', runs: RUNS }];
  mergeBenchRows(rows);
  console.log(formatBenchTable(rows));
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
