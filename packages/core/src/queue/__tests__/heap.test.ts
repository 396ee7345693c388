/** The ready queue's min-heap: pops in `less` order whatever the push order, ties included. */
import { describe, expect, it } from 'vitest';
import { prng } from '../../../../../scripts/prng.mjs';
import { Heap } from '../heap.js';

const drain = <T>(heap: Heap<T>): T[] => {
  const out: T[] = [];
  while (heap.size > 0) out.push(heap.pop() as T);
  return out;
};

describe('Heap', () => {
  it('is empty at first: size 0, peek and pop undefined', () => {
    const heap = new Heap<number>((a, b) => a < b);
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
  });

  it('peeks and pops the least item first', () => {
    const heap = new Heap<number>((a, b) => a < b);
    for (const n of [5, 3, 8, 1, 9, 1]) heap.push(n);
    expect(heap.size).toBe(6);
    expect(heap.peek()).toBe(1);
    expect(drain(heap)).toEqual([1, 1, 3, 5, 8, 9]);
  });

  it('follows the comparator given (a max-heap by reversing it)', () => {
    const heap = new Heap<number>((a, b) => a > b);
    for (const n of [2, 7, 4]) heap.push(n);
    expect(drain(heap)).toEqual([7, 4, 2]);
  });

  it('pops the least of what it holds, over thousands of seeded keys with pushes between pops', () => {
    const rand = prng(11);
    const heap = new Heap<number>((a, b) => a < b);
    const held: number[] = []; // the reference: kept sorted
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 60; i++) {
        const n = Math.floor(rand() * 1_000);
        heap.push(n);
        held.splice(held.findIndex((x) => x > n) === -1 ? held.length : held.findIndex((x) => x > n), 0, n);
      }
      for (let i = 0; i < 20; i++) expect(heap.pop()).toBe(held.shift());
      expect(heap.size).toBe(held.length);
      expect(heap.peek()).toBe(held[0]);
    }
    expect(drain(heap)).toEqual(held);
  });
});
