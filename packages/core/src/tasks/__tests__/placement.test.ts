import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MemoryTaskStore,
  TaskScheduler,
  TaskStatus,
  TaskType,
  TaskweaveError,
  decidePlacement,
  localWaitEstimate,
  type Executor,
  type PlacementFacts,
  type Task,
  type TaskOutput,
} from '../../index.js';
import { flush, text } from '../../__tests__/helpers.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

const facts = (extra: Partial<PlacementFacts> = {}): PlacementFacts => ({
  requested: 'auto',
  remoteConfigured: true,
  remoteOnlyModel: false,
  serverUnreachable: false,
  now: T0,
  localWaitMs: 0,
  ...extra,
});

describe('decidePlacement (the auto rule)', () => {
  it('keeps explicit requests, and runs everything locally without a server', () => {
    expect(decidePlacement(facts({ requested: 'remote' }))).toBe('remote');
    expect(decidePlacement(facts({ requested: 'local', remoteOnlyModel: true }))).toBe('local');
    expect(decidePlacement(facts({ requested: 'remote', remoteConfigured: false }))).toBe('local');
    expect(decidePlacement(facts({ remoteConfigured: false, remoteOnlyModel: true }))).toBe('local');
  });

  it('auto: local while the device meets the deadline, remote when its queue would miss it', () => {
    expect(decidePlacement(facts())).toBe('local'); // no deadline: the device always meets it
    expect(decidePlacement(facts({ deadline: T0 + 1000, localWaitMs: 0, localDurationMs: 300 }))).toBe('local');
    expect(decidePlacement(facts({ deadline: T0 + 1000, localWaitMs: 800, localDurationMs: 300 }))).toBe('remote');
    expect(decidePlacement(facts({ deadline: T0 + 1000, localWaitMs: 0, localDurationMs: 1200 }))).toBe('remote');
    // Nothing measured yet: no evidence the device is too slow.
    expect(decidePlacement(facts({ deadline: T0 + 1000, localWaitMs: 0 }))).toBe('local');
  });

  it('auto: remote for a remote-only model; local when the server cannot be reached', () => {
    expect(decidePlacement(facts({ remoteOnlyModel: true }))).toBe('remote');
    expect(decidePlacement(facts({ serverUnreachable: true, deadline: T0 + 10, localWaitMs: 5000, localDurationMs: 100 }))).toBe('local');
  });

  it('estimates the local wait from the tasks ahead, the free workers and the mean duration', () => {
    expect(localWaitEstimate({ ahead: 0, free: 1, capacity: 2, durationMs: 100 })).toBe(0);
    expect(localWaitEstimate({ ahead: 1, free: 2, capacity: 2, durationMs: 100 })).toBe(0);
    expect(localWaitEstimate({ ahead: 0, free: 0, capacity: 2, durationMs: 100 })).toBe(50);
    expect(localWaitEstimate({ ahead: 4, free: 0, capacity: 2, durationMs: 100 })).toBe(250);
    expect(localWaitEstimate({ ahead: 3, free: 0, capacity: 1, durationMs: undefined })).toBe(0);
  });
});

/** Two kinds of slots ("a" and "b"), one each; tasks name theirs in `input.text`. */
function twoLaneExecutor() {
  const calls: { task: Task; resolve: (o?: TaskOutput) => void; reject: (e: unknown) => void }[] = [];
  const busy = { a: 0, b: 0 };
  const seenAtExecute: Record<string, string>[] = [];
  let storeAtExecute: (task: Task) => void = () => undefined;
  const executor: Executor = {
    capacity: 2,
    available: () => 2 - busy.a - busy.b,
    place(task) {
      const lane = (task.metadata['placed'] ?? (task.input.kind === 'text' ? task.input.text : 'a')) as 'a' | 'b';
      return busy[lane] === 0 ? { placed: lane } : undefined;
    },
    execute(task) {
      const lane = task.metadata['placed'] as 'a' | 'b';
      busy[lane]++;
      seenAtExecute.push({ ...task.metadata });
      storeAtExecute(task);
      return new Promise<TaskOutput>((resolve, reject) => {
        calls.push({ task, resolve: (o = { kind: 'text', text: lane }) => resolve(o), reject });
      }).finally(() => busy[lane]--);
    },
  };
  return { executor, calls, seenAtExecute, onExecute: (fn: (task: Task) => void) => (storeAtExecute = fn) };
}

