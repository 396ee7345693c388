/// <reference lib="dom" />
/**
 * The in-browser half of `bulkSubmit.bench.ts`: the longest main-thread long task (a
 * PerformanceObserver of type 'longtask') while N tasks are submitted at once, on real IndexedDB:
 * - `sdk`: `scheduler.submitMany(tasks)` on a TaskScheduler + IdbTaskStore (tasks run as they are
 *   admitted, on an executor that answers after a timer);
 * - `byHand`: the same records written in one IndexedDB transaction by one loop of `put`s, as an
 *   app would write them itself.
 * Both resolve once the records are durable; a fresh database for each run.
 */
import type { TaskRecord } from '../src/ports.js';
import type { TaskId } from '../src/task.js';
import { TaskScheduler } from '../src/scheduler/taskScheduler.js';
import { IdbTaskStore, databaseName, openTaskweaveDb } from '../src/adapters/idb/index.js';
// Core's own benchmark writes rows the way the store does: an internal of the adapter, not public.
import { toTaskRow } from '../src/adapters/idb/schema.js';

export type Variant = 'sdk' | 'byHand';

let runCounter = 0;

function options(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    type: 'TextProcessing' as const,
    input: { kind: 'text' as const, text: `task number ${i}: a short sentence to process` },
    metadata: { source: 'bench' },
  }));
}

function records(n: number): TaskRecord[] {
  const now = Date.now();
  return options(n).map((o, i) => ({
    task: { id: crypto.randomUUID() as TaskId, type: o.type, priority: 1, input: o.input, retryCount: 0, maxRetries: 3, dependencies: [], metadata: o.metadata, createdAt: now },
    status: 'Pending',
    seq: i + 1,
    updatedAt: now,
  }));
}

async function run(variant: Variant, n: number): Promise<{ longestMs: number; longTasks: number; ms: number }> {
  const name = `bench-bulk-${variant}-${Date.now()}-${++runCounter}`;
  const tasks = variant === 'sdk' ? options(n) : undefined;
  const rows = variant === 'byHand' ? records(n) : undefined;
  const scheduler =
    variant === 'sdk'
      ? new TaskScheduler({
          store: await new IdbTaskStore({ name }).open(),
          concurrency: 4,
          executor: { execute: () => new Promise((resolve) => setTimeout(() => resolve({ kind: 'none' }), 1)) },
        })
      : undefined;
  await scheduler?.ready();
  const db = variant === 'byHand' ? await openTaskweaveDb(name) : undefined;
  await new Promise((resolve) => setTimeout(resolve, 100)); // let setup's own tasks pass
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ type: 'longtask', buffered: false });
  const t0 = performance.now();
  if (scheduler !== undefined) {
    await scheduler.submitMany(tasks ?? []);
  } else if (db !== undefined) {
    const tx = db.transaction('tasks', 'readwrite', { durability: 'strict' });
    for (const r of rows ?? []) void tx.store.put(toTaskRow(r));
    await tx.done;
  }
  const t1 = performance.now();
  // Long-task entries arrive after the task ends: give the observer a few frames.
  await new Promise((resolve) => setTimeout(resolve, 200));
  observer.disconnect();
  const during = entries.filter((e) => e.startTime + e.duration > t0 && e.startTime < t1);
  const longestMs = during.reduce((max, e) => Math.max(max, e.duration), 0);
  if (scheduler !== undefined) {
    await scheduler.close();
  }
  db?.close();
  const check = await openTaskweaveDb(name);
  const count = await check.count('tasks');
  check.close();
  await new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase(databaseName(name));
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
  if (count !== n) throw new Error(`${variant}: ${count} of ${n} records stored`);
  return { longestMs, longTasks: during.length, ms: t1 - t0 };
}

/**
 * The machine's noise floor: the longest long task of a loop that only ever works 4 ms between
 * timers, for `ms`. On a loaded machine (other processes on the same cores) this alone is far
 * above 50 ms, which says how to read the sdk figure.
 */
async function floor(ms: number): Promise<number> {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ type: 'longtask', buffered: false });
  const t0 = performance.now();
  let junk: unknown[] = [];
  while (performance.now() - t0 < ms) {
    const start = performance.now();
    while (performance.now() - start < 4) junk.push({ a: Math.random() });
    if (junk.length > 100_000) junk = [];
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  observer.disconnect();
  return entries.reduce((max, e) => Math.max(max, e.duration), 0);
}

declare global {
  interface Window {
    __bulkSubmitBench(variant: Variant, n: number): Promise<{ longestMs: number; longTasks: number; ms: number }>;
    __longTaskFloor(ms: number): Promise<number>;
  }
}
window.__bulkSubmitBench = run;
window.__longTaskFloor = floor;
