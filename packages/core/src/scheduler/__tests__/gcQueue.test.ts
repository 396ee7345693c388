/** Finished work leaving memory: by age on a fake clock, by count at once, oldest first, one timer at a time. */
import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../clock.js';
import { GcQueue } from '../gcQueue.js';
import { T0, useFakeClock } from '../../__tests__/helpers.js';

function queue(gcTimeMs: number, maxItems: number) {
  const evicted: string[] = [];
  const gc = new GcQueue<string>({ gcTimeMs, maxItems, clock: systemClock, evict: (item) => evicted.push(item) });
  return { gc, evicted };
}

describe('GcQueue', () => {
  useFakeClock();

  it('evicts each item gcTimeMs after it was added, oldest first', () => {
    const { gc, evicted } = queue(1_000, Infinity);
    gc.add('a', T0);
    vi.advanceTimersByTime(300);
    gc.add('b', T0 + 300);
    expect(gc.size).toBe(2);
    vi.advanceTimersByTime(699);
    expect(evicted).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(evicted).toEqual(['a']);
    vi.advanceTimersByTime(299);
    expect(evicted).toEqual(['a']);
    vi.advanceTimersByTime(1);
    expect(evicted).toEqual(['a', 'b']);
    expect(gc.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('holds one timer however many items it holds', () => {
    const { gc } = queue(1_000, Infinity);
    for (let i = 0; i < 100; i++) gc.add(`t${i}`, T0);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('evicts the oldest at once when more than maxItems are held', () => {
    const { gc, evicted } = queue(Infinity, 2);
    gc.add('a', T0);
    gc.add('b', T0);
    expect(evicted).toEqual([]);
    gc.add('c', T0);
    expect(evicted).toEqual(['a']);
    expect(gc.size).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(365 * 86_400_000);
    expect(evicted).toEqual(['a']);
  });

  it('with maxItems 0 evicts each item as it comes', () => {
    const { gc, evicted } = queue(1_000, 0);
    gc.add('a', T0);
    expect(evicted).toEqual(['a']);
    expect(gc.size).toBe(0);
  });

  it('never lets an item leave before one added earlier (times kept non-decreasing)', () => {
    const { gc, evicted } = queue(1_000, Infinity);
    gc.add('late', T0 + 500);
    gc.add('stamped-earlier', T0);
    vi.advanceTimersByTime(1_000);
    expect(evicted).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(evicted).toEqual(['late', 'stamped-earlier']);
  });

  it('clear evicts everything now; close forgets without evicting and ignores later adds', () => {
    const { gc, evicted } = queue(1_000, Infinity);
    gc.add('a', T0);
    gc.add('b', T0);
    gc.clear();
    expect(evicted).toEqual(['a', 'b']);
    gc.add('c', T0);
    gc.close();
    expect(gc.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    gc.add('d', T0);
    vi.advanceTimersByTime(10_000);
    expect(evicted).toEqual(['a', 'b']);
    expect(gc.size).toBe(0);
  });

  it('keeps order across its internal compaction (thousands of items)', () => {
    const { gc, evicted } = queue(Infinity, 1_500);
    const n = 5_000;
    for (let i = 0; i < n; i++) gc.add(`t${i}`, T0);
    expect(evicted).toEqual(Array.from({ length: n - 1_500 }, (_, i) => `t${i}`));
    gc.clear();
    expect(evicted).toEqual(Array.from({ length: n }, (_, i) => `t${i}`));
  });
});
