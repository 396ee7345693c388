import { TaskStatus, type TaskId } from '@taskweave/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaskweave, type Taskweave, type TaskweaveEvent, type TaskweaveOptions } from '../../../index.js';

// Two createTaskweave instances in one page behave as two tabs: same origin, real Web Locks,
// real BroadcastChannel, real IndexedDB, real worker pools.
const createWorker = () => new Worker(new URL('../../../__tests__/fixtures/test.worker.ts', import.meta.url), { type: 'module', name: 'tab-test' });
const open: Taskweave[] = [];
async function tab(name: string, extra: TaskweaveOptions = {}): Promise<Taskweave> {
  const tw = await createTaskweave({ name, pool: { createWorker, size: 1 }, scheduler: { baseDelayMs: 10 }, ...extra });
  open.push(tw);
  return tw;
}
afterEach(async () => {
  for (const tw of open.splice(0)) await tw.close();
});

const echo = (text: string) => ({ type: 'custom:echo' as const, input: { kind: 'text' as const, text } });
const sleep = (ms: number) => ({ type: 'custom:sleep' as const, input: { kind: 'text' as const, text: String(ms) }, maxRetries: 2 });

function countRuns(tw: Taskweave, runs: Map<TaskId, number>): () => void {
  return tw.subscribe((event: TaskweaveEvent) => {
    if (event.type === 'status' && event.status === TaskStatus.Running) runs.set(event.taskId, (runs.get(event.taskId) ?? 0) + 1);
  });
}

describe('several tabs', () => {
  it('one tab runs the tasks; both submit at once; every task runs exactly once', async () => {
    const name = `tabs-${crypto.randomUUID()}`;
    const a = await tab(name);
    const b = await tab(name);
    expect(a.role).toBe('leader');
    expect(b.role).toBe('follower');
    expect(b.pool).toBeUndefined();
    const runs = new Map<TaskId, number>();
    countRuns(a, runs);
    const [idsA, idsB] = await Promise.all([
      Promise.all(Array.from({ length: 15 }, (_, i) => a.submit(echo(`a${i}`)))),
      Promise.all(Array.from({ length: 15 }, (_, i) => b.submit(echo(`b${i}`)))),
    ]);
    // The follower sees results of its own tasks and of the leader's.
    const results = await Promise.all([...idsA, ...idsB].map((id) => b.wait(id)));
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(TaskStatus.Completed));
    expect(results.map((r) => (r.output.kind === 'custom' ? (r.output.value as { text: string }).text : ''))).toEqual([
      ...idsA.map((_, i) => `a${i}`),
      ...idsB.map((_, i) => `b${i}`),
    ]);
    for (const id of [...idsA, ...idsB]) expect(runs.get(id)).toBe(1);
    // The follower can read and cancel through the leader.
    expect((await b.get(idsB[0]!))?.status).toBe(TaskStatus.Completed);
    const long = await b.submit(sleep(60_000));
    await expect.poll(async () => (await a.get(long))?.status, { timeout: 10_000 }).toBe(TaskStatus.Running);
    expect(await b.cancel(long)).toBe(true);
    expect((await b.wait(long)).status).toBe(TaskStatus.Cancelled);
  });

  it('closing the leader hands over: the next tab takes the lead and resumes every task', async () => {
    const name = `tabs-${crypto.randomUUID()}`;
    const a = await tab(name);
    const b = await tab(name);
    const became = new Promise<string>((resolve) => b.onRoleChange(resolve));
    const ids = await b.submitMany(Array.from({ length: 6 }, () => sleep(300)));
    // The follower reads the store: Running there means a worker really took the task.
    await expect.poll(async () => (await b.get(ids[0]!))?.status, { timeout: 10_000 }).toBe(TaskStatus.Running);
    await a.close();
    expect(await became).toBe('leader');
    expect(b.role).toBe('leader');
    const results = await Promise.all(ids.map((id) => b.wait(id)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(TaskStatus.Completed));
    // The task that was running in the old leader was interrupted by the handover, not failed: it
    // resumes in the new one with no retry spent, like the tasks that were still waiting.
    expect(results.map((r) => r.metrics.retryCount)).toEqual(Array(6).fill(0));
  });

  it('a new instance on the same database resumes Pending work and answers wait for old ids', async () => {
    const name = `tabs-${crypto.randomUUID()}`;
    const first = await tab(name);
    const done = await first.submit(echo('before'));
    await first.wait(done);
    const later = await first.submitMany(Array.from({ length: 4 }, () => sleep(200)));
    await first.close();
    const second = await tab(name);
    expect(second.role).toBe('leader');
    expect((await second.wait(done)).output).toMatchObject({ kind: 'custom', value: { text: 'before' } });
    const results = await Promise.all(later.map((id) => second.wait(id)));
    expect(results.every((r) => r.status === TaskStatus.Completed)).toBe(true);
  });

  it('storage and search tasks keep their collections in the database of the taskweave name', async () => {
    const name = `store-${crypto.randomUUID()}`;
    const tw = await tab(name);
    const stored = await tw.submit({
      type: 'DataStorage',
      input: { kind: 'custom', value: { collection: 'notes', documents: [{ id: 'a', text: 'first', vector: [1, 0, 0] }, { id: 'b', vector: [0, 1, 0] }] } },
    });
    expect((await tw.wait(stored)).status).toBe(TaskStatus.Completed);
    const search = await tw.submit({ type: 'VectorSearch', input: { kind: 'query', query: { collection: 'notes', vector: [0.9, 0.1, 0], topK: 1 } } });
    expect((await tw.wait(search)).output).toMatchObject({ kind: 'searchResults', hits: [{ id: 'a' }] });
    // The documents are in taskweave:<name>, beside the tasks, not in the default database.
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(`taskweave:${name}`);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const doc = await new Promise<unknown>((resolve, reject) => {
      const request = db.transaction('documents').objectStore('documents').get(['notes', 'a']);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    expect(doc).toMatchObject({ collection: 'notes', id: 'a', text: 'first' });
  });
});
