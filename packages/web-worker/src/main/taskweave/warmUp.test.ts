/**
 * Waiting for a model is progress too: a task whose model loads in its worker reports the load as
 * its own progress, and `tw.warmUp(model)` works from any tab (a follower asks the leader and gets
 * its progress and report). Real workers and a real model (sotu-gen).
 */
import { TaskStatus } from '@taskweave/core';
import { describe, expect, it } from 'vitest';
import { createTaskweave, type ModelProgress, type Taskweave, type TaskweaveEvent } from '../../index.js';
import { appFrame, type AppFrame } from '../../__tests__/fixtures/appFrames.js';
import { closeAfterEach } from '../../__tests__/fixtures/closeAfterEach.js';

const { open, frames } = closeAfterEach();

describe('model waits and warm-ups', () => {
  it("a task's progress shows its model loading, then its own progress", async () => {
    const tw = await createTaskweave({ name: `wait-${crypto.randomUUID()}`, pool: { size: 1 } });
    open.push(tw);
    const seen: TaskweaveEvent[] = [];
    tw.subscribe((event) => {
      if (event.type === 'progress') seen.push(event);
    });
    const handle = await tw.generate('We must', { model: 'sotu-gen', maxNewTokens: 8 });
    await handle.result;
    await expect.poll(() => seen.filter((e) => e.type === 'progress' && e.taskId === handle.id && e.note === undefined).length).toBeGreaterThan(0);
    const notes = seen.filter((e) => e.type === 'progress' && e.taskId === handle.id).map((e) => (e as { note?: string }).note);
    // The model's load comes first (at least its 'ready'), then the tokens (no note).
    const ready = notes.findIndex((note) => note !== undefined && /^sotu-gen ready on /.test(note));
    expect(ready).toBeGreaterThanOrEqual(0);
    expect(notes.slice(0, ready + 1).every((note) => note !== undefined && note.includes('sotu-gen'))).toBe(true);
  }, 60_000);

  it('warmUp from a follower tab: the leader warms its pool, the follower gets progress and the report', async () => {
    const name = `warm-${crypto.randomUUID()}`;
    const leader = await createTaskweave({ name, pool: { size: 1 } });
    open.push(leader);
    const frame = appFrame(name);
    frames.push(frame);
    const follower = await frame.ready();
    expect(follower.role).toBe('follower');
    const events: (ModelProgress & { workerIndex: number })[] = [];
    const report = await follower.warmUp('sotu-gen', { onProgress: (event) => events.push(event) });
    expect(report).toMatchObject({ modelId: 'sotu-gen', workers: [{ index: 0, ok: true }] });
    expect(events.some((e) => e.status === 'ready')).toBe(true);
    expect(leader.pool?.snapshot().workers[0]?.models).toContain('sotu-gen');
    // A model the leader cannot load: the follower gets the leader's error.
    await expect(follower.warmUp('no-such-model')).rejects.toThrow(/no-such-model/);
    const after = await leader.generate('We must', { model: 'sotu-gen', maxNewTokens: 4 });
    expect((await leader.wait(after.id)).status).toBe(TaskStatus.Completed);
  }, 90_000);
});
