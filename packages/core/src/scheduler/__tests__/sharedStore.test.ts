/**
 * A scheduler sharing its store with another writer (a tab that submits and cancels but runs
 * nothing): adoption in one read, and a cancel written into the store that wins before the start.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MemoryTaskStore,
  TaskScheduler,
  TaskStatus,
  TaskType,
  cancelStored,
  newTaskRecord,
  parseSubmission,
  type SchedulerEvent,
  type TaskId,
  type TaskRecord,
} from '../../index.js';
import { flush, manualExecutor, text } from '../../__tests__/helpers.js';

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** What a follower tab writes: Pending records with ids of its own. */
function foreignRecords(count: number, seq0: number, extra: Record<string, unknown> = {}): TaskRecord[] {
  return Array.from({ length: count }, (_, i) =>
    newTaskRecord(parseSubmission({ type: TaskType.TextProcessing, input: text(`f${i}`), ...extra }), crypto.randomUUID() as TaskId, T0, seq0 + i),
  );
}

function counting(store: MemoryTaskStore) {
  const calls = { get: 0, getMany: 0 };
  const get = store.get.bind(store);
  const getMany = store.getMany.bind(store);
  store.get = (id) => (calls.get++, get(id));
  store.getMany = (ids) => (calls.getMany++, getMany(ids));
  return calls;
}

