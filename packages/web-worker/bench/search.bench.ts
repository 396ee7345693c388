/**
 * Exact top-10 cosine search over 100,000 × 384 seeded random unit vectors in Chromium
 * (`exact-search-vs-naive-loop`, goal ≥ 15×): the worker's VectorIndex (bfloat16 SIMD scan of
 * the float32 rows' high halves, exact re-rank inside a proven bound) vs a naive JS loop over the same data
 * (number[] per vector, every cosine computed, sorted). Every query checks the two return
 * identical ids and scores. Alternating order, BENCH_RUNS (default 7, at least 5) queries, medians.
 *
 * Run: pnpm --filter @taskweave/web-worker bench:search
 */
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer } from 'vite';
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { chromiumArgs as args, chromiumExecutablePath as executablePath } from '../../../scripts/chromium.mjs';

const N = Number(process.env['BENCH_VECTORS'] ?? 100_000);
const DIMS = 384;
const K = 10;
const RUNS = Math.max(5, Number(process.env['BENCH_RUNS'] ?? 7));
const root = fileURLToPath(new URL('..', import.meta.url));

const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  server: { port: 0, host: '127.0.0.1' },
  optimizeDeps: { include: ['zod'] },
});
await server.listen();
const base = server.resolvedUrls?.local[0] ?? '';
const browser = await chromium.launch({ ...(executablePath === undefined ? {} : { executablePath }), args, headless: true });
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(new URL('bench/search.html', base).href);
  await page.waitForFunction(() => typeof window.__searchBench === 'object', undefined, { timeout: 60_000 });
  const built = await page.evaluate(([n, d]) => window.__searchBench.setup(n, d, 1), [N, DIMS] as const);
  // Warm-up (JIT), not counted.
  for (let i = 0; i < 2; i++) await page.evaluate(([k, f]) => window.__searchBench.query(k, f), [K, i % 2 === 0] as const);
  const sdkMs: number[] = [];
  const naiveMs: number[] = [];
  let mismatches = 0;
  for (let r = 0; r < RUNS; r++) {
    const out = await page.evaluate(([k, f]) => window.__searchBench.query(k, f), [K, r % 2 === 0] as const);
    sdkMs.push(out.sdkMs);
    naiveMs.push(out.naiveMs);
    if (!out.same) mismatches++;
  }
  if (mismatches > 0) throw new Error(`${mismatches} of ${RUNS} queries returned different ids or scores from the naive loop`);
  const rate = (list: number[]) => Number((1000 / median(list)).toFixed(2));
  const sdk = rate(sdkMs);
  const baseline = rate(naiveMs);
  const rows = [
    { name: 'exact-search-vs-naive-loop', unit: 'searches/s', baseline, sdk, ratio: Number((sdk / baseline).toFixed(2)), goal: '>= 15', runs: RUNS },
  ];
  mergeBenchRows(rows);
  console.log(`\nexact top-${K} over ${built.n} × ${built.dims} unit vectors in Chromium (WebAssembly SIMD kernel: ${built.simd}), ${RUNS} alternating queries, identical ids and scores in every one`);
  console.log(`ms per query: index ${sdkMs.map((x) => x.toFixed(1)).join(' ')} | naive ${naiveMs.map((x) => x.toFixed(1)).join(' ')}`);
  console.log(formatBenchTable(rows));
} finally {
  await browser.close();
  await server.close();
}
