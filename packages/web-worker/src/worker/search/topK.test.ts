/** The search's bounded heaps against sorting everything: TopK (ties by id) and KthLargest (the pruning threshold). */
import { describe, expect, it } from 'vitest';
import { prng } from '../../../../../scripts/prng.mjs';
import { KthLargest, TopK } from './topK.js';

describe('TopK', () => {
  it('keeps the k best hits, best first, whatever the offer order', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const top = new TopK(3, ids);
    for (const [score, row] of [[0.1, 0], [0.9, 1], [0.5, 2], [0.7, 3], [0.3, 4]] as const) top.offer(score, row);
    expect(top.size).toBe(3);
    expect(top.drain()).toEqual([{ score: 0.9, row: 1 }, { score: 0.7, row: 3 }, { score: 0.5, row: 2 }]);
  });

  it('ranks equal scores by id (the smaller id first), also when the tie is at the cut', () => {
    const ids = ['d', 'b', 'a', 'c'];
    const top = new TopK(2, ids);
    for (let row = 0; row < ids.length; row++) top.offer(0.5, row);
    expect(top.drain().map((h) => ids[h.row])).toEqual(['a', 'b']);
  });

  it('holds fewer than k when fewer were offered', () => {
    const top = new TopK(10, ['x', 'y']);
    top.offer(0.2, 1);
    top.offer(0.4, 0);
    expect(top.drain()).toEqual([{ score: 0.4, row: 0 }, { score: 0.2, row: 1 }]);
  });

  it('equals a full sort on seeded random scores with many ties', () => {
    const rand = prng(3);
    const n = 2_000;
    const ids = Array.from({ length: n }, (_, i) => `id-${String((i * 7919) % n).padStart(5, '0')}`);
    const scores = Array.from({ length: n }, () => Math.round(rand() * 50) / 50);
    for (const k of [1, 7, 100]) {
      const top = new TopK(k, ids);
      scores.forEach((s, row) => top.offer(s, row));
      const want = scores
        .map((score, row) => ({ score, row }))
        .sort((a, b) => b.score - a.score || ((ids[a.row] as string) < (ids[b.row] as string) ? -1 : 1))
        .slice(0, k);
      expect(top.drain()).toEqual(want);
    }
  });
});

describe('KthLargest', () => {
  it('is -Infinity until k numbers were offered, then the k-th largest, rising only', () => {
    const kth = new KthLargest(3);
    kth.offer(5);
    kth.offer(1);
    expect(kth.value).toBe(-Infinity);
    kth.offer(3);
    expect(kth.value).toBe(1);
    kth.offer(0);
    expect(kth.value).toBe(1);
    kth.offer(4);
    expect(kth.value).toBe(3);
    kth.offer(10);
    expect(kth.value).toBe(4);
  });

  it('equals the k-th of a sort on seeded random numbers, after every offer', () => {
    const rand = prng(5);
    const kth = new KthLargest(10);
    const seen: number[] = [];
    for (let i = 0; i < 500; i++) {
      const x = Math.floor(rand() * 100);
      seen.push(x);
      kth.offer(x);
      const sorted = [...seen].sort((a, b) => b - a);
      expect(kth.value).toBe(sorted.length < 10 ? -Infinity : sorted[9]);
    }
  });
});
