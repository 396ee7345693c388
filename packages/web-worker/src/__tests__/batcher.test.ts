import type { Task, TaskId } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { poolBatchPolicy, resolveBatching, splitBatchResult } from '../main/batcher.js';

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

describe('poolBatchPolicy (the key the scheduler batches by)', () => {
  const policy = poolBatchPolicy(resolveBatching({ maxBatchSize: 3, windowMs: 10 }), 'auto');

  it('carries the size cap and the window', () => {
    expect(policy.maxBatchSize).toBe(3);
    expect(policy.windowMs).toBe(10);
  });

  it('never mixes types, models, backends or dtypes in one batch', () => {
    const key = (extra: Partial<Task>, type: Task['type'] = 'EmbeddingGeneration') => policy.key(job(type, 0, 'm', extra).task);
    expect(key({})).toBe(key({}));
    expect(key({ modelId: 'other' })).not.toBe(key({}));
    expect(key({ metadata: { backend: 'wasm' } })).not.toBe(key({ metadata: { backend: 'webgpu' } }));
    expect(key({ metadata: { backend: 'auto' } })).toBe(key({}));
    expect(key({ metadata: { dtype: 'fp32' } })).not.toBe(key({}));
    expect(key({}, 'TextProcessing')).toBeUndefined();
  });

  it('is off with batching: false', () => {
    const off = poolBatchPolicy(resolveBatching(false), 'auto');
    expect(off.maxBatchSize).toBe(1);
    expect(off.key(job('EmbeddingGeneration', 0).task)).toBeUndefined();
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
