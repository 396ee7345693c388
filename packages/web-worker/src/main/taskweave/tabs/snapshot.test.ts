/**
 * `tw.snapshot()`: the queue and the worker pool from any tab. The leader reads its own; a
 * follower asks the leader over the tabs' channel; with no leader to answer, a follower answers
 * itself after a second with what it has. Real workers, IndexedDB and Web Locks.
 */
import { TaskStatus } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { createTaskweave } from '../../../index.js';
import { closeAfterEach } from '../../../__tests__/fixtures/closeAfterEach.js';

const { open } = closeAfterEach();
const createWorker = () => new Worker(new URL('../../../__tests__/fixtures/test.worker.ts', import.meta.url), { type: 'module' });
const sleep = (ms: number) => ({ type: 'custom:sleep' as const, input: { kind: 'text' as const, text: String(ms) } });

describe('tw.snapshot', () => {
  it("a follower gets the leader's pool and queue; after the leader closes it leads and reads its own", async () => {
    const name = `snapshot-${crypto.randomUUID()}`;
    const leader = await createTaskweave({ name, pool: { size: 2, createWorker } });
    open.push(leader);
    const follower = await createTaskweave({ name, pool: { size: 1, createWorker } });
    open.push(follower);
    expect(follower.role).toBe('follower');

    const [long] = await follower.submitMany([sleep(60_000), sleep(60_000), sleep(60_000)]);
    await expect.poll(async () => (await leader.get(long!))?.status, { timeout: 20_000 }).toBe(TaskStatus.Running);
    const own = await leader.snapshot();
    expect(own.tab.role).toBe('leader');
    expect(own.leaderTabId).toBe(own.tab.id);
    await expect
      .poll(async () => {
        const s = await follower.snapshot();
        return { role: s.tab.role, leader: s.leaderTabId, size: s.pool?.size, busy: s.pool?.workers.filter((w) => w.taskIds.length > 0).length, running: s.queue?.running, pending: s.queue?.byStatus.Pending };
      }, { timeout: 20_000 })
      .toEqual({ role: 'follower', leader: own.tab.id, size: 2, busy: 2, running: 2, pending: 1 });
    const asked = await follower.snapshot();
    expect(asked.tab.id).not.toBe(own.tab.id);
    expect(asked.pool?.workers.flatMap((w) => w.taskIds)).toContain(long);

    await leader.close();
    await expect.poll(() => follower.role, { timeout: 20_000 }).toBe('leader');
    const mine = await follower.snapshot();
    expect(mine).toMatchObject({ tab: { id: asked.tab.id, role: 'leader' }, leaderTabId: asked.tab.id, pool: { size: 1 } });
    // The interrupted tasks run again here: one at a time in this tab's one worker.
    await expect.poll(async () => (await follower.snapshot()).queue?.running, { timeout: 20_000 }).toBe(1);
  });

  it('with no leader to answer, a follower answers itself: no leader, no pool, the last counts it heard', async () => {
    const name = `snapshot-${crypto.randomUUID()}`;
    // The test holds the leader lock, so the tab stays a follower and no tab answers.
    let letGo!: () => void;
    const held = new Promise<void>((resolve) => (letGo = resolve));
    await new Promise<void>((locked) => void navigator.locks.request(`taskweave:${name}:leader`, () => (locked(), held)));
    const follower = await createTaskweave({ name, pool: { size: 1, createWorker } });
    open.push(follower);
    expect(follower.role).toBe('follower');
    const snapshot = await follower.snapshot();
    expect(snapshot).toMatchObject({ tab: { role: 'follower' }, leaderTabId: undefined, queue: undefined, pool: undefined });
    letGo();
    await expect.poll(() => follower.role, { timeout: 20_000 }).toBe('leader');
  });
});
