/// <reference lib="dom" />
/**
 * The in-browser half of `retention.bench.ts`, on real IndexedDB (IdbTaskStore):
 * - `heap`: JS heap (after forced GC) of a TaskScheduler + IdbTaskStore after N completed tasks
 *   with 512-float outputs, minus the same scheduler empty; with the defaults (finished tasks leave
 *   memory) or with memory unbounded (`gcTimeMs` and `maxFinishedInMemory` Infinity, as before).
 * - `prune`: `scheduler.prune({ keepLast: 0 })` of N finished records vs one bulk IndexedDB
 *   `delete(keyRange)` of the same records; a fresh database holding the same rows for each.
 */
import type { TaskRecord } from '../src/ports.js';
import type { TaskId, TaskOutput } from '../src/task.js';
import { TaskScheduler } from '../src/scheduler/taskScheduler.js';
import { IdbTaskStore, databaseName, openTaskweaveDb } from '../src/adapters/idb/index.js';
// Core's own benchmark writes rows the way the store does: an internal of the adapter, not public.
import { toTaskRow } from '../src/adapters/idb/schema.js';

const DIMS = 512;
let runCounter = 0;

declare const gc: (() => void) | undefined;

async function settledHeap(): Promise<number> {
  // Twice, with a turn between: the first pass leaves finalizable garbage for the second.
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize;
}

async function deleteDatabase(name: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase(databaseName(name));
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}

/** MB (10^6 bytes) of JS heap held after `n` tasks, above the same scheduler empty. */
async function heap(n: number, unbounded: boolean): Promise<{ mb: number; ms: number }> {
  if (typeof gc !== 'function') throw new Error('launch Chromium with --js-flags=--expose-gc');
  const name = `bench-heap-${Date.now()}-${++runCounter}`;
  const store = await new IdbTaskStore({ name }).open();
  const scheduler = new TaskScheduler({
    store,
    concurrency: 4,
    executor: { execute: async (): Promise<TaskOutput> => ({ kind: 'embedding', vector: new Float32Array(DIMS).fill(0.5), dims: DIMS }) },
    ...(unbounded ? { gcTimeMs: Number.POSITIVE_INFINITY, maxFinishedInMemory: Number.POSITIVE_INFINITY } : {}),
  });
  await scheduler.ready();
  const before = await settledHeap();
  const t0 = performance.now();
  const chunk = 5_000;
  for (let i = 0; i < n; i += chunk) {
    // Ids are not kept: the benchmark must not hold what it measures.
    await scheduler.submitMany(
      Array.from({ length: Math.min(chunk, n - i) }, (_, j) => ({ type: 'EmbeddingGeneration' as const, input: { kind: 'text' as const, text: `sentence ${i + j}` } })),
    );
  }
  await scheduler.onIdle();
  const ms = performance.now() - t0;
  const snapshot = scheduler.getSnapshot();
  if (snapshot.byStatus.Completed !== n) throw new Error(`heap: ${snapshot.byStatus.Completed} of ${n} completed`);
  const after = await settledHeap();
  await scheduler.close();
  await store.close();
  await deleteDatabase(name);
  return { mb: (after - before) / 1e6, ms };
}

function finishedRecords(n: number): TaskRecord[] {
  const now = Date.now() - 1_000;
  return Array.from({ length: n }, (_, i) => {
    const id = crypto.randomUUID() as TaskId;
    return {
      task: {
        id,
        type: 'EmbeddingGeneration',
        priority: 1,
        input: { kind: 'text', text: `sentence ${i}` },
        retryCount: 0,
        maxRetries: 3,
        dependencies: [],
        metadata: {},
        createdAt: now,
      },
      status: 'Completed',
      seq: i + 1,
      updatedAt: now + i / n,
      result: {
        taskId: id,
        status: 'Completed',
        output: { kind: 'embedding', vector: new Float32Array(DIMS).fill(0.5), dims: DIMS },
        metrics: { durationMs: 1, queueWaitMs: 0, memoryBytes: 0, cpuUsage: 0, networkBytes: 0, retryCount: 0 },
        timestamp: now + i / n,
      },
    } satisfies TaskRecord;
  });
}

/** Writes the records straight into a fresh database (untimed), in transactions of 5,000. */
async function fill(name: string, records: readonly TaskRecord[]): Promise<void> {
  const db = await openTaskweaveDb(name);
  for (let i = 0; i < records.length; i += 5_000) {
    const tx = db.transaction('tasks', 'readwrite');
    for (const r of records.slice(i, i + 5_000)) void tx.store.put(toTaskRow(r));
    await tx.done;
  }
  db.close();
}

async function prune(variant: 'sdk' | 'bulk', n: number): Promise<{ ms: number; removed: number }> {
  const name = `bench-prune-${variant}-${Date.now()}-${++runCounter}`;
  const records = finishedRecords(n);
  await fill(name, records);
  let ms: number;
  let removed: number;
  if (variant === 'sdk') {
    const store = await new IdbTaskStore({ name }).open();
    const scheduler = new TaskScheduler({ store, executor: { execute: async () => ({ kind: 'none' }) } });
    await scheduler.ready();
    const t0 = performance.now();
    removed = await scheduler.prune({ keepLast: 0 });
    ms = performance.now() - t0;
    await scheduler.close();
    await store.close();
  } else {
    const db = await openTaskweaveDb(name);
    const ids = records.map((r) => r.task.id).sort();
    const t0 = performance.now();
    const tx = db.transaction('tasks', 'readwrite', { durability: 'strict' });
    void tx.store.delete(IDBKeyRange.bound(ids[0] as string, ids[ids.length - 1] as string));
    await tx.done;
    ms = performance.now() - t0;
    removed = n;
    db.close();
  }
  const check = await openTaskweaveDb(name);
  const left = await check.count('tasks');
  check.close();
  await deleteDatabase(name);
  if (left !== 0) throw new Error(`prune ${variant}: ${left} of ${n} records left`);
  return { ms, removed };
}

declare global {
  interface Window {
    __heapBench(n: number, unbounded: boolean): Promise<{ mb: number; ms: number }>;
    __pruneBench(variant: 'sdk' | 'bulk', n: number): Promise<{ ms: number; removed: number }>;
  }
}
window.__heapBench = heap;
window.__pruneBench = prune;
