/**
 * Issue 30 ("Tests and figures"): streamed outputs in headless Chromium, two tabs of one browser
 * context on one taskweave name (the first leads and runs a pool of 1, the second follows).
 *
 * Rows:
 * - stream-chunk-latency-ms           median ms from `ctx.emit` in the worker to the leader tab's
 *                                     `for await (tw.stream(id))`, chunks stamped with
 *                                     `performance.timeOrigin + now()` (one clock for every context),
 *                                     BENCH_CHUNKS (default 300) chunks at a generation's pace (one
 *                                     every 10–20 ms, on timers); goal <= 16 (the figure is `ratio`)
 * - stream-chunk-latency-follower-ms  the same chunks read in the follower tab; goal <= 50
 *   Baseline of both: a hand-written worker posting each chunk as its own message to the leader
 *   tab, which re-posts each on a BroadcastChannel to the follower (no coalescing anywhere).
 *   Both tabs read the same task; the printout adds p95 and the clock check.
 * - generation-vs-handwritten         tokens/s of `tw.generate` read through its `stream` vs
 *                                     transformers.js `text-generation` with a `TextStreamer` in a
 *                                     hand-written worker (same model sotu-gen, prompt, greedy,
 *                                     BENCH_TOKENS (default 512) new tokens, wasm, 1 ORT thread);
 *                                     tokens/s from the first token's arrival in the page to the
 *                                     last's (tokens after the first arrival / that time), so a
 *                                     task's start (store writes, dispatch) is left out and what
 *                                     is compared is the streaming itself, as an app reading a
 *                                     long answer sees it; both loaded and warm (two untimed runs
 *                                     each) first; ratio = median of the per-round ratios, goal >= 0.95.
 *                                     The printout adds tokens/s from submit to the last token.
 *
 * Latency rounds alternate which arrangement goes first (ABBA); generation runs alternate
 * strictly, each timed run following the other side's. BENCH_RUNS rounds (default 5, at least 3).
 * Run: pnpm --filter @taskweave/web-worker bench:stream
 */
import { chromium, type Page } from 'playwright';
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { chromiumLaunchOptions } from '../../../scripts/chromium.mjs';
import { startModelBenchServer } from './modelBenchServer.js';
import type { GenerationRun, Latencies } from './streamPage.js';
import type { TickerParams } from './streamPace.js';

const RUNS = Math.max(3, Number(process.env['BENCH_RUNS'] ?? 5));
const CHUNKS = Number(process.env['BENCH_CHUNKS'] ?? 300);
const TOKENS = Number(process.env['BENCH_TOKENS'] ?? 512);
const MODEL = 'sotu-gen';
const PROMPT = 'If you';
/** Only one part: BENCH_ONLY=latency or BENCH_ONLY=generation (its rows are still written). */
const ONLY = process.env['BENCH_ONLY'];

const { server, base } = await startModelBenchServer();
const browser = await chromium.launch({ ...chromiumLaunchOptions(), headless: true });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.allSettled([browser.close(), server.close()]).then(() => process.exit(130));
  });
}

