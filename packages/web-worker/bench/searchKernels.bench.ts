/**
 * Scan kernels side by side (not a row of the benchmark table): ms per scan of 100,000 × 384
 * seeded unit vectors in Chromium for each kernel of `searchKernels.ts`, interleaved, medians.
 * This is how the vector index's kernel was chosen (see vectorIndex.ts).
 *
 * Run: pnpm --filter @taskweave/web-worker exec node --import tsx bench/searchKernels.bench.ts
 */
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { createServer } from 'vite';
// @ts-expect-error plain ESM helper shared by every benchmark
import { median } from '../../../scripts/bench-results.mjs';
import { chromiumArgs as args, chromiumExecutablePath as executablePath } from '../../../scripts/chromium.mjs';

const N = Number(process.env['BENCH_VECTORS'] ?? 100_000);
const RUNS = Math.max(5, Number(process.env['BENCH_RUNS'] ?? 15));
const root = fileURLToPath(new URL('..', import.meta.url));
const server = await createServer({ root, configFile: false, logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
await server.listen();
const browser = await chromium.launch({ ...(executablePath === undefined ? {} : { executablePath }), args, headless: true });
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(new URL('bench/searchKernels.html', server.resolvedUrls?.local[0] ?? '').href);
  await page.waitForFunction(() => typeof window.__kernels === 'object', undefined, { timeout: 60_000 });
  const names = await page.evaluate((n) => window.__kernels.setup(n, 384, 1), N);
  const times = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let r = 0; r < RUNS + 2; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const ms = await page.evaluate((k) => window.__kernels.scan(k), name);
      if (r >= 2) times.get(name)?.push(ms);
    }
  }
  console.log(`\nms per scan of ${N} × 384 (median of ${RUNS}, min..max):`);
  for (const [name, list] of times) {
    console.log(`  ${name.padEnd(9)} ${median(list).toFixed(2).padStart(7)}   ${Math.min(...list).toFixed(2)}..${Math.max(...list).toFixed(2)}`);
  }
} finally {
  await browser.close();
  await server.close();
}
