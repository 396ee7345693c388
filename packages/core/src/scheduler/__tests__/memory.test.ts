/**
 * Memory is bounded: finished tasks leave the scheduler's memory after `gcTimeMs` or past
 * `maxFinishedInMemory`, and are read back from the store when asked for.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryTaskStore, TaskScheduler, TaskStatus, TaskType, type TaskId } from '../../index.js';
import { flush, fnExecutor, manualExecutor, text } from '../../__tests__/helpers.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

const job = (label: string, extra: Record<string, unknown> = {}) => ({ type: TaskType.TextProcessing, input: text(label), ...extra });

/** A MemoryTaskStore that counts reads, so a test sees when the scheduler had to ask it. */
function countingStore() {
  const store = new MemoryTaskStore();
  const reads: string[] = [];
  const get = store.get.bind(store);
  store.get = (id) => {
    reads.push(id);
    return get(id);
  };
  return { store, reads };
}

describe('finished tasks leave memory', () => {
  it('after gcTimeMs: wait and get then read the store, and the snapshot still counts them', async () => {
    const { store, reads } = countingStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store, gcTimeMs: 10_000 });
    const id = await s.submit(job('a'));
    expect((await s.wait(id)).output).toEqual(text('a'));
    await vi.advanceTimersByTimeAsync(9_000);
    expect((await s.get(id))?.status).toBe(TaskStatus.Completed);
    expect(reads).toEqual([]); // still in memory
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await s.get(id))?.status).toBe(TaskStatus.Completed);
    expect((await s.wait(id)).output).toEqual(text('a'));
    expect(reads).toEqual([id, id]);
    expect(s.getSnapshot().byStatus.Completed).toBe(1);
    await s.close();
  });

  it('past maxFinishedInMemory, the oldest leave at once', async () => {
    const { store, reads } = countingStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store, maxFinishedInMemory: 3, gcTimeMs: Number.POSITIVE_INFINITY });
    const ids: TaskId[] = [];
    for (let i = 0; i < 5; i++) ids.push(await s.submit(job(`t${i}`)));
    await s.onIdle();
    for (const id of ids) await s.get(id);
    expect(reads).toEqual(ids.slice(0, 2));
    expect(s.getSnapshot().byStatus.Completed).toBe(5);
    await s.close();
  });

  it('a dependent submitted after its dependency left memory still gets its result, from the store', async () => {
    const s = new TaskScheduler({ executor: fnExecutor((task, ctx) => text(ctx.dependencies.map((d) => (d.output.kind === 'text' ? d.output.text : '?')).join('+') || (task.input.kind === 'text' ? task.input.text : ''))), gcTimeMs: 0 });
    const dep = await s.submit(job('dep'));
    await s.wait(dep);
    await vi.advanceTimersByTimeAsync(1);
    const child = await s.submit(job('child', { dependencies: [dep] }));
    expect((await s.wait(child)).output).toEqual(text('dep'));
    await s.close();
  });

  it('a dependency that leaves memory while its dependent still waits on another keeps its result for it', async () => {
    const m = manualExecutor(16);
    const s = new TaskScheduler({ executor: m.executor, maxFinishedInMemory: 0 });
    const a = await s.submit(job('a'));
    const b = await s.submit(job('b'));
    const child = await s.submit(job('child', { dependencies: [a, b] }));
    await flush();
    m.callFor(a).resolve(text('from a'));
    await s.wait(a);
    // Ten more tasks finish meanwhile: nothing finished stays in memory (maxFinishedInMemory 0).
    const others = await s.submitMany(Array.from({ length: 10 }, (_, i) => job(`o${i}`)));
    await flush();
    for (const id of others) m.callFor(id).resolve();
    await Promise.all(others.map((id) => s.wait(id)));
    m.callFor(b).resolve(text('from b'));
    await flush(40);
    const call = m.callFor(child);
    expect(call.ctx.dependencies.map((d) => d.output)).toEqual([text('from a'), text('from b')]);
    call.resolve();
    expect((await s.wait(child)).status).toBe(TaskStatus.Completed);
    await s.close();
  });

  it('a dependency that finishes and leaves memory while its dependent is being submitted still releases it', async () => {
    const m = manualExecutor(2);
    const s = new TaskScheduler({ executor: m.executor, maxFinishedInMemory: 0 });
    const a = await s.submit(job('a'));
    await flush();
    m.callFor(a).resolve(text('from a'));
    // Submitted in the same turn: its checks see `a` running, its admission finds `a` gone.
    const child = s.submit(job('child', { dependencies: [a] }));
    const childId = await child;
    await flush(40);
    const call = m.callFor(childId);
    expect(call.ctx.dependencies.map((d) => d.output)).toEqual([text('from a')]);
    call.resolve();
    expect((await s.wait(childId)).status).toBe(TaskStatus.Completed);
    expect((await s.wait(a)).output).toEqual(text('from a')); // read back from the store
    await s.close();
  });

  it('without a store, a MemoryTaskStore keeps every task found (wait, get, dependencies) until prune() removes them', async () => {
    const s = new TaskScheduler({ executor: fnExecutor(), maxFinishedInMemory: 2, gcTimeMs: 1_000 });
    const first = await s.submit(job('first'));
    await s.wait(first);
    const later = await Promise.all(['b', 'c', 'd', 'e'].map((label) => s.submit(job(label))));
    await s.onIdle();
    await vi.advanceTimersByTimeAsync(60_000);
    // Past both bounds: gone from the scheduler's memory, read back from the MemoryTaskStore it made.
    expect((await s.wait(first)).output).toEqual(text('first'));
    expect((await s.get(first))?.status).toBe(TaskStatus.Completed);
    const dependent = await s.submit(job('after', { dependencies: [first] }));
    expect((await s.wait(dependent)).status).toBe(TaskStatus.Completed);
    // The newest two stay; the others are gone, as a store would prune them.
    await vi.advanceTimersByTimeAsync(1);
    const last = await s.submit(job('last'));
    await s.wait(last);
    expect(await s.prune({ keepLast: 2 })).toBe(5);
    expect(await s.get(first)).toBeUndefined();
    await expect(s.wait(later[0] as TaskId)).rejects.toMatchObject({ code: 'not-found' });
    expect((await s.get(last))?.status).toBe(TaskStatus.Completed);
    expect((await s.get(dependent))?.status).toBe(TaskStatus.Completed);
    // By age: the dependent ended 1 ms before the last one.
    expect(await s.prune({ olderThanMs: 10 })).toBe(0);
    await vi.advanceTimersByTimeAsync(10);
    expect(await s.prune({ olderThanMs: 10 })).toBe(1);
    expect(await s.get(dependent)).toBeUndefined();
    expect((await s.get(last))?.status).toBe(TaskStatus.Completed);
    expect(s.getSnapshot().byStatus.Completed).toBe(7);
    await s.close();
  });

  it('refuses bad gcTimeMs and maxFinishedInMemory naming the option', () => {
    expect(() => new TaskScheduler({ executor: fnExecutor(), gcTimeMs: -1 })).toThrow(/gcTimeMs/);
    expect(() => new TaskScheduler({ executor: fnExecutor(), maxFinishedInMemory: 1.5 })).toThrow(/maxFinishedInMemory/);
  });
});