describe('Executor.place (a hook for executors with two kinds of slots)', () => {
  it('a task whose slot is full stays Pending in line; a later task of the free kind goes first', async () => {
    const x = twoLaneExecutor();
    const s = new TaskScheduler({ executor: x.executor });
    const a1 = await s.submit({ type: TaskType.TextProcessing, input: text('a') });
    const a2 = await s.submit({ type: TaskType.TextProcessing, input: text('a') });
    const b1 = await s.submit({ type: TaskType.TextProcessing, input: text('b') });
    await flush();
    expect(x.calls.map((c) => c.task.id)).toEqual([a1, b1]);
    expect((await s.get(a2))?.status).toBe(TaskStatus.Pending);
    x.calls[0]!.resolve();
    await flush();
    expect(x.calls.map((c) => c.task.id)).toEqual([a1, b1, a2]);
    x.calls[1]!.resolve();
    x.calls[2]!.resolve();
    expect((await s.wait(a2)).status).toBe(TaskStatus.Completed);
    await s.close();
  });

  it('what place() returns is in the task’s metadata, and in the stored Running record, before execute', async () => {
    const store = new MemoryTaskStore();
    const x = twoLaneExecutor();
    const stored: (string | undefined)[] = [];
    x.onExecute((task) => void store.get(task.id).then((r) => stored.push(`${r?.status}:${r?.task.metadata['placed']}`)));
    const s = new TaskScheduler({ executor: x.executor, store });
    const id = await s.submit({ type: TaskType.TextProcessing, input: text('b'), metadata: { user: 'kept' } });
    await flush();
    expect(x.seenAtExecute).toEqual([{ user: 'kept', placed: 'b' }]);
    expect(stored).toEqual(['Running:b']);
    // A retry keeps the first decision: place() sees it in the metadata.
    x.calls[0]!.reject(new TaskweaveError('execution', 'once', { retryable: true }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(x.calls).toHaveLength(2);
    expect(x.calls[1]!.task.metadata['placed']).toBe('b');
    x.calls[1]!.resolve();
    const result = await s.wait(id);
    expect(result.metrics.retryCount).toBe(1);
    expect((await store.get(id))?.task.metadata).toEqual({ user: 'kept', placed: 'b' });
    await s.close();
  });

  it('a not-started error puts the task back in line without spending an attempt', async () => {
    const x = twoLaneExecutor();
    const s = new TaskScheduler({ executor: x.executor });
    const id = await s.submit({ type: TaskType.TextProcessing, input: text('b'), maxRetries: 0 });
    await flush();
    x.calls[0]!.reject(new TaskweaveError('not-started', 'the server could not be reached'));
    await flush();
    expect(x.calls).toHaveLength(2);
    x.calls[1]!.resolve();
    const result = await s.wait(id);
    expect(result.status).toBe(TaskStatus.Completed);
    expect(result.metrics.retryCount).toBe(0);
    await s.close();
  });

  it('reports metrics.placement when the executor does', async () => {
    const s = new TaskScheduler({
      executor: {
        async execute(_task, ctx) {
          ctx.reportMetrics({ placement: 'remote' });
          return { kind: 'none' };
        },
      },
    });
    const id = await s.submit({ type: TaskType.TextProcessing, input: text('x') });
    expect((await s.wait(id)).metrics.placement).toBe('remote');
    await s.close();
  });
});
