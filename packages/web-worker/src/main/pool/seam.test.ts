/**
 * The seam between the scheduler and the pool, in real workers: Running only while a worker runs,
 * batch crash isolation (a custom batch handler and the built-in EmbeddingGeneration), recycling.
 */
import { MemoryTaskStore, TaskScheduler, TaskStatus, TaskType, type TaskResult } from '@taskweave/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerPool, type PoolEvent, type WorkerPool, type WorkerPoolOptions } from '../../index.js';

const testWorker = () => new Worker(new URL('../../__tests__/fixtures/test.worker.ts', import.meta.url), { type: 'module', name: 'test' });

const open: TaskScheduler[] = [];
afterEach(async () => {
  for (const scheduler of open.splice(0)) await scheduler.close();
});

function setup(options: WorkerPoolOptions = {}, store?: MemoryTaskStore) {
  const pool = createWorkerPool({ createWorker: testWorker, size: 2, ...options });
  const scheduler = new TaskScheduler({ executor: pool, baseDelayMs: 10, maxDelayMs: 50, ...(store === undefined ? {} : { store }) });
  const events: PoolEvent[] = [];
  pool.subscribe((event) => events.push(event));
  open.push(scheduler);
  return { pool, scheduler, events };
}

async function allStarted(pool: WorkerPool): Promise<void> {
  await expect.poll(() => pool.snapshot().workers.some((w) => w.state === 'starting'), { timeout: 20_000 }).toBe(false);
}

const valueOf = (result: TaskResult) => (result.output.kind === 'custom' ? (result.output.value as Record<string, unknown>) : {});
const job = (type: `custom:${string}`, text: string, extra: Record<string, unknown> = {}) => ({ type, input: { kind: 'text' as const, text }, ...extra });

describe('Running only while a worker runs', () => {
  it('a task waiting for a free worker is Pending in get(), the snapshot and the store', async () => {
    const store = new MemoryTaskStore();
    const { scheduler, pool } = setup({ size: 1 }, store);
    await allStarted(pool);
    const [busy, waiting] = await scheduler.submitMany([job('custom:sleep', '600'), job('custom:sleep', '10')]);
    await expect.poll(async () => (await store.get(busy!))?.status, { interval: 10 }).toBe(TaskStatus.Running);
    expect((await scheduler.get(waiting!))?.status).toBe(TaskStatus.Pending);
    expect((await store.get(waiting!))?.status).toBe(TaskStatus.Pending);
    expect(scheduler.getSnapshot()).toMatchObject({ running: 1, ready: 1 });
    expect(pool.snapshot().workers.flatMap((w) => w.taskIds)).toEqual([busy]);
    expect((await scheduler.wait(waiting!)).status).toBe(TaskStatus.Completed);
  });
});

