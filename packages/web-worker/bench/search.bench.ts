/**
 * Exact top-10 cosine search over 100,000 × 384 seeded random unit vectors in Chromium
 * (`exact-search-vs-naive-loop`, goal ≥ 15×): the worker's VectorIndex (SIMD scan of int8 codes,
 * exact re-rank inside a proven bound) vs a naive JS loop over the same data
 * (number[] per vector, every cosine computed, sorted). Every query checks the two return
 * identical ids and scores. Alternating order, BENCH_RUNS (default 7, at least 5) queries, medians.
 *
 *
 * Then `search-1m` (search1mPage.ts): 1,000,000 × 384 seeded unit vectors generated in a worker
 * straight into one shared, frozen index that a second worker attaches (one copy per page, not
 * per worker); rows `search-1m` (the index's bytes / one float32 copy of the vectors, goal <= 1.2)
 * and `search-1m-searches` (searches/s, alternating between the two workers, which must agree;
 * no baseline: the figure is the ratio). BENCH_1M_VECTORS scales it (0 skips it); the whole run
 * stops after BENCH_TIMEOUT_S (default 900) whatever happens, closing the browser.
 *
 * Run: pnpm --filter @taskweave/web-worker bench:search
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer, defaultClientConditions } from 'vite';
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { chromiumArgs as args, chromiumExecutablePath as executablePath } from '../../../scripts/chromium.mjs';

const N = Number(process.env['BENCH_VECTORS'] ?? 100_000);
const DIMS = 384;
const K = 10;
const RUNS = Math.max(5, Number(process.env['BENCH_RUNS'] ?? 7));
const N_1M = Number(process.env['BENCH_1M_VECTORS'] ?? 1_000_000);
const TIMEOUT_S = Number(process.env['BENCH_TIMEOUT_S'] ?? 900);
const root = fileURLToPath(new URL('..', import.meta.url));

const server = await createServer({
  root,
  configFile: false,
  // @taskweave/core from its sources (its "@taskweave/source" export condition), not its dist/.
  resolve: { conditions: ['@taskweave/source', ...defaultClientConditions] },
  logLevel: 'error',
  // Cross-origin isolated, as an app serving ORT's threaded build is: shared memory exists.
  server: { port: 0, host: '127.0.0.1', headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
  optimizeDeps: { include: ['zod'] },
});
await server.listen();
const base = server.resolvedUrls?.local[0] ?? '';
const browser = await chromium.launch({ ...(executablePath === undefined ? {} : { executablePath }), args, headless: true });
const watchdog = setTimeout(() => {
  console.error(`search bench: still running after ${TIMEOUT_S} s, stopping`);
  void browser.close().finally(() => process.exit(1));
}, TIMEOUT_S * 1000);
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
  await page.close();
  if (N_1M > 0) rows.push(...(await search1m()));
  mergeBenchRows(rows);
  console.log(`\nexact top-${K} over ${built.n} × ${built.dims} unit vectors in Chromium (WebAssembly SIMD kernel: ${built.simd}), ${RUNS} alternating queries, identical ids and scores in every one`);
  console.log(`ms per query: index ${sdkMs.map((x) => x.toFixed(1)).join(' ')} | naive ${naiveMs.map((x) => x.toFixed(1)).join(' ')}`);
  console.log(formatBenchTable(rows));
} finally {
  clearTimeout(watchdog);
  await browser.close();
  await server.close();
}

/** The `search-1m` rows: one shared copy searched from two workers. */
async function search1m() {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  page.on('crash', () => console.error('search-1m: the page crashed (out of memory?)'));
  try {
    await page.goto(new URL('bench/search1m.html', base).href);
    await page.waitForFunction(() => typeof window.__search1m === 'object', undefined, { timeout: 60_000 });
    const built = await page.evaluate(([n, d]) => window.__search1m.setup(n, d, 3), [N_1M, DIMS] as const);
    await page.evaluate(([k]) => window.__search1m.query(k, 100, 0), [K] as const); // warm-up
    const ms: number[] = [];
    const exact: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const out = await page.evaluate(([k, seed, first]) => window.__search1m.query(k, seed, first), [K, 200 + r, r % 2] as const);
      if (!out.same) throw new Error('search-1m: the two workers returned different hits');
      ms.push(...out.ms);
      exact.push(out.exact);
    }
    const uaBytes = await page.evaluate(() => window.__search1m.measureMemory(60_000));
    const rssBytes = await rendererRss();
    await page.evaluate(() => window.__search1m.close());
    const f32Bytes = built.size * DIMS * 4;
    const mb = (b: number) => Number((b / 1e6).toFixed(1));
    const perSecond = Number((1000 / median(ms)).toFixed(2));
    console.log(
      `\nsearch-1m: ${built.size} × ${DIMS} built in ${(built.buildMs / 1000).toFixed(1)} s by one worker, attached by the other in ${built.attachMs.toFixed(0)} ms ` +
        `(shared memory: ${built.shared}, cross-origin isolated: ${built.isolated}); index ${mb(built.bytes)} MB = ${(built.bytes / f32Bytes).toFixed(3)} × one float32 copy (${mb(f32Bytes)} MB)` +
        (uaBytes === undefined ? '' : `; measureUserAgentSpecificMemory: ${mb(uaBytes)} MB for the page and both workers (it counts a shared memory once per agent holding it)`) +
        (rssBytes === undefined ? '' : `; resident memory of the page's renderer process (workers included, shared pages once): ${mb(rssBytes)} MB`),
    );
    console.log(`search-1m ms per query (both workers, alternating): ${ms.map((x) => x.toFixed(0)).join(' ')}; rows scored exactly: ${exact.join(' ')}`);
    return [
      {
        name: 'search-1m',
        unit: 'MB (index / f32 copy)',
        baseline: mb(f32Bytes),
        sdk: mb(built.bytes),
        ratio: Number((built.bytes / f32Bytes).toFixed(3)),
        goal: '<= 1.2',
        runs: RUNS,
        ...(uaBytes === undefined ? {} : { uaMemoryMB: mb(uaBytes) }),
        ...(rssBytes === undefined ? {} : { rendererRssMB: mb(rssBytes) }),
      },
      { name: 'search-1m-searches', unit: 'searches/s', sdk: perSecond, ratio: perSecond, goal: 'report', runs: ms.length },
    ];
  } finally {
    await page.close().catch(() => undefined);
  }
}

/** The largest resident set among Chromium's renderer processes (Linux /proc; undefined elsewhere). */
async function rendererRss(): Promise<number | undefined> {
  try {
    const cdp = await browser.newBrowserCDPSession();
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
    let most: number | undefined;
    for (const p of processInfo) {
      if (p.type !== 'renderer') continue;
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'))?.[1];
      if (kb !== undefined) most = Math.max(most ?? 0, Number(kb) * 1024);
    }
    return most;
  } catch {
    return undefined;
  }
}
