import { describe, expect, it } from 'vitest';
import { MAX_CHEAP_BATCH, TaskCosts } from './taskCosts.js';

describe('TaskCosts', () => {
  it('learns a moving mean per type and model, the newest sample weighing 0.2, from the first sample on', () => {
    const costs = new TaskCosts(1);
    expect(costs.meanMs('EmbeddingGeneration', 'm')).toBeUndefined();
    costs.record('EmbeddingGeneration', 'm', 100);
    expect(costs.meanMs('EmbeddingGeneration', 'm')).toBe(100);
    costs.record('EmbeddingGeneration', 'm', 200);
    expect(costs.meanMs('EmbeddingGeneration', 'm')).toBeCloseTo(120);
    // Another model, or none, is another cost.
    expect(costs.meanMs('EmbeddingGeneration', 'other')).toBeUndefined();
    expect(costs.meanMs('EmbeddingGeneration', undefined)).toBeUndefined();
  });

  it('ignores a missing, negative or non-finite duration', () => {
    const costs = new TaskCosts(1);
    for (const bad of [undefined, -1, Number.NaN, Number.POSITIVE_INFINITY]) costs.record('custom:x', undefined, bad);
    expect(costs.meanMs('custom:x', undefined)).toBeUndefined();
  });

  it('calls a type without a model cheap only after 4 samples under the threshold, and sizes its batches to about 16 ms', () => {
    const costs = new TaskCosts(1);
    for (let i = 0; i < 3; i++) costs.record('custom:noop', undefined, 0.5);
    expect(costs.isCheap('custom:noop')).toBe(false);
    expect(costs.batchSize('custom:noop')).toBe(1);
    costs.record('custom:noop', undefined, 0.5);
    expect(costs.isCheap('custom:noop')).toBe(true);
    expect(costs.batchSize('custom:noop')).toBe(32);
    for (let i = 0; i < 40; i++) costs.record('custom:noop', undefined, 0.001);
    expect(costs.batchSize('custom:noop')).toBe(MAX_CHEAP_BATCH);
    // Only model-less tasks count for cheapness: the same type on a model is measured apart.
    for (let i = 0; i < 8; i++) costs.record('custom:slow', 'm', 0.1);
    expect(costs.isCheap('custom:slow')).toBe(false);
  });

  it('cheapTaskMs 0 turns cheapness off, and still learns the durations placement reads', () => {
    const costs = new TaskCosts(0);
    for (let i = 0; i < 8; i++) costs.record('custom:noop', undefined, 0.05);
    expect(costs.isCheap('custom:noop')).toBe(false);
    expect(costs.batchSize('custom:noop')).toBe(1);
    expect(costs.meanMs('custom:noop', undefined)).toBeCloseTo(0.05);
  });
});
