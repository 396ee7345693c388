import { TaskStatus, type TaskId, type TaskRecord } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { ResultWaiters } from './resultWaiters.js';

const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` as TaskId;
const done = (taskId: TaskId): TaskRecord =>
  ({
    task: { id: taskId },
    status: TaskStatus.Completed,
    seq: 1,
    updatedAt: 1,
    result: { taskId, status: TaskStatus.Completed, output: { kind: 'none' }, metrics: {}, timestamp: 1 },
  }) as unknown as TaskRecord;
const pending = (taskId: TaskId): TaskRecord => ({ task: { id: taskId }, status: TaskStatus.Pending, seq: 1, updatedAt: 1 }) as unknown as TaskRecord;

describe('ResultWaiters (a follower tab’s wait)', () => {
  it('an event costs a map lookup: 10,000 waits, 50,000 events about other tasks, no read; reads are batched', async () => {
    const reads: TaskId[][] = [];
    const ended = new Set<TaskId>();
    const waiters = new ResultWaiters(async (ids) => {
      reads.push([...ids]);
      return ids.map((i) => (ended.has(i) ? done(i) : pending(i)));
    });
    const waits = Array.from({ length: 10_000 }, (_, i) => waiters.wait(id(i)));
    await new Promise((r) => setTimeout(r, 0));
    // The first read of all 10,000 waits is one batch.
    expect(reads.map((r) => r.length)).toEqual([10_000]);
    // Events about tasks nobody waits for start no read (their cost is a map lookup, not timed here).
    for (let i = 0; i < 50_000; i++) waiters.changed(id(100_000 + i));
    await new Promise((r) => setTimeout(r, 0));
    expect(reads).toHaveLength(1);
    // Two of the awaited tasks end: one read, of those two.
    ended.add(id(7));
    ended.add(id(9_999));
    waiters.changed(id(7));
    waiters.changed(id(9_999));
    await expect(waits[7]).resolves.toMatchObject({ taskId: id(7) });
    await expect(waits[9_999]).resolves.toMatchObject({ taskId: id(9_999) });
    expect(reads[1]).toEqual([id(7), id(9_999)]);
    expect(waiters.size).toBe(9_998);
    // A result known in memory settles without a read; a task with no record is not-found.
    waiters.settle(id(8), done(id(8)).result!);
    await expect(waits[8]).resolves.toMatchObject({ taskId: id(8) });
    const missing = new ResultWaiters(async (ids) => ids.map(() => undefined));
    await expect(missing.wait(id(1))).rejects.toMatchObject({ code: 'not-found' });
    for (const wait of waits) wait.catch(() => undefined);
    waiters.rejectAll(new Error('closed'));
    await expect(waits[0]).rejects.toThrow('closed');
  });
});
