/**
 * Issue "Performance, round two", item 5: `e2e-10k-durable` — 10,000 no-op custom tasks through
 * `createTaskweave` in Chromium (IndexedDB store on disk, pool of 2 real workers, start writes
 * grouped), from `submitMany` until every one is `Completed`, in tasks/s, vs one bulk IndexedDB
 * put and get of the same 10,000 records (the baseline: the storage engine alone, no scheduling,
 * no workers, one write per record instead of three). Goal ≥ 0.25×. Alternating order, median of
 * BENCH_RUNS (default 5, at least 5); a fresh database per run. BENCH_TASKS scales it.
 *
 * Run: pnpm --filter @taskweave/web-worker bench:e2e
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer, defaultClientConditions } from 'vite';
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { chromiumArgs as args, chromiumExecutablePath as executablePath } from '../../../scripts/chromium.mjs';

const N = Number(process.env['BENCH_TASKS'] ?? 10_000);
const RUNS = Math.max(5, Number(process.env['BENCH_RUNS'] ?? 5));
const root = fileURLToPath(new URL('..', import.meta.url));

const server = await createServer({
  root,
  configFile: false,
  resolve: { conditions: ['@taskweave/source', ...defaultClientConditions] },
  logLevel: 'error',
  server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
  optimizeDeps: { include: ['zod', 'comlink', 'idb'] },
  worker: { format: 'es' },
});
await server.listen();
const base = server.resolvedUrls?.local[0] ?? '';
// An on-disk profile: IndexedDB as an app's, not an in-memory incognito store.
const profile = mkdtempSync(join(tmpdir(), 'taskweave-e2e-bench-'));
const context = await chromium.launchPersistentContext(profile, { ...(executablePath === undefined ? {} : { executablePath }), args, headless: true });
try {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  if (process.env['BENCH_VERBOSE'] === '1') page.on('console', (m) => console.log('page:', m.text()));
  await page.goto(new URL('bench/e2eDurable.html', base).href);
  await page.waitForFunction(() => typeof window.__e2eBench === 'object', undefined, { timeout: 60_000 });
  const sdk = async (): Promise<number> => {
    const out = await page.evaluate((n) => window.__e2eBench.sdk(n), N);
    if (out.completed !== N || out.records !== N + 2) throw new Error(`sdk: ${out.completed}/${N} completed, ${out.records} records stored`);
    if (process.env['BENCH_VERBOSE'] === '1') console.log(`sdk: submitMany ${out.submitMs.toFixed(0)} ms of ${out.ms.toFixed(0)} ms`);
    return out.ms;
  };
  const bulk = async (): Promise<number> => {
    const out = await page.evaluate(() => window.__e2eBench.bulk());
    if (out.read !== N + 2) throw new Error(`bulk: read ${out.read} of ${N + 2}`);
    return out.ms;
  };
  // Warm-up (JIT, IndexedDB backing store), not counted; sdk() first: it leaves the records bulk() writes.
  await sdk();
  await bulk();
  const sdkMs: number[] = [];
  const bulkMs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    if (r % 2 === 0) {
      sdkMs.push(await sdk());
      bulkMs.push(await bulk());
    } else {
      // bulk() uses the records of the sdk() run before it.
      bulkMs.push(await bulk());
      sdkMs.push(await sdk());
    }
    console.log(`run ${r + 1}/${RUNS}: sdk ${sdkMs.at(-1)?.toFixed(0)} ms, bulk put+get ${bulkMs.at(-1)?.toFixed(0)} ms`);
  }
  const rate = (ms: number[]): number => Number(((N * 1000) / median(ms)).toFixed(0));
  const sdkRate = rate(sdkMs);
  const bulkRate = rate(bulkMs);
  const rows = [{ name: 'e2e-10k-durable', unit: 'tasks/s', baseline: bulkRate, sdk: sdkRate, ratio: Number((sdkRate / bulkRate).toFixed(3)), goal: '>= 0.25', runs: RUNS }];
  mergeBenchRows(rows);
  console.log(formatBenchTable(rows));
} finally {
  await context.close();
  await server.close();
  rmSync(profile, { recursive: true, force: true });
}
