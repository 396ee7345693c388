import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { TaskScheduler } from '../../scheduler.js';
import { TaskStatus, type TaskId } from '../../task.js';
import { fnExecutor, manualExecutor } from '../../__tests__/helpers.js';
import { IdbTaskStore } from './idbTaskStore.js';

const job = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'TextProcessing' as const, input: { kind: 'text' as const, text }, ...extra });

describe('TaskScheduler on IdbTaskStore', () => {
  it('runs tasks with dependencies and keeps every result in the database', async () => {
    const name = `sched-${process.pid}-1`;
    const store = new IdbTaskStore({ name });
    const scheduler = new TaskScheduler({ executor: fnExecutor(), store, concurrency: 4 });
    const roots = await Promise.all(Array.from({ length: 40 }, (_, i) => scheduler.submit(job(`root ${i}`))));
    const leaves = await Promise.all(roots.map((dep, i) => scheduler.submit(job(`leaf ${i}`, { dependencies: [dep] }))));
    const results = await Promise.all([...roots, ...leaves].map((id) => scheduler.wait(id)));
    expect(results.every((r) => r.status === TaskStatus.Completed)).toBe(true);
    await scheduler.close();
    await store.close();

    const reopened = new IdbTaskStore({ name });
    expect((await reopened.load()).active).toEqual([]);
    const leaf = await reopened.get(leaves[7] as TaskId);
    expect(leaf?.result?.output).toEqual({ kind: 'text', text: 'leaf 7' });
    expect(store.commitCount).toBeLessThan(roots.length * 2 + leaves.length * 3);
    await reopened.close();
  });

  it('a new scheduler on the same database resumes unfinished tasks and never reruns finished ones', async () => {
    const name = `sched-${process.pid}-2`;
    const store1 = new IdbTaskStore({ name });
    const m = manualExecutor(1);
    const first = new TaskScheduler({ executor: m.executor, store: store1, concurrency: 1 });
    const done = await first.submit(job('done'));
    // The executor gets a task once its Running record is durable: a few IndexedDB turns.
    await vi.waitFor(() => m.callFor(done));
    m.callFor(done).resolve({ kind: 'text', text: 'once' });
    await first.wait(done);
    const interrupted = await first.submit(job('interrupted', { maxRetries: 2 }));
    const pending = await first.submit(job('pending', { dependencies: [done] }));
    await vi.waitFor(() => m.callFor(interrupted));
    await first.close(); // like a page reload while 'interrupted' runs
    await store1.close();

    const exec = fnExecutor();
    const store2 = new IdbTaskStore({ name });
    const second = new TaskScheduler({ executor: exec, store: store2, retryDelay: 0 });
    expect(await second.ready()).toMatchObject({ resumed: 1, interrupted: 1, failed: 0, quarantined: 0 });
    expect((await second.wait(interrupted)).status).toBe(TaskStatus.Completed);
    expect((await second.wait(pending)).output).toEqual({ kind: 'text', text: 'pending' });
    expect((await second.wait(done)).output).toEqual({ kind: 'text', text: 'once' });
    expect(exec.order).not.toContain(done);
    await second.close();
    await store2.close();
  });
});
