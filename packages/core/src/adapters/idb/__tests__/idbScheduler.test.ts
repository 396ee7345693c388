import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { TaskScheduler } from '../../../scheduler/taskScheduler.js';
import { TaskStatus, type TaskId } from '../../../task.js';
import { isTaskweaveError } from '../../../errors.js';
import { flush, fnExecutor, manualExecutor } from '../../../__tests__/helpers.js';
import { IdbTaskStore } from '../idbTaskStore.js';

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
    // The executor has a task only once its Running record is durable: wait for the call.
    const called = (id: string) => m.called(id);
    const done = await first.submit(job('done'));
    await called(done);
    m.callFor(done).resolve({ kind: 'text', text: 'once' });
    await first.wait(done);
    const interrupted = await first.submit(job('interrupted', { maxRetries: 2 }));
    const pending = await first.submit(job('pending', { dependencies: [done] }));
    await called(interrupted);
    expect((await store1.get(interrupted))?.status).toBe('Running');
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

describe('TaskScheduler on IdbTaskStore: one bad record fails only itself', () => {
  const custom = (value: unknown) => ({ type: 'custom:x' as const, input: { kind: 'custom' as const, value } });

  it('four submits in one turn, one with a function in its input: only that one is refused, naming the field', async () => {
    const store = new IdbTaskStore({ name: `sched-${process.pid}-3` });
    const s = new TaskScheduler({ executor: manualExecutor(1).executor, store });
    await s.ready();
    const outcomes = await Promise.allSettled([
      s.submit(custom({ n: 1 })),
      s.submit(custom({ n: 2, fn: () => 2 })),
      s.submit(custom({ n: 3 })),
      s.submit(job('four')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'validation', field: 'input.value.fn' });
    for (const o of outcomes) if (o.status === 'fulfilled') expect((await store.get(o.value))?.status).toBeDefined();
    await s.close();
    await store.close();
  });

  it('a value only IndexedDB refuses fails its own submit; the running task’s Completed in the same write lands', async () => {
    const store = new IdbTaskStore({ name: `sched-${process.pid}-4` });
    // One 'put' change per committed transaction, with every record it wrote.
    const commits: { id: string; status: string }[][] = [];
    store.subscribe((change) => {
      if (change.type === 'put') commits.push(change.records.map((r) => ({ id: r.id, status: r.status })));
    });
    const m = manualExecutor(2);
    const s = new TaskScheduler({ executor: m.executor, store });
    await s.ready();
    const a = await s.submit(job('a'));
    await vi.waitFor(() => m.callFor(a));
    // While the filler's transaction runs, the rest gathers into the store's next transaction.
    const filler = s.submit(job('filler'));
    await flush();
    m.callFor(a).resolve({ kind: 'text', text: 'A' });
    await flush();
    const outcomes = Promise.allSettled([s.submit(custom({ n: 1 })), s.submit(custom({ view: new Proxy({ x: 1 }, {}) })), s.submit(custom({ n: 3 }))]);
    await filler;
    const [good1, bad, good2] = await outcomes;
    expect([good1?.status, bad?.status, good2?.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (bad as PromiseRejectedResult).reason;
    expect(error).toMatchObject({ code: 'validation', field: 'input.value.view' });
    expect(String(error.message)).toMatch(/Task [0-9a-f-]{36}: input\.value\.view cannot be stored/);
    // The store's group commit was exercised: the end and both good submits shared a transaction.
    const shared = commits.find((c) => c.some((r) => r.id === a && r.status === TaskStatus.Completed));
    const goodIds = [good1, good2].map((o) => (o as PromiseFulfilledResult<TaskId>).value);
    expect(shared?.map((r) => r.id)).toEqual(expect.arrayContaining(goodIds));
    expect((await s.wait(a)).status).toBe(TaskStatus.Completed);
    expect((await store.get(a))?.status).toBe(TaskStatus.Completed);
    await s.close();
    await store.close();
  });

  it('an output IndexedDB cannot store is never reported Completed: wait rejects naming it, the store keeps Running', async () => {
    const store = new IdbTaskStore({ name: `sched-${process.pid}-5` });
    const m = manualExecutor(2);
    const s = new TaskScheduler({ executor: m.executor, store });
    const errors: unknown[] = [];
    s.subscribe((e) => e.type === 'error' && errors.push(e.error));
    await s.ready();
    const a = await s.submit(job('a'));
    const b = await s.submit(job('b'));
    await vi.waitFor(() => m.callFor(b));
    m.callFor(a).resolve({ kind: 'custom', value: { p: new Proxy({}, {}) } });
    m.callFor(b).resolve({ kind: 'text', text: 'B' });
    const error = await s.wait(a).catch((e: unknown) => e);
    expect(isTaskweaveError(error, 'validation')).toBe(true);
    expect(error).toMatchObject({ field: 'output.value.p', details: { taskId: a } });
    expect(errors).toContain(error);
    expect((await store.get(a))?.status).toBe(TaskStatus.Running);
    expect((await s.wait(b)).status).toBe(TaskStatus.Completed);
    expect((await store.get(b))?.status).toBe(TaskStatus.Completed);
    await s.close();
    await store.close();
  });
});
