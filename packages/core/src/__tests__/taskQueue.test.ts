import { describe, expect, it } from 'vitest';
import { TaskQueue, type QueueItem } from '../taskQueue.js';
import type { TaskId, TaskPriority } from '../task.js';

function item(seq: number, priority: TaskPriority, deadline = Number.POSITIVE_INFINITY, readyAt = 0): QueueItem<number> {
  return { owner: seq, id: `t${seq}` as TaskId, priority, deadline, seq, readyAt, queued: false };
}

/** The ordering rule written the slow, obvious way: priority, deadline, submission order. */
function reference(items: QueueItem<number>[]): number[] {
  return [...items]
    .sort((a, b) => b.priority - a.priority || a.deadline - b.deadline || a.seq - b.seq)
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
