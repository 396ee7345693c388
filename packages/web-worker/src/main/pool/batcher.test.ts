import type { Task, TaskId } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { TaskCosts } from './taskCosts.js';
import { MAX_TEXT_SIZE, poolBatchPolicy, resolveBatching, splitJobResult, textSize } from './batcher.js';

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
  const policy = poolBatchPolicy(resolveBatching({ maxBatchSize: 3, windowMs: 10 }), 'auto', new TaskCosts(1));

  it('carries the size cap and the window', () => {
    expect(policy.maxSizeOf?.(policy.key(job('EmbeddingGeneration', 0).task) as string)).toBe(3);
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

  it('by default batches 64 texts at most, and at most 16,384 characters padded (members × longest)', () => {
    const defaults = poolBatchPolicy(resolveBatching(undefined), 'auto', new TaskCosts(1));
    expect(defaults.maxSizeOf?.(defaults.key(job('EmbeddingGeneration', 0).task) as string)).toBe(64);
    expect(defaults.maxPaddedSize).toBe(16_384);
    expect(poolBatchPolicy(resolveBatching({ maxBatchChars: 2_000 }), 'auto', new TaskCosts(1)).maxPaddedSize).toBe(2_000);
  });

  it('is off with batching: false', () => {
    const off = poolBatchPolicy(resolveBatching(false), 'auto', new TaskCosts(0));
    expect(off.maxBatchSize).toBe(1);
    expect(off.key(job('EmbeddingGeneration', 0).task)).toBeUndefined();
  });

  it('groups tasks without a model by type, and lets them share calls once the workers measured the type cheap', () => {
    const costs = new TaskCosts(1);
    const cheap = poolBatchPolicy(resolveBatching({ maxBatchSize: 8 }), 'auto', costs);
    const bare = (type: Task['type']): Task => {
      const { modelId: _, ...task } = job(type, 0).task;
      return task;
    };
    const noop = cheap.key(bare('custom:noop')) as string;
    const slow = cheap.key(bare('custom:slow')) as string;
    expect(noop).toBe(cheap.key(bare('custom:noop')));
    expect(noop).not.toBe(slow);
    expect(cheap.key(job('custom:noop', 0, 'a-model').task)).toBeUndefined(); // with a model: not grouped by type
    const size = (key: string) => cheap.maxSizeOf?.(key);
    expect(size(noop)).toBe(1); // not measured yet: each runs alone
    for (let i = 0; i < 4; i++) {
      costs.record('custom:noop', undefined, 0.05);
      costs.record('custom:slow', undefined, 30);
    }
    expect(size(noop)).toBe(256); // about 16 ms of 0.05 ms tasks, at most 256
    expect(size(slow)).toBe(1);
    for (let i = 0; i < 40; i++) costs.record('custom:noop', undefined, 0.5);
    expect(size(noop)).toBe(32); // 16 ms of 0.5 ms tasks
    // A type that turns expensive stops sharing calls.
    for (let i = 0; i < 20; i++) costs.record('custom:noop', undefined, 5);
    expect(size(noop)).toBe(1);
    // The model batches keep their size.
    expect(size(cheap.key(job('EmbeddingGeneration', 0).task) as string)).toBe(8);
    expect(cheap.maxBatchSize).toBe(256);
    // cheapTaskMs: 0 turns it off.
    expect(poolBatchPolicy(resolveBatching({ cheapTaskMs: 0 }), 'auto', new TaskCosts(0)).key(bare('custom:noop'))).toBeUndefined();
  });

});

describe('textSize (the size hint of length-aware batching)', () => {
  it('is the length of the text, or of the longest of a list, and stops counting past MAX_TEXT_SIZE', () => {
    expect(textSize(job('EmbeddingGeneration', 0, 'm', { input: { kind: 'text', text: 'four' } }).task)).toBe(4);
    expect(textSize(job('EmbeddingGeneration', 0, 'm', { input: { kind: 'custom', value: { texts: ['ab', 'abcde', 7] } } }).task)).toBe(5);
    expect(textSize(job('EmbeddingGeneration', 0, 'm', { input: { kind: 'custom', value: { other: 1 } } }).task)).toBe(0);
    // A 5 MB text pads a batch no more than any text the model cannot read whole.
    expect(textSize(job('EmbeddingGeneration', 0, 'm', { input: { kind: 'text', text: 'x'.repeat(5_000_000) } }).task)).toBe(MAX_TEXT_SIZE);
    expect(textSize(job('EmbeddingGeneration', 0, 'm', { input: { kind: 'text', text: 'x'.repeat(MAX_TEXT_SIZE - 1) } }).task)).toBe(MAX_TEXT_SIZE - 1);
  });
});

describe('splitJobResult', () => {
  it('gives each task the batch time, an even share of bytes, its batch size and its own measurements', () => {
    const vector = new Float32Array(4);
    const outcomes = splitJobResult(
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
    const outcomes = splitJobResult({ outcomes: [], shared: {}, models: [] }, 1);
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code: 'execution' } });
  });
});
