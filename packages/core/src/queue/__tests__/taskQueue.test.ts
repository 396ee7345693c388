import { describe, expect, it } from 'vitest';
import { TaskQueue, type QueueItem } from '../taskQueue.js';
import type { TaskId, TaskPriority } from '../../task.js';

/** `deadline` Infinity: no deadline, which the queue holds as undefined (as the scheduler's `enqueue` does). */
function item(seq: number, priority: TaskPriority, deadline = Number.POSITIVE_INFINITY, readyAt = 0): QueueItem<number> {
  return { owner: seq, id: `t${seq}` as TaskId, priority, deadline: deadline === Number.POSITIVE_INFINITY ? undefined : deadline, seq, readyAt, queued: false };
}

/** The ordering rule written the slow, obvious way: priority, deadline, submission order. */
function reference(items: QueueItem<number>[]): number[] {
  return [...items]
    .sort((a, b) => b.priority - a.priority || (a.deadline ?? Infinity) - (b.deadline ?? Infinity) || a.seq - b.seq)
    .map((i) => i.seq);
}

describe('TaskQueue (no ageing)', () => {
  it('pops in priority, deadline, submission order whatever order the tasks arrive in', () => {
    // Tasks without a deadline arriving in order take the FIFO lane; older ones arriving late
    // (retries, dependents) and ones with deadlines take the heap. Both must interleave right.
    let state = 7;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state % n;
    };
    for (let round = 0; round < 50; round++) {
      const queue = new TaskQueue<number>(Number.POSITIVE_INFINITY);
      const live: QueueItem<number>[] = [];
      const popped: number[] = [];
      const expected: number[] = [];
      let seq = 1000;
      for (let step = 0; step < 400; step++) {
        const op = rand(10);
        if (op < 6) {
          // mostly increasing seqs, sometimes an old one (a retry or a dependent made ready)
          const s = rand(4) === 0 ? rand(1000) : ++seq;
          const deadline = rand(3) === 0 ? 10_000 + rand(50) : Number.POSITIVE_INFINITY;
          const it = item(s, rand(4) as TaskPriority, deadline);
          queue.push(it);
          live.push(it);
        } else if (op < 8 && live.length > 0) {
          const [victim] = live.splice(rand(live.length), 1);
          queue.remove(victim!);
        } else {
          const want = reference(live)[0];
          const got = queue.pop(0);
          expect(got?.owner).toBe(want);
          if (got !== undefined) live.splice(live.indexOf(got), 1);
          if (want !== undefined) expected.push(want);
          if (got !== undefined) popped.push(got.owner);
        }
        expect(queue.size).toBe(live.length);
      }
      // drain
      while (live.length > 0) {
        const want = reference(live)[0]!;
        const got = queue.pop(0)!;
        expect(got.owner).toBe(want);
        live.splice(live.indexOf(got), 1);
      }
      expect(queue.pop(0)).toBeUndefined();
      expect(popped).toEqual(expected);
    }
  });

  it('an old task pushed after newer ones of its level still goes first', () => {
    const queue = new TaskQueue<number>(Number.POSITIVE_INFINITY);
    for (const s of [5, 6, 7]) queue.push(item(s, 1));
    queue.push(item(2, 1)); // a retry of an earlier submission
    expect([1, 2, 3, 4].map(() => queue.pop(0)?.owner)).toEqual([2, 5, 6, 7]);
  });
});

describe('TaskQueue (ageing)', () => {
  it('before any queued task has waited agingMs, pops in the plain order; the moment one has, it is lifted', () => {
    const agingMs = 1_000;
    const queue = new TaskQueue<number>(agingMs);
    queue.push(item(1, 0, Number.POSITIVE_INFINITY, 0)); // Low, ready at 0
    for (let s = 2; s <= 5; s++) queue.push(item(s, 1, Number.POSITIVE_INFINITY, 100 * s)); // Normal, later
    expect(queue.pop(500)?.owner).toBe(2);
    expect(queue.pop(999)?.owner).toBe(3);
    // Low has waited agingMs: it counts as Normal, and among Normals the aged one goes first.
    expect(queue.pop(1_000)?.owner).toBe(1);
    expect([queue.pop(1_000)?.owner, queue.pop(1_000)?.owner, queue.pop(1_000)]).toEqual([4, 5, undefined]);
    // An old task pushed late (a retry ready since long ago) is aged at once.
    queue.push(item(6, 2, Number.POSITIVE_INFINITY, 5_000)); // High, fresh
    queue.push(item(7, 0, Number.POSITIVE_INFINITY, 2_000)); // Low, ready 3 s ago: three levels up
    expect(queue.pop(5_000)?.owner).toBe(7);
    expect(queue.pop(5_000)?.owner).toBe(6);
  });

  it('keeps memory bounded while nothing has aged: what was popped leaves the age order too', () => {
    const queue = new TaskQueue<number>(1_000_000);
    let seq = 0;
    // A steady stream: 20 queued at any time, 20,000 through, all younger than agingMs.
    for (let i = 0; i < 20; i++) queue.push(item(++seq, (seq % 4) as TaskPriority, Number.POSITIVE_INFINITY, seq));
    for (let i = 0; i < 20_000; i++) {
      expect(queue.pop(seq)).toBeDefined();
      queue.push(item(++seq, (seq % 4) as TaskPriority, Number.POSITIVE_INFINITY, seq));
    }
    expect(queue.size).toBe(20);
    // Each queued task is held twice (its level's order and its level's age order), plus at most
    // the compaction slack of the FIFOs: nowhere near the 20,000 that went through.
    expect(queue.held).toBeLessThan(2 * 20 + 8 * 1_100);
  });

  it('with ageing on, tasks younger than agingMs pop exactly as without ageing', () => {
    let state = 3;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state % n;
    };
    for (let round = 0; round < 30; round++) {
      const queue = new TaskQueue<number>(1_000_000);
      const live: QueueItem<number>[] = [];
      let seq = 0;
      let now = 0;
      for (let step = 0; step < 300; step++) {
        now += rand(5);
        const op = rand(10);
        if (op < 6) {
          const it = item(++seq, rand(4) as TaskPriority, rand(3) === 0 ? 10_000 + rand(50) : Number.POSITIVE_INFINITY, now);
          queue.push(it);
          live.push(it);
        } else if (op < 7 && live.length > 0) {
          queue.remove(live.splice(rand(live.length), 1)[0]!);
        } else {
          const got = queue.pop(now);
          expect(got?.owner).toBe(reference(live)[0]);
          if (got !== undefined) live.splice(live.indexOf(got), 1);
        }
      }
    }
  });
});
