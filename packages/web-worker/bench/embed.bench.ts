/**
 * Issue 3's embedding benchmark in headless Chromium, use-lite q8, 1,000 distinct short sentences
 * (BENCH_SENTENCES to change), a warm-up pass of every arrangement, then BENCH_RUNS (default 7,
 * at least 5) rounds in which the four arrangements run in a rotating order; medians.
 *
 * Rows (ratio = sdk / baseline in the unit given):
 * - embed-vs-main-per-sentence   sentences/s, goal >= 5
 * - embed-vs-main-batched        sentences/s, goal >= 1.6
 * - embed-vs-handwritten-workers sentences/s, goal >= 1.0 (issue 12: the uniform rows stay at or above the hand-written workers)
 * - main-longtask-share          ms of main-thread long tasks during the SDK run / during the
 *                                per-sentence run, goal <= 0.05
 *
 * - embed-real-corpus-vs-handwritten  1,000 texts of 20–500 characters from the bundled corpus
 *                                (scripts/realCorpus.mjs): SDK tasks vs the hand-written workers fed batches
 *                                of 32 in arrival order; sentences/s, goal >= 1.25
 * - embed-vs-native-onnxruntime  the SDK on those texts vs onnxruntime-node in this process (the
 *                                faster of one 2-thread session and two 1-thread ones), goal >= 0.25
 * - cold-start-vs-handwritten    ms from starting taskweave (pool of 2) to the first embedding vs two
 *                                hand-written workers doing the same, each round in a fresh browser
 *                                context (empty caches), goal <= 1.1
 *
 * Run: pnpm --filter @taskweave/web-worker bench:embed
 */
import { chromium } from 'playwright';
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { chromiumLaunchOptions } from '../../../scripts/chromium.mjs';
import { startModelBenchServer } from './modelBenchServer.js';
import type { RunResult } from './embedPage.js';
import { measureNative } from './native.js';

const N = Number(process.env['BENCH_SENTENCES'] ?? 1000);
const RUNS = Math.max(5, Number(process.env['BENCH_RUNS'] ?? 7));
/**
 * For working on batching: BENCH_ONLY=real runs only the real-corpus rounds and writes their row;
 * BENCH_ONLY=uniform only the hand-written and SDK rounds on the uniform sentences, and prints
 * their ratio without writing a row.
 */
const ONLY_REAL = process.env['BENCH_ONLY'] === 'real';
const ONLY_UNIFORM = process.env['BENCH_ONLY'] === 'uniform';
const WARMUP = Math.min(N, 96);

type Arrangement = 'mainPerSentence' | 'mainBatched' | 'handwritten' | 'sdk';
const ARRANGEMENTS: Arrangement[] = ONLY_UNIFORM ? ['handwritten', 'sdk'] : ['mainPerSentence', 'mainBatched', 'handwritten', 'sdk'];