const pct = (values: number[], p: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const f1 = (n: number) => n.toFixed(1);

try {
  const context = await browser.newContext();
  const open = async (): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(new URL('bench/stream.html', base).href);
    await page.waitForFunction(() => typeof window.__streamBench === 'object', undefined, { timeout: 120_000 });
    return page;
  };
  const name = `stream-bench-${Date.now()}`;
  const leader = await open();
  const leaderStart = await leader.evaluate((n) => window.__streamBench.start(n), name);
  const follower = await open();
  const followerStart = await follower.evaluate((n) => window.__streamBench.start(n), name);
  if (leaderStart.role !== 'leader' || followerStart.role !== 'follower') throw new Error(`roles: ${leaderStart.role}, ${followerStart.role}`);
  console.log(`tabs: leader ${leaderStart.visibility}, follower ${followerStart.visibility}`);

  const rows = [];

  if (ONLY !== 'generation') {
    type Read = { leader: Latencies; follower: Latencies };
    const sdk = async (params: TickerParams): Promise<Read> => {
      const id = await leader.evaluate((p) => window.__streamBench.submitTicker(p), params);
      const [l, f] = await Promise.all([
        leader.evaluate((i) => window.__streamBench.readTicker(i), id),
        follower.evaluate((i) => window.__streamBench.readTicker(i), id),
      ]);
      return { leader: l, follower: f };
    };
    const handwritten = async (params: TickerParams): Promise<Read> => {
      const f = follower.evaluate(() => window.__streamBench.listenHandwritten());
      const l = await leader.evaluate((p) => window.__streamBench.tickerHandwritten(p), params);
      return { leader: l, follower: await f };
    };
    const check = (arrangement: string, read: Read, count: number) => {
      for (const side of ['leader', 'follower'] as const) {
        if (read[side].ms.length !== count) throw new Error(`${arrangement} ${side}: ${read[side].ms.length} of ${count} chunks`);
      }
    };
    // Warm-up (workers started, JIT), not counted.
    const warm = { count: 30, startDelayMs: 300, seed: 1 };
    check('sdk', await sdk(warm), warm.count);
    check('handwritten', await handwritten(warm), warm.count);

    const runs: Record<'sdk' | 'handwritten', Read[]> = { sdk: [], handwritten: [] };
    for (let r = 0; r < RUNS; r++) {
      const params = { count: CHUNKS, startDelayMs: 300, seed: 1000 + r };
      for (const a of r % 2 === 0 ? (['sdk', 'handwritten'] as const) : (['handwritten', 'sdk'] as const)) {
        const read = a === 'sdk' ? await sdk(params) : await handwritten(params);
        check(a, read, CHUNKS);
        runs[a].push(read);
        console.log(
          `round ${r + 1} ${a.padEnd(11)} leader median ${f1(median(read.leader.ms)).padStart(5)} ms p95 ${f1(pct(read.leader.ms, 0.95)).padStart(5)} ms | follower median ${f1(median(read.follower.ms)).padStart(5)} ms p95 ${f1(pct(read.follower.ms, 0.95)).padStart(5)} ms | clock skew ${read.leader.skewMs.toFixed(2)} / ${read.follower.skewMs.toFixed(2)} ms`,
        );
      }
    }
    const figure = (a: 'sdk' | 'handwritten', side: 'leader' | 'follower') => Number(median(runs[a].map((x) => median(x[side].ms))).toFixed(2));
    const p95 = (a: 'sdk' | 'handwritten', side: 'leader' | 'follower') => Number(pct(runs[a].flatMap((x) => x[side].ms), 0.95).toFixed(2));
    const maxSkew = Math.max(...[...runs.sdk, ...runs.handwritten].flatMap((x) => [Math.abs(x.leader.skewMs), Math.abs(x.follower.skewMs)]));
    for (const side of ['leader', 'follower'] as const) {
      console.log(
        `${side}: taskweave median ${figure('sdk', side)} ms, p95 ${p95('sdk', side)} ms | hand-written postMessage${side === 'follower' ? ' + BroadcastChannel' : ''} median ${figure('handwritten', side)} ms, p95 ${p95('handwritten', side)} ms | ${(figure('sdk', side) / figure('handwritten', side)).toFixed(1)}× the hand-written median`,
      );
    }
    console.log(`${CHUNKS} chunks a round, one every 10–20 ms; largest clock skew between a worker and a tab: ${maxSkew.toFixed(2)} ms`);
    for (const [rowName, side, goal] of [
      ['stream-chunk-latency-ms', 'leader', '<= 16'],
      ['stream-chunk-latency-follower-ms', 'follower', '<= 50'],
    ] as const) {
      rows.push({
        name: rowName,
        unit: 'ms median',
        baseline: figure('handwritten', side),
        sdk: figure('sdk', side),
        ratio: figure('sdk', side),
        goal,
        runs: RUNS,
        p95: p95('sdk', side),
        baselineP95: p95('handwritten', side),
        chunks: CHUNKS,
      });
    }
  }

  if (ONLY !== 'latency') {
    const t = performance.now();
    await leader.evaluate((m) => window.__streamBench.loadHandwritten(m), MODEL);
    const sdk = () => leader.evaluate(([p, m, n]) => window.__streamBench.generateSdk(p, m, n), [PROMPT, MODEL, TOKENS] as const);
    const handwritten = () => leader.evaluate(([p, n]) => window.__streamBench.generateHandwritten(p, n), [PROMPT, TOKENS] as const);
    // Warm: each side's model loaded and two whole runs (wasm tier-up, JIT), not counted.
    await handwritten();
    await sdk();
    const warmHand = await handwritten();
    const warmSdk = await sdk();
    console.log(`\ngeneration warm-up (model load + one run of ${TOKENS} tokens): ${((performance.now() - t) / 1000).toFixed(1)} s`);
    if (warmSdk.text !== warmHand.text) throw new Error(`different texts:\n  taskweave ${JSON.stringify(warmSdk.text.slice(0, 200))}\n  by hand   ${JSON.stringify(warmHand.text.slice(0, 200))}`);
    if (warmSdk.tokens !== TOKENS || warmHand.tokens !== TOKENS) throw new Error(`tokens: taskweave ${warmSdk.tokens}, by hand ${warmHand.tokens}, asked ${TOKENS}`);
    const streaming = (x: GenerationRun) => ((x.tokens - x.firstTokens) * 1000) / (x.lastMs - x.firstMs);
    const whole = (x: GenerationRun) => (x.tokens * 1000) / x.lastMs;
    const runs: Record<'sdk' | 'handwritten', GenerationRun[]> = { sdk: [], handwritten: [] };
    // Strictly alternating (not the latency rows' ABBA): a worker that ran the generation just
    // before runs it up to a fifth faster (caches), so every timed run follows the other side's.
    for (let r = 0; r < RUNS; r++) {
      for (const a of ['handwritten', 'sdk'] as const) {
        const run = a === 'sdk' ? await sdk() : await handwritten();
        if (run.tokens !== TOKENS) throw new Error(`${a}: ${run.tokens} tokens`);
        runs[a].push(run);
        console.log(
          `round ${r + 1} ${a.padEnd(11)} ${f1(streaming(run)).padStart(7)} tokens/s first→last (first token at ${f1(run.firstMs)} ms, ${run.firstTokens} with it), ${f1(whole(run)).padStart(7)} tokens/s submit→last`,
        );
      }
    }
    const rate = (a: 'sdk' | 'handwritten', of: (x: GenerationRun) => number) => Number(median(runs[a].map(of)).toFixed(1));
    const paired = runs.sdk.map((x, i) => streaming(x) / streaming(runs.handwritten[i]!));
    const pairedWhole = runs.sdk.map((x, i) => whole(x) / whole(runs.handwritten[i]!));
    console.log(`per-round taskweave/hand-written, first→last: ${paired.map((v) => v.toFixed(3)).join(' ')}; submit→last: ${pairedWhole.map((v) => v.toFixed(3)).join(' ')}`);
    console.log(
      `submit→last: taskweave ${rate('sdk', whole)} tokens/s, hand-written ${rate('handwritten', whole)} tokens/s, median ratio ${median(pairedWhole).toFixed(3)}; first token at ${f1(median(runs.sdk.map((x) => x.firstMs)))} ms vs ${f1(median(runs.handwritten.map((x) => x.firstMs)))} ms`,
    );
    rows.push({
      name: 'generation-vs-handwritten',
      unit: 'tokens/s',
      baseline: rate('handwritten', streaming),
      sdk: rate('sdk', streaming),
      ratio: Number(median(paired).toFixed(3)),
      goal: '>= 0.95',
      runs: RUNS,
      tokens: TOKENS,
    });
  }

  mergeBenchRows(rows);
  console.log(formatBenchTable(rows));
} finally {
  await browser.close();
  await server.close();
}
