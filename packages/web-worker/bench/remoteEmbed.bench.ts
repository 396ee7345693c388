/**
 * `remote-vs-local-embed`: a Chromium page offloading embeddings to `@taskweave/server` vs running
 * them on its own pool. One page, one `createTaskweave` (pool of 2, the server as `remote`), the
 * same seeded real-corpus texts (scripts/realCorpus.mjs; BENCH_SENTENCES, default 1,000) as that many
 * EmbeddingGeneration tasks placed `remote` (a redis-server, the HTTP API in this process and two
 * `taskweave-worker` processes, one ORT thread and `--concurrency` 16 each; the page keeps the
 * default `remote.concurrency`, 4 tasks, on the server at once) or `local` (the page's
 * pool of 2), BENCH_RUNS (default 5) alternating rounds after a warm-up of both, medians. On one box
 * both arrangements share the same 2 cores, so the ratio is a report, not a race: it shows what
 * the HTTP, Redis and long-poll path costs against the in-page pool.
 *
 * Checked, else the bench fails: every task ran where it was placed, every remote vector matches
 * the local vector of the same text (cosine ≥ 0.999, all texts), and no request left the page's
 * origin except to the bench's server.
 *
 * Run: pnpm --filter @taskweave/web-worker bench:remote (BENCH_SENTENCES=200 for a quick look)
 */
import { loadavg } from 'node:os';
import { chromium } from 'playwright';
import { createTaskweaveServer, mintToken } from '@taskweave/server';
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { chromiumLaunchOptions } from '../../../scripts/chromium.mjs';
import { MODELS_DIR } from '../../../scripts/demoAssets.mjs';
import { client, pool } from '../../../scripts/testClient.mjs';
import { taskweaveBins, type FleetProcess } from '../../../scripts/testFleet.mjs';
import { startRedis } from '../../../scripts/testRedis.mjs';
import { startModelBenchServer } from './modelBenchServer.js';
import type { RemoteRunResult } from './remoteEmbedPage.js';

const N = Number(process.env['BENCH_SENTENCES'] ?? 1000);
const RUNS = Math.max(3, Number(process.env['BENCH_RUNS'] ?? 5));
const WARMUP = Math.min(N, 96);
const SECRET = 'remote-bench-secret-0123456789abcdef';
const KEY = 'remote-bench-key';

const { server: vite, base } = await startModelBenchServer();
const origin = new URL(base).origin;

const redis = await startRedis();
const api = createTaskweaveServer({ redisUrl: redis.url, secret: SECRET, apiKeys: [KEY], allowedOrigins: [origin], rateLimit: { requests: 1_000_000, windowMs: 60_000 } });
const apiUrl = await api.listen();
// Built-in EmbeddingGeneration only: the workers need the models, no custom handlers.
const { startWorker } = taskweaveBins(import.meta.url);
const workers: FleetProcess[] = await Promise.all([0, 1].map(() => startWorker(redis.url, ['--models', MODELS_DIR, '--threads', '1', '--concurrency', '16'])));
const browser = await chromium.launch({ ...chromiumLaunchOptions(), headless: true });
const stopAll = async () => {
  await Promise.allSettled([browser.close(), vite.close()]);
  await Promise.allSettled(workers.map((w) => w.stop()));
  await api.close();
  await redis.stop();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().then(() => process.exit(130)));

try {
  const serverOrigin = new URL(apiUrl).origin;
  const offOrigin: string[] = [];
  const context = await browser.newContext();
  await context.route('**/*', (route) => {
    const url = route.request().url();
    const to = new URL(url).origin;
    if (to === origin || to === serverOrigin) return route.fallback();
    offOrigin.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(new URL('bench/remoteEmbed.html', base).href);
  await page.waitForFunction(() => typeof window.__remoteBench === 'object', undefined, { timeout: 120_000 });
  const texts = await page.evaluate((n) => window.__remoteBench.realTexts(n), N);
  const token = mintToken(SECRET, { sub: 'remote-bench', exp: Math.floor(Date.now() / 1000) + 6 * 3600 });
  await page.evaluate(([url, t]) => window.__remoteBench.setup(url, t), [apiUrl, token] as const);

  // Both worker processes load the model before timing: more tasks at once than one of them holds.
  const http = client(apiUrl, KEY);
  await pool(texts.slice(0, 64), 64, async (text) => {
    const { body } = await http.submit({ type: 'EmbeddingGeneration', modelId: 'use-lite', input: { kind: 'text', text } });
    await http.wait(body.id);
  });
  const run = (placement: 'local' | 'remote', list: string[]) => page.evaluate(([p, l]) => window.__remoteBench.run(p, l), [placement, list] as const) as Promise<RemoteRunResult>;
  await run('local', texts.slice(0, WARMUP));
  await run('remote', texts.slice(0, WARMUP));

  const results: Record<'local' | 'remote', RemoteRunResult[]> = { local: [], remote: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const placement of r % 2 === 0 ? (['local', 'remote'] as const) : (['remote', 'local'] as const)) {
      const result = await run(placement, texts);
      results[placement].push(result);
      const check = result.minCosine === undefined ? '' : `, lowest cosine to local ${result.minCosine.toFixed(5)} over ${result.compared} texts`;
      console.log(`round ${r + 1} ${placement.padEnd(6)} ${(N / (result.ms / 1000)).toFixed(1).padStart(7)} texts/s${check}`);
      if (result.misplaced > 0) throw new Error(`${result.misplaced} ${placement} tasks ran elsewhere`);
      if (result.minCosine !== undefined && (result.compared !== N || !(result.minCosine >= 0.999))) {
        throw new Error(`remote vectors differ from local ones: lowest cosine ${result.minCosine} over ${result.compared} of ${N} texts`);
      }
    }
  }
  if (offOrigin.length > 0) throw new Error(`requests left the page origin: ${offOrigin.join(', ')}`);

  const rate = (p: 'local' | 'remote') => Number(median(results[p].map((x) => N / (x.ms / 1000))).toFixed(1));
  const local = rate('local');
  const remote = rate('remote');
  const rows = [
    {
      name: 'remote-vs-local-embed',
      unit: 'texts/s',
      baseline: local,
      sdk: remote,
      ratio: Number((remote / local).toFixed(2)),
      goal: 'report',
      runs: RUNS,
      texts: N,
      minCosine: Number(Math.min(...results.remote.map((x) => x.minCosine!)).toFixed(5)),
    },
  ];
  mergeBenchRows(rows);
  console.log(`\nuse-lite q8, ${N} real-corpus texts as tasks from one page: remote (2 worker processes, 1 ORT thread, --concurrency 16) vs local (pool of 2), ${RUNS} alternating rounds, medians; every remote vector within cosine 0.999 of the local one; requests only to ${origin} and ${serverOrigin}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(formatBenchTable(rows));
} finally {
  await stopAll();
}
process.exit(0);
