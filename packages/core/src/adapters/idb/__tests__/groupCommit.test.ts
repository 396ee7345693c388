import { describe, expect, it } from 'vitest';
import { GroupCommit, RejectItems } from '../groupCommit.js';

/** A gather that resolves only when the test says so. */
function manualGather() {
  const waiting: (() => void)[] = [];
  return {
    gather: () => new Promise<void>((resolve) => waiting.push(resolve)),
    get asked() {
      return waiting.length;
    },
    release() {
      waiting.shift()?.();
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('GroupCommit', () => {
  it('takes a batch once gather resolves: items queued meanwhile (a later event) share its commit, in order', async () => {
    const g = manualGather();
    const commits: string[][] = [];
    const gc = new GroupCommit<string>({ commit: async (items) => void commits.push([...items]), gather: g.gather });
    const done = [gc.enqueue('a')];
    await tick(); // a later macrotask, before the store gathered
    done.push(gc.enqueue('b'), gc.enqueue('c'));
    expect(commits).toEqual([]);
    expect(g.asked).toBe(1);
    g.release();
    await Promise.all(done);
    expect(commits).toEqual([['a', 'b', 'c']]);
  });

  it('gathers again after a commit, so what its callers write next joins the following batch', async () => {
    const g = manualGather();
    const commits: string[][] = [];
    const gc = new GroupCommit<string>({ commit: async (items) => void commits.push([...items]), gather: g.gather });
    const next: Promise<void>[] = [];
    const first = gc.enqueue('end').then(() => {
      next.push(gc.enqueue('start 1'));
    });
    const other = gc.enqueue('other end').then(() => {
      next.push(gc.enqueue('start 2'));
    });
    g.release();
    await Promise.all([first, other]);
    while (g.asked === 0) await tick();
    g.release();
    await Promise.all(next);
    expect(commits).toEqual([
      ['end', 'other end'],
      ['start 1', 'start 2'],
    ]);
    expect(gc.commits).toBe(2);
  });

  it('RejectItems fails only the named items and commits the rest again; any other error fails the batch', async () => {
    const attempts: string[][] = [];
    const gc = new GroupCommit<string>({
      commit: async (items) => {
        attempts.push([...items]);
        const bad = items.indexOf('bad');
        if (bad >= 0) throw new RejectItems(new Map([[bad, new Error('bad alone')]]));
        if (items.includes('all')) throw new Error('whole batch');
      },
      gather: () => Promise.resolve(),
    });
    const outcomes = await Promise.allSettled(['x', 'bad', 'y'].map((item) => gc.enqueue(item)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(attempts).toEqual([
      ['x', 'bad', 'y'],
      ['x', 'y'],
    ]);
    const whole = await Promise.allSettled(['p', 'all'].map((item) => gc.enqueue(item)));
    expect(whole.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('waits past the microtask turn by default (one macrotask), so the writes its first item sets off join', async () => {
    const commits: string[][] = [];
    const gc = new GroupCommit<string>({ commit: async (items) => void commits.push([...items]) });
    const first = gc.enqueue('a');
    // Promise callbacks of the same event, several turns deep: still before the batch is taken.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    await Promise.all([first, gc.enqueue('b')]);
    expect(commits).toEqual([['a', 'b']]);
  });
});