describe('retention', () => {
  it('prune removes by age and count and lets finished tasks leave memory', async () => {
    const { store, reads } = countingStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store, gcTimeMs: Number.POSITIVE_INFINITY });
    const old = await s.submit(job('old'));
    await s.wait(old);
    await vi.advanceTimersByTimeAsync(60_000);
    const recent = await Promise.all([s.submit(job('r1')), s.submit(job('r2')), s.submit(job('r3'))]);
    await s.onIdle();
    expect(await s.prune({ olderThanMs: 30_000 })).toBe(1);
    expect(await s.get(old)).toBeUndefined();
    expect(await s.prune({ keepLast: 2 })).toBe(1);
    expect(reads).toEqual([old]); // prune itself reads nothing back
    const states = await Promise.all(recent.map((id) => s.get(id)));
    expect(states.filter((t) => t !== undefined)).toHaveLength(2);
    expect(s.getSnapshot().byStatus.Completed).toBe(4);
    await s.close();
  });

  it('the retention option prunes by its rule when ready and then every everyMs', async () => {
    const store = new MemoryTaskStore();
    const prunes: unknown[] = [];
    const prune = store.prune.bind(store);
    store.prune = (options) => {
      prunes.push(options);
      return prune(options);
    };
    const s = new TaskScheduler({ executor: fnExecutor(), store, retention: { keepLast: 1, everyMs: 10_000 } });
    await s.ready();
    await vi.advanceTimersByTimeAsync(0);
    expect(prunes).toEqual([{ keepLast: 1 }]);
    await s.wait(await s.submit(job('a')));
    await s.wait(await s.submit(job('b')));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(prunes).toHaveLength(2);
    expect((await store.load()).lastSeq).toBe(2);
    expect(await s.prune()).toBe(0); // the rule by hand: already applied
    await s.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(prunes).toHaveLength(3); // none after close
  });
});
