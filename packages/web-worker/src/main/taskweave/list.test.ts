/**
 * `tw.list`: a page of tasks from the shared store, the same in every tab, in the list order
 * (unfinished newest submitted first, then finished most recently ended first), filtered and
 * paged. Real IndexedDB and Web Locks; a plain executor stands in for workers (list reads the store).
 */
import { TaskStatus, ValidationError, type Executor, type TaskId, type TaskState } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { createTaskweave, type Taskweave } from '../../index.js';
import { closeAfterEach } from '../../__tests__/fixtures/closeAfterEach.js';

const { open } = closeAfterEach();

/** Runs `custom:hold` tasks until `release()`; every other task ends at once. */
function holdingExecutor() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const executor = (): Executor => ({
    execute: async (task) => {
      if (task.type === 'custom:hold') await released;
      return { kind: 'text', text: task.type };
    },
  });
  return { executor, release };
}

async function allPages(tw: Taskweave, query: Parameters<Taskweave['list']>[0]): Promise<TaskState[]> {
  const out: TaskState[] = [];
  let cursor: string | undefined;
  do {
    const page = await tw.list({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...page.tasks);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}

describe('tw.list', () => {
  it('lists running, pending and finished tasks in list order, in the leader and a follower, page by page', async () => {
    const name = `list-${crypto.randomUUID()}`;
    const { executor, release } = holdingExecutor();
    const leader = await createTaskweave({ name, executor, scheduler: { concurrency: 1 } });
    open.push(leader);
    const follower = await createTaskweave({ name, executor });
    open.push(follower);
    expect(follower.role).toBe('follower');

    const done = await leader.submitMany(Array.from({ length: 5 }, (_, i) => ({ type: 'custom:echo', input: { kind: 'text' as const, text: `d${i}` } })));
    for (const id of done) await leader.wait(id); // one by one: each ends after the one before
    const held = await leader.submit({ type: 'custom:hold', input: { kind: 'text', text: 'hold' }, modelId: 'use-lite' });
    await expect.poll(async () => (await leader.get(held))?.status, { timeout: 20_000 }).toBe(TaskStatus.Running);
    // Behind the held one (concurrency 1): Pending, from both tabs.
    const pending = [
      await leader.submit({ type: 'custom:echo', input: { kind: 'text', text: 'p1' }, modelId: 'use-lite' }),
      ...(await follower.submitMany([2, 3].map((i) => ({ type: 'custom:echo', input: { kind: 'text' as const, text: `p${i}` } })))),
    ];

    const expected: TaskId[] = [...pending.slice().reverse(), held, ...done.slice().reverse()];
    for (const tw of [leader, follower]) {
      const first = await tw.list();
      expect(first.tasks.map((t) => t.id)).toEqual(expected);
      expect(first.nextCursor).toBeUndefined();
      expect(first.tasks.map((t) => t.status)).toEqual([...pending.map(() => TaskStatus.Pending), TaskStatus.Running, ...done.map(() => TaskStatus.Completed)]);
      expect(first.tasks.at(-1)?.result?.output).toEqual({ kind: 'text', text: 'custom:echo' });
      expect((await allPages(tw, { limit: 2 })).map((t) => t.id)).toEqual(expected);
      expect((await allPages(tw, { model: 'use-lite', limit: 1 })).map((t) => t.id)).toEqual([pending[0], held]);
      expect((await tw.list({ status: TaskStatus.Running })).tasks.map((t) => t.id)).toEqual([held]);
      expect((await tw.list({ status: [TaskStatus.Completed], type: 'custom:echo', limit: 3 })).tasks.map((t) => t.id)).toEqual(done.slice(2).reverse());
      expect((await tw.list({ type: 'custom:hold' })).tasks.map((t) => t.id)).toEqual([held]);
    }

    release();
    await Promise.all([held, ...pending].map((id) => follower.wait(id)));
    // All finished now: the held task ended before the three that waited behind it.
    const after = (await follower.list()).tasks;
    expect(after.every((t) => t.status === TaskStatus.Completed)).toBe(true);
    expect(after.map((t) => t.id).indexOf(held)).toBeGreaterThan(after.map((t) => t.id).indexOf(pending[0]!));
  });

  it('a bad query rejects with a ValidationError naming the field, in any tab', async () => {
    const name = `list-${crypto.randomUUID()}`;
    const { executor } = holdingExecutor();
    const leader = await createTaskweave({ name, executor });
    open.push(leader);
    const follower = await createTaskweave({ name, executor });
    open.push(follower);
    for (const tw of [leader, follower]) {
      await expect(tw.list({ limit: 5000 })).rejects.toBeInstanceOf(ValidationError);
      await expect(tw.list({ limit: 0 })).rejects.toMatchObject({ field: 'limit' });
      await expect(tw.list({ cursor: 'x' })).rejects.toMatchObject({ field: 'cursor' });
      await expect(tw.list({ status: 'Done' as TaskStatus })).rejects.toMatchObject({ field: 'status' });
    }
  });
});
