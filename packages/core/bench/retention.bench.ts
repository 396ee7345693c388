/**
 * Memory and retention at scale, in Chromium with real IndexedDB (IdbTaskStore):
 * - `heap-after-50k-finished`: MB (10^6 bytes) of JS heap, after forced GC, that a TaskScheduler
 *   on IdbTaskStore holds after 50,000 completed tasks with 512-float outputs, above the same
 *   scheduler empty (goal ≤ 5). `sdk` and `ratio` are that figure with the defaults; `baseline` is
 *   the same run with memory unbounded (gcTimeMs and maxFinishedInMemory Infinity), as before.
 * - `prune-50k-vs-bulk-delete`: `scheduler.prune({ keepLast: 0 })` of 50,000 finished records vs one
 *   bulk IndexedDB `delete(keyRange)` of them (goal ≤ 2×); alternating runs, medians.
 *
 * BENCH_TASKS (default 50,000), BENCH_HEAP_RUNS (default 1: one 50,000-task run each way takes a
 * minute or two), BENCH_RUNS (default 5). The whole script takes about a quarter of an hour on a
 * busy 2-core machine: each prune run first writes 50,000 records of 2 KB with strict durability.
 * Run: pnpm --filter @taskweave/core bench:retention
 */
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { openBenchPage } from './browserBench.js';

const N = Number(process.env['BENCH_TASKS'] ?? 50_000);
const HEAP_RUNS = Math.max(1, Number(process.env['BENCH_HEAP_RUNS'] ?? 1));
const RUNS = Math.max(5, Number(process.env['BENCH_RUNS'] ?? 5));

const bench = await openBenchPage('retention.html', '__pruneBench', ['--js-flags=--expose-gc', '--enable-precise-memory-info']);
try {
  const { page } = bench;
  const heap = (unbounded: boolean, n = N) => page.evaluate(([count, u]) => window.__heapBench(count, u), [n, unbounded] as const);
  const prune = (variant: 'sdk' | 'bulk', n = N) => page.evaluate(([v, count]) => window.__pruneBench(v, count), [variant, n] as const);

  // Warm-up (JIT, IndexedDB backing store) on a tenth of the size, not counted.
  const warm = Math.max(1, Math.round(N / 10));
  await heap(false, warm);
  await prune('sdk', warm);
  await prune('bulk', warm);

  const bounded: number[] = [];
  const unbounded: number[] = [];
  const taskMs: number[] = [];
  for (let r = 0; r < HEAP_RUNS; r++) {
    const b = await heap(false);
    bounded.push(b.mb);
    taskMs.push(b.ms);
    unbounded.push((await heap(true)).mb);
  }
  const sdkMs: number[] = [];
  const bulkMs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    for (const v of r % 2 === 0 ? (['sdk', 'bulk'] as const) : (['bulk', 'sdk'] as const)) (v === 'sdk' ? sdkMs : bulkMs).push((await prune(v)).ms);
  }
  const mb = Number(median(bounded).toFixed(2));
  const pruneSdk = Number(median(sdkMs).toFixed(1));
  const pruneBulk = Number(median(bulkMs).toFixed(1));
  const rows = [
    { name: 'heap-after-50k-finished', unit: 'MB', baseline: Number(median(unbounded).toFixed(1)), sdk: mb, ratio: mb, goal: '<= 5', runs: HEAP_RUNS },
    { name: 'prune-50k-vs-bulk-delete', unit: 'ms', baseline: pruneBulk, sdk: pruneSdk, ratio: Number((pruneSdk / pruneBulk).toFixed(2)), goal: '<= 2', runs: RUNS },
  ];
  mergeBenchRows(rows);
  console.log(`\n${N} tasks / records in Chromium, on-disk profile ${bench.profile}`);
  console.log(`heap MB with defaults: ${bounded.map((x) => x.toFixed(2)).join(' ')} | unbounded: ${unbounded.map((x) => x.toFixed(1)).join(' ')} | ${N} tasks took ${taskMs.map((x) => (x / 1000).toFixed(1)).join(' ')} s`);
  console.log(`prune ms: sdk ${sdkMs.map((x) => x.toFixed(0)).join(' ')} | bulk delete ${bulkMs.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(formatBenchTable(rows));
} finally {
  await bench.close();
}
