/** The moving mean of a task type's duration: when a type counts as cheap, and how many of it share one call. */
import { describe, expect, it } from 'vitest';
import { MAX_CHEAP_BATCH, TaskCosts } from './taskCosts.js';

const record = (costs: TaskCosts, type: string, ...durations: (number | undefined)[]) => {
  for (const d of durations) costs.record(type, d);
};

describe('TaskCosts', () => {
  it('calls a type cheap only after 4 samples whose mean is under the threshold', () => {
    const costs = new TaskCosts(1);
    record(costs, 'custom:noop', 0.1, 0.1, 0.1);
    expect(costs.isCheap('custom:noop')).toBe(false);
    expect(costs.batchSize('custom:noop')).toBe(1);
    record(costs, 'custom:noop', 0.1);
    expect(costs.isCheap('custom:noop')).toBe(true);
    expect(costs.isCheap('custom:other')).toBe(false);
  });

  it('keeps types apart, and a slow type is never cheap', () => {
    const costs = new TaskCosts(1);
    record(costs, 'fast', 0.2, 0.2, 0.2, 0.2);
    record(costs, 'slow', 5, 5, 5, 5);
    expect(costs.isCheap('fast')).toBe(true);
    expect(costs.isCheap('slow')).toBe(false);
    expect(costs.batchSize('slow')).toBe(1);
  });

  it('follows a type that becomes slow (moving mean, newest sample weighted 0.2)', () => {
    const costs = new TaskCosts(1);
    record(costs, 't', 0.5, 0.5, 0.5, 0.5);
    expect(costs.isCheap('t')).toBe(true);
    // 0.5 → 0.5 + 0.2 × (3 − 0.5) = 1.0: no longer under 1 ms.
    record(costs, 't', 3);
    expect(costs.isCheap('t')).toBe(false);
  });

  it('ignores missing, negative and non-finite durations', () => {
    const costs = new TaskCosts(1);
    record(costs, 't', undefined, -1, Number.NaN, Infinity, 0.1, 0.1, 0.1);
    expect(costs.isCheap('t')).toBe(false);
    record(costs, 't', 0.1);
    expect(costs.isCheap('t')).toBe(true);
  });

  it('batches about 16 ms of work per call: at least 2, at most 256', () => {
    const costs = new TaskCosts(1);
    record(costs, 'half', 0.5, 0.5, 0.5, 0.5);
    expect(costs.batchSize('half')).toBe(32);
    record(costs, 'tiny', 0, 0, 0, 0);
    expect(costs.batchSize('tiny')).toBe(MAX_CHEAP_BATCH);
    expect(MAX_CHEAP_BATCH).toBe(256);
    const high = new TaskCosts(50);
    record(high, 'slowish', 12, 12, 12, 12);
    expect(high.batchSize('slowish')).toBe(2);
  });

  it('is off with a threshold of 0', () => {
    const costs = new TaskCosts(0);
    record(costs, 't', 0, 0, 0, 0, 0);
    expect(costs.isCheap('t')).toBe(false);
    expect(costs.batchSize('t')).toBe(1);
  });
});
