import type { Task, TaskId } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { Batcher, resolveBatching, splitBatchResult } from '../main/batcher.js';

function job(type: Task['type'], enqueuedAt: number, modelId = 'm', extra: Partial<Task> = {}) {
  const task: Task = {
    id: crypto.randomUUID() as TaskId,
    type,
    priority: 1,
    input: { kind: 'text', text: 'x' },
    modelId,
    retryCount: 0,
    maxRetries: 0,
    dependencies: [],
    metadata: {},
    createdAt: 0,
    ...extra,
  };
  return { task, backend: 'auto' as const, enqueuedAt };
}

describe('Batcher', () => {
  const batcher = new Batcher(resolveBatching({ maxBatchSize: 3, windowMs: 10 }));

  it('waits for a batch to fill until the window of its oldest task closes', () => {
    const queue = [job('EmbeddingGeneration', 100), job('EmbeddingGeneration', 104)];
    expect(batcher.take(queue, 105)).toEqual({ waitUntil: 110 });
    expect(batcher.take(queue, 110)).toEqual({ jobs: queue });
  });

  it('runs a full batch at once and never more than maxBatchSize', () => {
    const queue = [0, 1, 2, 3].map((i) => job('EmbeddingGeneration', 100 + i));
    expect(batcher.take(queue, 100)).toEqual({ jobs: queue.slice(0, 3) });
  });

  it('lets tasks that are not batched pass a batch that is still filling', () => {
    const filling = job('EmbeddingGeneration', 100);
    const other = job('TextProcessing', 101);
    expect(batcher.take([filling, other], 102)).toEqual({ jobs: [other] });
  });

  it('never mixes models, backends or dtypes in one batch', () => {
    const a = job('EmbeddingGeneration', 0, 'a');
    const b = job('EmbeddingGeneration', 0, 'b');
    const a8 = job('EmbeddingGeneration', 0, 'a', { metadata: { dtype: 'q8' } });
    const decision = batcher.take([a, b, a8], 50);
    expect(decision).toEqual({ jobs: [a] });
  });

  it('is off with batching: false', () => {
    const off = new Batcher(resolveBatching(false));
    const queue = [job('EmbeddingGeneration', 0), job('EmbeddingGeneration', 0)];
    expect(off.take(queue, 0)).toEqual({ jobs: [queue[0]] });
  });
});

describe('splitBatchResult', () => {
  it('gives each task the batch time, an even share of bytes, its batch size and its own measurements', () => {
    const vector = new Float32Array(4);
    const outcomes = splitBatchResult(
      {
        outcomes: [
          { ok: true, output: { kind: 'embedding', vector, dims: 4 }, metrics: { memoryBytes: 16 } },
          { ok: false, error: { name: 'ValidationError', code: 'validation', message: 'empty', retryable: false } },
        ],
        shared: { durationMs: 40, cpuUsage: 0.9, networkBytes: 1000, memoryBytes: 300, backend: 'wasm' },
        models: ['m'],
      },
      2,
    );
    expect(outcomes[0]).toEqual({
      ok: true,
      output: { kind: 'embedding', vector, dims: 4 },
      metrics: { durationMs: 40, cpuUsage: 0.9, networkBytes: 500, memoryBytes: 16, backend: 'wasm', batchSize: 2 },
    });
    expect(outcomes[1]).toMatchObject({ ok: false, metrics: { networkBytes: 500, memoryBytes: 150, batchSize: 2 } });
  });

  it('fails a task the worker returned no outcome for instead of leaving it unsettled', () => {
    const outcomes = splitBatchResult({ outcomes: [], shared: {}, models: [] }, 1);
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code: 'execution' } });
  });
});
