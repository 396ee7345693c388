/**
 * Scheduler overhead per task: 100,000 no-op tasks with random priorities over the four levels,
 * TaskScheduler (MemoryTaskStore, validation, events wired) vs p-queue with priorities, same
 * concurrency, same run. Alternating runs, median of 7. Writes the `scheduler-vs-p-queue` row.
 *
 * The script is bundled with esbuild before it runs (see package.json), as an app's bundler
 * would ship the scheduler: tsx's keepNames wrappers alone added about a quarter to the hot path.
 *
 * Run: pnpm --filter @taskweave/core bench
 */
import PQueue from 'p-queue';
// @ts-expect-error plain ESM helper shared by every benchmark
import { formatBenchTable, median, mergeBenchRows } from '../../../scripts/bench-results.mjs';
import { MemoryTaskStore, TaskScheduler, TaskType, type TaskOutput, type TaskPriority } from '../src/index.js';

const N = Number(process.env['BENCH_TASKS'] ?? 100_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 7);
const CONCURRENCY = 4;

function priorities(seed: number): TaskPriority[] {
  let a = seed >>> 0;
  return Array.from({ length: N }, () => {
    a = (a * 1664525 + 1013904223) >>> 0;
    return (a >>> 30) as TaskPriority;
  });
}

const NONE: TaskOutput = { kind: 'none' };
const input = { kind: 'text', text: 'x' } as const;

async function runSdk(prios: TaskPriority[]): Promise<number> {
  // The path every scheduler runs: records written to a store (one without `store` makes this one).
  const scheduler = new TaskScheduler({ concurrency: CONCURRENCY, executor: { execute: async () => NONE }, store: new MemoryTaskStore() });
  await scheduler.ready();
  const t0 = performance.now();
  // Used like p-queue: add everything, then wait for idle (onIdle covers submits in flight).
  for (let i = 0; i < N; i++) {
    void scheduler.submit({ type: TaskType.TextProcessing, input, priority: prios[i] as TaskPriority });
  }
  await scheduler.onIdle();
  const ms = performance.now() - t0;
  const snap = scheduler.getSnapshot();
  if (snap.byStatus.Completed !== N) throw new Error(`sdk completed ${snap.byStatus.Completed}/${N}`);
  await scheduler.close();
  return ms;
}

async function runPQueue(prios: TaskPriority[]): Promise<number> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  let done = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    void queue.add(async () => {
      done++;
      return NONE;
    }, { priority: prios[i] as number });
  }
  await queue.onIdle();
  const ms = performance.now() - t0;
  if (done !== N) throw new Error(`p-queue completed ${done}/${N}`);
  return ms;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const prios = priorities(1);
// Warm-up pass for both (JIT), not counted.
await runSdk(prios.slice(0, 10_000));
await runPQueue(prios.slice(0, 10_000));

const sdk: number[] = [];
const base: number[] = [];
for (let r = 0; r < RUNS; r++) {
  gc();
  base.push(await runPQueue(prios));
  gc();
  sdk.push(await runSdk(prios));
}
const perTask = (ms: number) => (ms * 1000) / N;
const baseline = perTask(median(base));
const sdkUs = perTask(median(sdk));
const row = {
  name: 'scheduler-vs-p-queue',
  unit: 'µs/task',
  baseline: Number(baseline.toFixed(3)),
  sdk: Number(sdkUs.toFixed(3)),
  ratio: Number((sdkUs / baseline).toFixed(3)),
  // The product's path: a scheduler always has a store (a MemoryTaskStore here), so the goal is #27's 0.35, not the store-less mode's 0.2.
  goal: '<= 0.35',
  runs: RUNS,
};
console.log(`scheduler vs p-queue: ${N} no-op tasks, 4 priorities, concurrency ${CONCURRENCY}, median of ${RUNS}`);
console.log(`  p-queue runs (ms): ${base.map((m) => m.toFixed(0)).join(' ')}`);
console.log(`  taskweave runs (ms): ${sdk.map((m) => m.toFixed(0)).join(' ')}`);
console.log(formatBenchTable([row]));
mergeBenchRows([row]);
