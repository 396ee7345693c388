/**
 * The pool with the default worker entry and a real (tiny, random-weight) model: warm-up with
 * progress, model affinity, and dynamic batching of EmbeddingGeneration through the real
 * transformers.js batch handler, checked against unbatched runs of the same texts.
 */
import { TaskScheduler, TaskStatus, type TaskId, type TaskResult } from '@taskweave/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerPool, type PoolEvent, type WorkerPool } from '../../index.js';

const MODEL = 'tiny-random-bert';
const TEXTS = Array.from({ length: 12 }, (_, i) => `sentence number ${i} about ${['cats', 'markets', 'rain', 'music'][i % 4]}`);

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

function make(options: Parameters<typeof createWorkerPool>[0]): { pool: WorkerPool; scheduler: TaskScheduler; events: PoolEvent[] } {
  const pool = createWorkerPool(options);
  const scheduler = new TaskScheduler({ executor: pool });
  const events: PoolEvent[] = [];
  pool.subscribe((e) => events.push(e));
  closers.push(() => scheduler.close());
  return { pool, scheduler, events };
}

async function embedAll(scheduler: TaskScheduler): Promise<TaskResult[]> {
  const ids = await scheduler.submitMany(
    TEXTS.map((text) => ({ type: 'EmbeddingGeneration' as const, modelId: MODEL, input: { kind: 'text' as const, text } })),
  );
  return Promise.all(ids.map((id: TaskId) => scheduler.wait(id)));
}

function vector(result: TaskResult): Float32Array {
  if (result.output.kind !== 'embedding') throw new Error(`expected an embedding, got ${result.output.kind}: ${result.error}`);
  return result.output.vector;
}

// Each test loads a real model up to three times (warm-up, crash, re-warm): the model tests' 120 s, not the default 30 s.
describe('pool with a real model', { timeout: 120_000 }, () => {
  it('warms a model in every worker with progress, then batches embeddings that match unbatched ones', async () => {
    const { pool, scheduler, events } = make({ size: 2, batching: { maxBatchSize: 8, windowMs: 20 } });
    const progress: string[] = [];
    const report = await pool.warmUp(MODEL, { onProgress: (e) => progress.push(`${e.workerIndex}:${e.status}`) });
    expect(report.workers.map((w) => w.ok)).toEqual([true, true]);
    expect(report.workers.every((w) => w.backend === 'wasm')).toBe(true);
    expect(progress).toContain('0:ready');
    expect(progress).toContain('1:ready');
    expect(pool.snapshot().workers.map((w) => w.models)).toEqual([[MODEL], [MODEL]]);

    const batched = await embedAll(scheduler);
    expect(batched.every((r) => r.status === TaskStatus.Completed)).toBe(true);
    expect(batched.some((r) => (r.metrics.batchSize ?? 1) > 1)).toBe(true);
    expect(events.some((e) => e.type === 'batch')).toBe(true);
    expect(batched.every((r) => r.metrics.backend === 'wasm')).toBe(true);

    const single = make({ size: 1, batching: false });
    const unbatched = await embedAll(single.scheduler);
    expect(unbatched.every((r) => r.metrics.batchSize === undefined)).toBe(true);
    batched.forEach((result, i) => {
      const a = vector(result);
      const b = vector(unbatched[i] as TaskResult);
      expect(a.length).toBe(b.length);
      let maxDiff = 0;
      for (let k = 0; k < a.length; k++) maxDiff = Math.max(maxDiff, Math.abs((a[k] as number) - (b[k] as number)));
      expect(maxDiff).toBeLessThan(1e-4);
    });
    // Distinct texts give distinct vectors: the split did not mix tasks up.
    expect(vector(batched[0] as TaskResult)).not.toEqual(vector(batched[1] as TaskResult));
  });

  it('reports model-loading progress of a task that loads its model, tagged with the task id', async () => {
    const { scheduler, events } = make({ size: 1 });
    const id = await scheduler.submit({ type: 'EmbeddingGeneration', modelId: MODEL, input: { kind: 'text', text: 'first use' } });
    const result = await scheduler.wait(id);
    expect(result.status).toBe(TaskStatus.Completed);
    const statuses = events.flatMap((e) => (e.type === 'progress' && e.taskId === id ? [e.progress.status] : []));
    expect(statuses).toContain('ready');
    expect(statuses.indexOf('initiate')).toBeLessThan(statuses.indexOf('ready'));
  });

  it('sends a task to a free worker that already holds its model', async () => {
    const { pool, scheduler } = make({ size: 2 });
    const report = await pool.warmUp(MODEL, { workers: 1 });
    expect(report.workers).toHaveLength(1);
    const holder = pool.snapshot().workers.find((w) => w.models.includes(MODEL));
    expect(holder?.index).toBe(0);
    for (let i = 0; i < 3; i++) {
      const result = await scheduler.wait(
        await scheduler.submit({ type: 'EmbeddingGeneration', modelId: MODEL, input: { kind: 'text', text: `one at a time ${i}` } }),
      );
      expect(result.status).toBe(TaskStatus.Completed);
    }
    const workers = pool.snapshot().workers;
    expect(workers[0]?.jobsDone).toBe(3);
    expect(workers[1]?.jobsDone).toBe(0);
    expect(workers[1]?.models).toEqual([]);
  });

  it('a worker that replaces a crashed one loads the warmed models again', async () => {
    const { pool, scheduler } = make({
      size: 1,
      createWorker: () => new Worker(new URL('../../__tests__/fixtures/test.worker.ts', import.meta.url), { type: 'module' }),
    });
    await pool.warmUp(MODEL);
    const before = pool.snapshot().workers[0];
    expect(before?.models).toEqual([MODEL]);
    const crashed = await scheduler.wait(
      await scheduler.submit({ type: 'custom:close-self', input: { kind: 'text', text: 'x' }, maxRetries: 0 }),
    );
    expect(crashed.errorCode).toBe('worker-crashed');
    // The next task queues behind the re-warm on the replacement, so the model is there when it ends.
    const next = await scheduler.wait(await scheduler.submit({ type: 'custom:echo', input: { kind: 'text', text: 'x' } }));
    expect(next.status).toBe(TaskStatus.Completed);
    const after = pool.snapshot().workers[0];
    expect(after?.id).not.toBe(before?.id);
    expect(after?.models).toEqual([MODEL]);
  });
});