const { server, base } = await startModelBenchServer();
const browser = await chromium.launch({ ...chromiumLaunchOptions(), headless: true });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.allSettled([browser.close(), server.close()]).then(() => process.exit(130));
  });
}
try {
  const origin = new URL(base).origin;
  const offOrigin: string[] = [];
  // Every context's requests that leave the page's origin are blocked and recorded.
  const auditedContext = async () => {
    const fresh = await browser.newContext();
    await fresh.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.fallback();
      offOrigin.push(url);
      return route.abort('blockedbyclient');
    });
    return fresh;
  };
  const context = await auditedContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(new URL('bench/embed.html', base).href);
  await page.waitForFunction(() => typeof window.__embedBench === 'object', undefined, { timeout: 120_000 });
  const texts = await page.evaluate((n) => window.__embedBench.sentences(n), N);
  if (new Set(texts).size !== N) throw new Error('sentences are not distinct');
  const loaded = await page.evaluate(() => window.__embedBench.setup());
  console.log(`model load + first call: main ${loaded.mainMs.toFixed(0)} ms, two hand-written workers ${loaded.workersMs.toFixed(0)} ms, SDK pool warm-up ${loaded.sdkMs.toFixed(0)} ms`);

  const run = (a: Arrangement, list: string[]) => page.evaluate(([name, l]) => window.__embedBench[name](l), [a, list] as const) as Promise<RunResult>;
  // Warm-up pass: every arrangement once on a prefix, not counted.
  for (const a of ARRANGEMENTS) await run(a, texts.slice(0, WARMUP));

  const results = new Map<Arrangement, RunResult[]>(ARRANGEMENTS.map((a) => [a, []]));
  for (let r = 0; r < (ONLY_REAL ? 0 : RUNS); r++) {
    const order = ARRANGEMENTS.map((_, i) => ARRANGEMENTS[(i + r) % ARRANGEMENTS.length]!);
    for (const a of order) {
      const result = await run(a, texts);
      results.get(a)!.push(result);
      const extra = result.meanBatch === undefined ? '' : `, mean batch ${result.meanBatch.toFixed(1)}, backend ${result.backends?.join('+')}`;
      console.log(`round ${r + 1} ${a.padEnd(16)} ${(N / (result.ms / 1000)).toFixed(1).padStart(7)} sentences/s, long tasks ${result.longTaskMs.toFixed(0)} ms${extra}`);
    }
  }
  if (ONLY_UNIFORM) {
    const rates = (a: Arrangement) => results.get(a)!.map((x) => N / (x.ms / 1000));
    const paired = results.get('sdk')!.map((x, i) => (results.get('handwritten')![i]!.ms / x.ms).toFixed(2)).join(' ');
    console.log(`uniform: SDK ${median(rates('sdk')).toFixed(1)}/s vs hand-written ${median(rates('handwritten')).toFixed(1)}/s, ratio ${(median(rates('sdk')) / median(rates('handwritten'))).toFixed(3)}; per round ${paired}`);
    process.exit(0);
  }
  // All arrangements must produce the same embeddings (first value of first/last sentence).
  const ref = results.get('mainPerSentence')![0]?.check ?? [0, 0];
  for (const [a, list] of ONLY_REAL ? [] : results) {
    for (const res of list) {
      if (Math.abs(res.check[0] - ref[0]) > 1e-4 || Math.abs(res.check[1] - ref[1]) > 1e-4) throw new Error(`${a} gave different embeddings: ${res.check} vs ${ref}`);
    }
  }
  if (offOrigin.length > 0) throw new Error(`requests left the page origin: ${offOrigin.join(', ')}`);

  const rate = (a: Arrangement) => Number(median(results.get(a)!.map((x) => N / (x.ms / 1000))).toFixed(1));
  const longTask = (a: Arrangement) => Number(median(results.get(a)!.map((x) => x.longTaskMs)).toFixed(1));
  const sdk = rate('sdk');
  const ratio = (value: number, baseline: number, digits = 2) => Number((value / baseline).toFixed(digits));
  // Real text: lengths vary, so padding a batch to its longest member costs what grouping saves.
  const real = await page.evaluate((n) => window.__embedBench.realTexts(n), N);
  for (const a of ['handwritten', 'sdk'] as const) await run(a, real.slice(0, WARMUP));
  const realRuns: Record<'handwritten' | 'sdk', RunResult[]> = { handwritten: [], sdk: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const a of r % 2 === 0 ? (['handwritten', 'sdk'] as const) : (['sdk', 'handwritten'] as const)) {
      const result = await run(a, real);
      realRuns[a].push(result);
      const extra = result.meanBatch === undefined ? '' : `, mean batch ${result.meanBatch.toFixed(1)}`;
      console.log(`round ${r + 1} real corpus ${a.padEnd(12)} ${(N / (result.ms / 1000)).toFixed(1).padStart(7)} texts/s${extra}`);
    }
  }
  const realRate = (a: 'handwritten' | 'sdk') => Number(median(realRuns[a].map((x) => N / (x.ms / 1000))).toFixed(1));
  if (ONLY_REAL) {
    const row = { name: 'embed-real-corpus-vs-handwritten', unit: 'texts/s', baseline: realRate('handwritten'), sdk: realRate('sdk'), ratio: ratio(realRate('sdk'), realRate('handwritten')), goal: '>= 1.25', runs: RUNS };
    mergeBenchRows([row]);
    console.log(formatBenchTable([row]));
    process.exit(0);
  }

  // Cold start, each round in a fresh context (empty HTTP cache, no warmed workers).
  const cold: Record<'coldHandwritten' | 'coldSdk', number[]> = { coldHandwritten: [], coldSdk: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const a of r % 2 === 0 ? (['coldHandwritten', 'coldSdk'] as const) : (['coldSdk', 'coldHandwritten'] as const)) {
      const fresh = await auditedContext();
      const coldPage = await fresh.newPage();
      await coldPage.goto(new URL('bench/embed.html', base).href);
      await coldPage.waitForFunction(() => typeof window.__embedBench === 'object', undefined, { timeout: 120_000 });
      const ms = await coldPage.evaluate(([name, text]) => window.__embedBench[name](text), [a, texts[0]!] as const);
      cold[a].push(ms);
      console.log(`round ${r + 1} cold start ${a.padEnd(16)} ${ms.toFixed(0).padStart(6)} ms`);
      await fresh.close();
    }
  }
  if (offOrigin.length > 0) throw new Error(`requests left the page origin: ${offOrigin.join(', ')}`);

  // The physical reference: the same texts on onnxruntime-node, after the browser is idle.
  await page.close();
  const native = await measureNative(real, RUNS);
  const nativeRate = Number(Math.max(median(native.twoThreads), median(native.twoSessions)).toFixed(1));
  console.log(`native onnxruntime-node: one 2-thread session ${median(native.twoThreads).toFixed(1)}/s, two 1-thread sessions ${median(native.twoSessions).toFixed(1)}/s`);

  const rows = [
    { name: 'embed-vs-main-per-sentence', unit: 'sentences/s', baseline: rate('mainPerSentence'), sdk, ratio: ratio(sdk, rate('mainPerSentence')), goal: '>= 5', runs: RUNS },
    { name: 'embed-vs-main-batched', unit: 'sentences/s', baseline: rate('mainBatched'), sdk, ratio: ratio(sdk, rate('mainBatched')), goal: '>= 1.6', runs: RUNS },
    { name: 'embed-vs-handwritten-workers', unit: 'sentences/s', baseline: rate('handwritten'), sdk, ratio: ratio(sdk, rate('handwritten')), goal: '>= 1.0', runs: RUNS },
    {
      name: 'main-longtask-share',
      unit: 'ms long tasks',
      baseline: longTask('mainPerSentence'),
      sdk: longTask('sdk'),
      ratio: ratio(longTask('sdk'), longTask('mainPerSentence'), 4),
      goal: '<= 0.05',
      runs: RUNS,
    },
    {
      name: 'embed-real-corpus-vs-handwritten',
      unit: 'texts/s',
      baseline: realRate('handwritten'),
      sdk: realRate('sdk'),
      ratio: ratio(realRate('sdk'), realRate('handwritten')),
      goal: '>= 1.25',
      runs: RUNS,
    },
    {
      name: 'embed-vs-native-onnxruntime',
      unit: 'texts/s',
      baseline: nativeRate,
      sdk: realRate('sdk'),
      ratio: ratio(realRate('sdk'), nativeRate),
      goal: '>= 0.25',
      runs: RUNS,
    },
    {
      name: 'cold-start-vs-handwritten',
      unit: 'ms to first',
      baseline: Number(median(cold.coldHandwritten).toFixed(0)),
      sdk: Number(median(cold.coldSdk).toFixed(0)),
      ratio: ratio(median(cold.coldSdk), median(cold.coldHandwritten)),
      goal: '<= 1.1',
      runs: RUNS,
    },
  ];
  mergeBenchRows(rows);
  // Noise check: the SDK against each baseline within the same round (the rows above use medians).
  const paired = (a: Arrangement) =>
    results.get('sdk')!.map((x, i) => results.get(a)![i]!.ms / x.ms).map((v) => v.toFixed(2)).join(' ');
  console.log(`\nper-round sdk/baseline: per-sentence ${paired('mainPerSentence')} | batched ${paired('mainBatched')} | hand-written ${paired('handwritten')}`);
  console.log(`use-lite q8, ${N} distinct sentences, warm-up of ${WARMUP}, ${RUNS} rotating rounds, medians; every request stayed on ${origin}`);
  console.log(formatBenchTable(rows));
} finally {
  await browser.close();
  await server.close();
}