describe('a store shared with another writer', () => {
  it('adopts 100 foreign submissions with one read of the store', async () => {
    const store = new MemoryTaskStore();
    const m = manualExecutor(1);
    const s = new TaskScheduler({ executor: m.executor, store });
    await s.ready();
    const records = foreignRecords(100, 1);
    await store.put(records);
    const calls = counting(store);
    const adopted = await s.adopt(records.map((r) => r.task.id));
    expect(adopted).toEqual(records.map((r) => r.task.id));
    expect(calls).toEqual({ get: 0, getMany: 1 });
    // Adopting again changes nothing and reads nothing more than once.
    expect(await s.adopt(records.map((r) => r.task.id))).toEqual([]);
    await s.close();
  });

  it('adopting a task adopts its unfinished dependencies found in the store, one read per level', async () => {
    const store = new MemoryTaskStore();
    const m = manualExecutor(1);
    const s = new TaskScheduler({ executor: m.executor, store });
    await s.ready();
    const [a] = foreignRecords(1, 1);
    const [b] = foreignRecords(1, 2, { dependencies: [a!.task.id] });
    const [c] = foreignRecords(1, 3, { dependencies: [b!.task.id, a!.task.id] });
    await store.put([a!, b!, c!]);
    const calls = counting(store);
    expect(await s.adopt([c!.task.id])).toEqual([a!.task.id, b!.task.id, c!.task.id]);
    expect(calls.getMany).toBe(2); // c, then b and a together
    for (const id of [a!.task.id, b!.task.id, c!.task.id]) {
      await flush();
      m.callFor(id).resolve();
      expect((await s.wait(id)).status).toBe(TaskStatus.Completed);
    }
    expect(m.calls.map((call) => call.task.id)).toEqual([a!.task.id, b!.task.id, c!.task.id]);
    await s.close();
  });

  it('a task cancelled in the store before its start never runs and ends Cancelled, adopted or not', async () => {
    const store = new MemoryTaskStore();
    const m = manualExecutor(1);
    const s = new TaskScheduler({ executor: m.executor, store });
    const events: SchedulerEvent[] = [];
    s.subscribe((e) => events.push(e));
    const blocker = await s.submit({ type: TaskType.TextProcessing, input: text('blocker') });
    await flush();
    const [learnt, unlearnt] = foreignRecords(2, 10);
    await store.put([learnt!, unlearnt!]);
    await s.adopt([learnt!.task.id, unlearnt!.task.id]);
    expect(await cancelStored(store, learnt!.task.id)).toBe('cancelled');
    expect(await cancelStored(store, unlearnt!.task.id)).toBe('cancelled');
    // One the scheduler is told about ends at once; the other is caught by the start's compare-and-set.
    await s.adopt([learnt!.task.id]);
    expect((await s.get(learnt!.task.id))?.status).toBe(TaskStatus.Cancelled);
    m.callFor(blocker).resolve();
    const [a, b] = await Promise.all([s.wait(learnt!.task.id), s.wait(unlearnt!.task.id)]);
    expect([a.status, b.status]).toEqual([TaskStatus.Cancelled, TaskStatus.Cancelled]);
    expect(b.errorCode).toBe('cancelled');
    await s.onIdle();
    expect(m.calls.map((c) => c.task.id)).toEqual([blocker]);
    // Nothing was written over the other writer's end, and it was announced once each.
    expect(await store.get(unlearnt!.task.id)).toMatchObject({ status: TaskStatus.Cancelled, result: { timestamp: b.timestamp } });
    const ends = events.filter((e) => e.type === 'status' && e.status === TaskStatus.Cancelled).map((e) => (e as { taskId: TaskId }).taskId);
    expect(ends.sort()).toEqual([learnt!.task.id, unlearnt!.task.id].sort());
    await s.close();
  });

  it('a cancel in the store after the durable start loses: it reports running and the task runs', async () => {
    const store = new MemoryTaskStore();
    const m = manualExecutor(1);
    const s = new TaskScheduler({ executor: m.executor, store });
    await s.ready();
    const [record] = foreignRecords(1, 1);
    await store.put([record!]);
    await s.adopt([record!.task.id]);
    await flush();
    expect(m.calls.map((c) => c.task.id)).toEqual([record!.task.id]);
    expect(await cancelStored(store, record!.task.id)).toBe('running');
    expect((await store.get(record!.task.id))?.status).toBe(TaskStatus.Running);
    m.callFor(record!.task.id).resolve();
    expect((await s.wait(record!.task.id)).status).toBe(TaskStatus.Completed);
    expect(await cancelStored(store, record!.task.id)).toBe('ended');
    await s.close();
  });

  it('dependents of a task cancelled in the store are cancelled when its end is adopted', async () => {
    const store = new MemoryTaskStore();
    const m = manualExecutor(1);
    const s = new TaskScheduler({ executor: m.executor, store });
    const blocker = await s.submit({ type: TaskType.TextProcessing, input: text('blocker') });
    await flush();
    const [parent] = foreignRecords(1, 10);
    const [child] = foreignRecords(1, 11, { dependencies: [parent!.task.id] });
    await store.put([parent!, child!]);
    // Cancelled before the scheduler ever heard of either: adopting the child reads the parent's end.
    expect(await cancelStored(store, parent!.task.id)).toBe('cancelled');
    expect(await s.adopt([child!.task.id])).toEqual([child!.task.id]);
    const result = await s.wait(child!.task.id);
    expect(result).toMatchObject({ status: TaskStatus.Cancelled, errorCode: 'dependency-failed' });
    m.callFor(blocker).resolve();
    await s.onIdle();
    expect(m.calls).toHaveLength(1);
    await s.close();
  });

  it('an end of a task the executor never had does not overwrite another writer’s end', async () => {
    const store = new MemoryTaskStore();
    const m = manualExecutor(1);
    const s = new TaskScheduler({ executor: m.executor, store });
    const blocker = await s.submit({ type: TaskType.TextProcessing, input: text('blocker') });
    await flush();
    const [record] = foreignRecords(1, 10, { deadline: T0 + 1_000 });
    await store.put([record!]);
    await s.adopt([record!.task.id]);
    // The other writer cancels; before this scheduler hears of it, the deadline passes.
    expect(await cancelStored(store, record!.task.id)).toBe('cancelled');
    await vi.advanceTimersByTimeAsync(1_000);
    const result = await s.wait(record!.task.id);
    expect(result.status).toBe(TaskStatus.Cancelled);
    expect((await store.get(record!.task.id))?.status).toBe(TaskStatus.Cancelled);
    expect(s.getSnapshot().byStatus).toMatchObject({ Cancelled: 1, Timeout: 0 });
    m.callFor(blocker).resolve();
    await s.close();
  });
});
