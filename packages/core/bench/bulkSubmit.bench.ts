/**
 * Bulk submit without jank, in Chromium with real IndexedDB: `bulk-submit-20k-longest-task-ms` is
 * the longest main-thread long task (PerformanceObserver 'longtask') observed while
 * `scheduler.submitMany` of 20,000 tasks runs on a TaskScheduler + IdbTaskStore, until it resolves
 * (goal ≤ 50 ms; `sdk` and `ratio` carry that figure). `baseline` is the longest task of writing the
 * same records by hand in one IndexedDB transaction (one loop of puts). Alternating runs, medians.
 *
 * BENCH_TASKS (default 20,000), BENCH_RUNS (default 5).
 * Run: pnpm --filter @taskweave/core bench:bulk-submit
 */
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { cpus, loadavg } from 'node:os';
import { openBenchPage } from './browserBench.js';
import type { Variant } from './bulkSubmitPage.js';

const N = Number(process.env['BENCH_TASKS'] ?? 20_000);
const RUNS = Math.max(5, Number(process.env['BENCH_RUNS'] ?? 5));

const bench = await openBenchPage('bulkSubmit.html', '__bulkSubmitBench');
try {
  const run = (variant: Variant) => bench.page.evaluate(([v, n]) => window.__bulkSubmitBench(v, n), [variant, N] as const);
  await run('sdk'); // warm-up (JIT, IndexedDB backing store), not counted
  await run('byHand');
  const out: Record<Variant, { longestMs: number; longTasks: number; ms: number }[]> = { sdk: [], byHand: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const v of r % 2 === 0 ? (['sdk', 'byHand'] as const) : (['byHand', 'sdk'] as const)) out[v].push(await run(v));
  }
  const floorMs = await bench.page.evaluate((ms) => window.__longTaskFloor(ms), Math.round(median(out.sdk.map((x) => x.ms))));
  const sdk = Number(median(out.sdk.map((x) => x.longestMs)).toFixed(1));
  const byHand = Number(median(out.byHand.map((x) => x.longestMs)).toFixed(1));
  const rows = [{ name: 'bulk-submit-20k-longest-task-ms', unit: 'ms', baseline: byHand, sdk, ratio: sdk, goal: '<= 50', runs: RUNS }];
  mergeBenchRows(rows);
  const show = (list: { longestMs: number; longTasks: number; ms: number }[]) =>
    list.map((x) => `${x.longestMs.toFixed(0)} (${x.longTasks} long, ${(x.ms / 1000).toFixed(2)} s)`).join(' ');
  console.log(`\nsubmitMany of ${N} tasks in Chromium, on-disk profile ${bench.profile}: longest long task per run, ms`);
  console.log(`sdk: ${show(out.sdk)}\nby hand: ${show(out.byHand)}`);
  console.log(`noise floor (plain JS in 4 ms slices for as long as a median sdk run): longest task ${floorMs.toFixed(0)} ms; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  console.log(formatBenchTable(rows));
} finally {
  await bench.close();
}