describe('batch crash isolation', () => {
  const batching = { types: ['custom:crash-batch'], maxBatchSize: 8, windowMs: 50 };

  it('one input that kills its worker in a batch fails only itself; its 7 batch-mates complete without spending a retry', async () => {
    const { scheduler, pool, events } = setup({ size: 1, batching });
    await allStarted(pool);
    const texts = ['a', 'b', 'c', 'crash', 'd', 'e', 'f', 'g'];
    const ids = await scheduler.submitMany(texts.map((t) => job('custom:crash-batch', t, { maxRetries: 0 })));
    const results = await Promise.all(ids.map((id) => scheduler.wait(id)));
    const batches = events.flatMap((e) => (e.type === 'batch' ? [e.taskIds] : []));
    expect(batches[0]).toHaveLength(8); // they did run as one batch first
    results.forEach((r, i) => {
      if (texts[i] === 'crash') {
        expect(r.status).toBe(TaskStatus.Failed);
        expect(r.errorCode).toBe('worker-crashed');
        return;
      }
      expect(r.status).toBe(TaskStatus.Completed);
      expect(r.metrics.retryCount).toBe(0);
      expect(valueOf(r)['size']).toBe(1); // re-run alone after the batch crash
    });
    // The batch crash, then the culprit alone: two workers replaced, no more.
    expect(pool.snapshot().replaced).toBe(2);
  });

  it('with retries, only the culprit spends them, running alone each time', async () => {
    const { scheduler, pool, events } = setup({ size: 2, batching });
    await allStarted(pool);
    const texts = ['a', 'crash', 'b', 'c'];
    const ids = await scheduler.submitMany(texts.map((t) => job('custom:crash-batch', t, { maxRetries: 2 })));
    const results = await Promise.all(ids.map((id) => scheduler.wait(id)));
    expect(results.map((r) => r.status)).toEqual([TaskStatus.Completed, TaskStatus.Failed, TaskStatus.Completed, TaskStatus.Completed]);
    expect(results.map((r) => r.metrics.retryCount)).toEqual([0, 2, 0, 0]);
    const crashes = events.filter((e) => e.type === 'crash');
    // One crash of the batch, then three of the culprit alone (attempt 1 and its two retries).
    expect(crashes.map((e) => (e.type === 'crash' ? e.taskIds.length : 0))).toEqual([4, 1, 1, 1]);
  });

  it('a worker killed mid-batch of built-in EmbeddingGeneration: every task completes, uncharged, with its own vector', async () => {
    const made: Worker[] = [];
    const defaultEntry = () => {
      const worker = new Worker(new URL('../../worker/entry.ts', import.meta.url), { type: 'module' });
      made.push(worker);
      return worker;
    };
    const { scheduler, pool, events } = setup({ size: 1, createWorker: defaultEntry, batching: { maxBatchSize: 8, windowMs: 50 } });
    await allStarted(pool);
    const texts = ['a cat sits on the mat', 'a kitten is on the rug', 'stock markets fell sharply', 'the weather is fine'];
    const ids = await scheduler.submitMany(
      texts.map((text) => ({ type: TaskType.EmbeddingGeneration, input: { kind: 'text' as const, text }, modelId: 'use-lite', maxRetries: 0 })),
    );
    await expect.poll(() => events.some((e) => e.type === 'batch'), { timeout: 20_000, interval: 10 }).toBe(true);
    made[0]?.terminate();
    const results = await Promise.all(ids.map((id) => scheduler.wait(id)));
    expect(results.map((r) => r.status)).toEqual(texts.map(() => TaskStatus.Completed));
    expect(results.map((r) => r.metrics.retryCount)).toEqual(texts.map(() => 0));
    expect(events.find((e) => e.type === 'crash')).toMatchObject({ reason: 'gone' });
    const vectors = results.map((r) => (r.output.kind === 'embedding' ? r.output.vector : new Float32Array()));
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
    expect(cos(vectors[0]!, vectors[1]!)).toBeGreaterThan(cos(vectors[0]!, vectors[2]!) + 0.3);
  }, 90_000);
});

describe('worker recycling', () => {
  it('replaces a worker after N tasks between jobs and keeps every result', async () => {
    const { scheduler, pool, events } = setup({ size: 2, recycle: { afterTasks: 3 } });
    const ids = await scheduler.submitMany(Array.from({ length: 20 }, (_, i) => job('custom:echo', `t${i}`, { maxRetries: 0 })));
    const results = await Promise.all(ids.map((id) => scheduler.wait(id)));
    expect(results.map((r) => r.status)).toEqual(ids.map(() => TaskStatus.Completed));
    results.forEach((r, i) => expect(valueOf(r)['text']).toBe(`t${i}`));
    const snapshot = pool.snapshot();
    expect(snapshot.recycled).toBeGreaterThanOrEqual(4);
    expect(snapshot.replaced).toBe(0);
    expect(events.some((e) => e.type === 'crash')).toBe(false);
    // No worker ran more than 3 tasks: every result came from an instance that served at most 3.
    const perInstance = new Map<unknown, number>();
    for (const r of results) perInstance.set(valueOf(r)['instance'], (perInstance.get(valueOf(r)['instance']) ?? 0) + 1);
    expect(Math.max(...perInstance.values())).toBeLessThanOrEqual(3);
  });

  it('replaces a worker whose WebAssembly memory passes the budget, and reports that memory', async () => {
    const { scheduler, pool } = setup({ size: 1, recycle: { wasmMemoryBytes: 1 } });
    const first = await scheduler.wait(await scheduler.submit(job('custom:wasm-grow', '4')));
    expect(first.status).toBe(TaskStatus.Completed);
    expect(first.metrics.memoryBytes).toBeGreaterThanOrEqual(4 * 65_536);
    await expect.poll(() => pool.snapshot().recycled, { interval: 10 }).toBe(1);
    const second = await scheduler.wait(await scheduler.submit(job('custom:wasm-grow', '1')));
    expect(second.status).toBe(TaskStatus.Completed);
    expect(valueOf(second)['instance']).not.toBe(valueOf(first)['instance']);
  });
});

