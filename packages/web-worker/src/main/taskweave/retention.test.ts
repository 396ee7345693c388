import { TaskStatus, type Executor } from '@taskweave/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaskweave, type Taskweave } from '../../index.js';

// Real IndexedDB and Web Locks; a plain executor instead of workers: retention is about the store.
const executor = (): Executor => ({ execute: async (task) => ({ kind: 'text', text: task.input.kind === 'text' ? task.input.text : '' }) });
const job = (text: string) => ({ type: 'custom:echo' as const, input: { kind: 'text' as const, text } });
const open: Taskweave[] = [];
afterEach(async () => {
  for (const tw of open.splice(0)) await tw.close();
});

/** Finished records in the database, counted with IndexedDB itself. */
async function finishedInStore(name: string): Promise<number> {
  const db = await openDb(`taskweave:${name}`);
  try {
    return await new Promise<number>((resolve, reject) => {
      const request = db.transaction('tasks').objectStore('tasks').index('done').count();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

function openDb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

describe('retention through createTaskweave', () => {
  it('prune() removes finished tasks by count in any tab; wait reads what is left from the store', async () => {
    const name = `retention-${crypto.randomUUID()}`;
    const leader = await createTaskweave({ name, executor });
    open.push(leader);
    const follower = await createTaskweave({ name, executor });
    open.push(follower);
    expect(follower.role).toBe('follower');
    const ids = await leader.submitMany(Array.from({ length: 30 }, (_, i) => job(`t${i}`)));
    await Promise.all(ids.map((id) => leader.wait(id)));
    expect(await leader.prune({ keepLast: 20 })).toBe(10);
    expect(await follower.prune({ keepLast: 5 })).toBe(15);
    expect(await finishedInStore(name)).toBe(5);
    expect((await leader.wait(ids[29]!)).status).toBe(TaskStatus.Completed);
    expect(await leader.get(ids[0]!)).toBeUndefined();
  });

  it('the retention option prunes by its rule once the tab leads', async () => {
    const name = `retention-${crypto.randomUUID()}`;
    const first = await createTaskweave({ name, executor });
    const ids = await first.submitMany(Array.from({ length: 12 }, (_, i) => job(`t${i}`)));
    await Promise.all(ids.map((id) => first.wait(id)));
    await first.close();
    const second = await createTaskweave({ name, executor, retention: { keepLast: 2, everyMs: 60_000 } });
    open.push(second);
    await expect.poll(() => finishedInStore(name), { timeout: 5_000 }).toBe(2);
    expect(await second.prune()).toBe(0); // the same rule by hand
  });
});
