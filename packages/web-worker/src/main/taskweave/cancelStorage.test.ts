/**
 * Cancel and effects agree: a DataStorage task that ends Cancelled stored nothing, and one whose
 * write committed before the cancel reached it ends Completed (its `cancel()` answers false). Real
 * workers, the real storage handler and IndexedDB; cancels from the leader and from a follower.
 */
import { TaskStatus, type TaskId } from '@taskweave/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaskweave, type Taskweave } from '../../index.js';

const open: Taskweave[] = [];
afterEach(async () => {
  for (const tw of open.splice(0)) await tw.close();
});

const TASKS = 200;
const ROUNDS = 5;

async function ingestAndCancel(leader: Taskweave, canceller: Taskweave, collection: string): Promise<void> {
  const completed = new Set<string>();
  const stop = leader.subscribe((event) => {
    if (event.type === 'status' && event.status === TaskStatus.Completed) completed.add(event.taskId);
  });
  try {
    const handles = await Promise.all(
      Array.from({ length: TASKS }, (_, i) => leader.store(collection, [{ text: `note ${i}`, vector: [1, i, 0.5] }])),
    );
    const ids = handles.map((h) => h.id);
    // Mid-ingest: a quarter done, the rest queued or running.
    await expect.poll(() => completed.size, { timeout: 30_000, interval: 5 }).toBeGreaterThanOrEqual(TASKS / 4);
    const answers = await Promise.all(ids.map((id) => canceller.cancel(id)));
    const results = await Promise.all(ids.map((id) => leader.wait(id)));
    expect(results.filter((r) => r.status !== TaskStatus.Completed && r.status !== TaskStatus.Cancelled)).toEqual([]);
    expect(results.some((r) => r.status === TaskStatus.Cancelled)).toBe(true);
    // cancel() answered true exactly for the tasks that ended Cancelled.
    results.forEach((r, i) => expect({ id: r.taskId, cancelled: answers[i] }).toEqual({ id: r.taskId, cancelled: r.status === TaskStatus.Cancelled }));

    // The collection holds exactly the documents of the Completed tasks (a document's id is `<task id>:0`).
    const listed = await (await canceller.retrieve(collection, { limit: 10_000 })).result;
    const stored = listed.documents.map((d) => d.id.split(':')[0] as TaskId).sort();
    const done = results.filter((r) => r.status === TaskStatus.Completed).map((r) => r.taskId).sort();
    expect(stored).toEqual(done);
  } finally {
    stop();
  }
}

describe('cancelling storage tasks mid-ingest', () => {
  it(`${ROUNDS} rounds from the leader: Cancelled tasks stored nothing, Completed ones stored their document`, async () => {
    const tw = await createTaskweave({ name: `cancel-store-${crypto.randomUUID()}`, pool: { size: 2 } });
    open.push(tw);
    for (let round = 0; round < ROUNDS; round++) await ingestAndCancel(tw, tw, `notes-${round}`);
  }, 120_000);

  it(`${ROUNDS} rounds from a follower tab: the same`, async () => {
    const name = `cancel-store-${crypto.randomUUID()}`;
    const leader = await createTaskweave({ name, pool: { size: 2 } });
    open.push(leader);
    const follower = await createTaskweave({ name, pool: { size: 1 } });
    open.push(follower);
    expect(follower.role).toBe('follower');
    for (let round = 0; round < ROUNDS; round++) await ingestAndCancel(leader, follower, `notes-${round}`);
  }, 120_000);
});
