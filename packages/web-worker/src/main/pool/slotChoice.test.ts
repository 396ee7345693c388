/**
 * Which worker a call goes to, on made-up pools (no workers start): model affinity among the free
 * workers, room before recycling, and a worker still starting when none is free.
 */
import { describe, expect, it } from 'vitest';
import { isFree, pickSlot, room, roomOf, startingSlot, type Occupancy } from './slotChoice.js';
import type { WorkerSlot } from './workerSlot.js';
import type { WorkerState } from './workerState.js';

const slot = (index: number, state: WorkerState, models: string[] = [], jobsDone = 0) =>
  ({ index, state, models, jobsDone }) as unknown as WorkerSlot;

function pool(slots: WorkerSlot[], options: { running?: WorkerSlot[]; warming?: number[]; afterTasks?: number } = {}): Occupancy {
  return {
    slots,
    running: new Map((options.running ?? []).map((s) => [s, {}])),
    warmQueue: (options.warming ?? []).map((index) => ({ index })),
    afterTasks: options.afterTasks ?? Infinity,
  };
}

describe('isFree / startingSlot', () => {
  it('a worker is free when idle, running nothing and with no warm-up waiting for it', () => {
    const [a, b, c, d] = [slot(0, 'idle'), slot(1, 'idle'), slot(2, 'idle'), slot(3, 'busy')];
    const p = pool([a, b, c, d], { running: [b], warming: [2] });
    expect([a, b, c, d].map((s) => isFree(p, s))).toEqual([true, false, false, false]);
  });

  it('a starting worker is used only when nothing runs on it or waits for it', () => {
    const [s0, s1, s2] = [slot(0, 'starting'), slot(1, 'starting'), slot(2, 'starting')];
    expect(startingSlot(pool([s0, s1, s2], { running: [s0], warming: [1] }))).toBe(s2);
    expect(startingSlot(pool([s0], { warming: [0] }))).toBeUndefined();
    expect(startingSlot(pool([slot(0, 'dead'), slot(1, 'idle')]))).toBeUndefined();
  });
});

describe('pickSlot', () => {
  it('prefers a free worker that holds the model, else an empty one, else any free one', () => {
    const holder = slot(2, 'idle', ['use-lite']);
    const empty = slot(1, 'idle');
    const other = slot(0, 'idle', ['bert']);
    expect(pickSlot(pool([other, empty, holder]), 'use-lite')).toBe(holder);
    expect(pickSlot(pool([other, empty]), 'use-lite')).toBe(empty);
    expect(pickSlot(pool([other]), 'use-lite')).toBe(other);
  });

  it('never picks a worker that is busy, dead or holds a call, even when it holds the model', () => {
    const busyHolder = slot(0, 'busy', ['m']);
    const runningHolder = slot(1, 'idle', ['m']);
    const dead = slot(2, 'dead', ['m']);
    const free = slot(3, 'idle', ['x']);
    expect(pickSlot(pool([busyHolder, runningHolder, dead, free], { running: [runningHolder] }), 'm')).toBe(free);
  });

  it('falls back to a worker still starting when none is free, else none', () => {
    const starting = slot(1, 'starting');
    expect(pickSlot(pool([slot(0, 'busy'), starting]), 'm')).toBe(starting);
    expect(pickSlot(pool([slot(0, 'busy')]), undefined)).toBeUndefined();
  });

  it('sends a call of several tasks without a model to a worker with room for them before its recycling', () => {
    const nearlyDone = slot(0, 'idle', [], 9);
    const fresh = slot(1, 'idle', ['m'], 2);
    const p = pool([nearlyDone, fresh], { afterTasks: 10 });
    expect(pickSlot(p, undefined, 4)).toBe(fresh);
    // One task fits anywhere: the empty worker first.
    expect(pickSlot(p, undefined, 1)).toBe(nearlyDone);
    // No worker has room for 20: the usual order.
    expect(pickSlot(p, undefined, 20)).toBe(nearlyDone);
  });
});

describe('room / roomOf', () => {
  it('is the most tasks the next call’s worker may run before it is recycled', () => {
    const a = slot(0, 'idle', [], 3);
    const b = slot(1, 'idle', [], 7);
    const p = pool([a, b], { afterTasks: 10 });
    expect(roomOf(p, a)).toBe(7);
    expect(room(p)).toBe(7);
    // b busy: only a counts.
    expect(room(pool([a, b], { afterTasks: 10, running: [b] }))).toBe(7);
    expect(room(pool([a, slot(1, 'busy')], { afterTasks: 10 }))).toBe(7);
  });

  it('with no free worker, is a starting worker’s room, else 1', () => {
    expect(room(pool([slot(0, 'busy'), slot(1, 'starting', [], 4)], { afterTasks: 10 }))).toBe(6);
    expect(room(pool([slot(0, 'busy')], { afterTasks: 10 }))).toBe(1);
  });

  it('is unbounded without recycling', () => {
    expect(room(pool([slot(0, 'idle', [], 1_000)]))).toBe(Infinity);
  });
});
