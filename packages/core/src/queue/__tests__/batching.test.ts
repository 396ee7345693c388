import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MemoryTaskStore,
  TaskPriority,
  TaskScheduler,
  TaskStatus,
  WorkerCrashedError,
  type BatchOutcome,
  type ExecutionContext,
  type Executor,
  type Task,
  type TaskId,
} from '../../index.js';
import { flush } from '../../__tests__/helpers.js';
import { CALL_COST, cutBySize, ROW_COST } from '../batching.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

interface Call {
  tasks: Task[];
  ctxs: ExecutionContext[];
  batched: boolean;
  /** Resolves every task with its text (or the outcomes given). */
  resolve(outcomes?: BatchOutcome[]): void;
  reject(error: unknown): void;
}

/** An executor whose calls (single or batched) stay open until the test settles them. */
function batchExecutor(options: { capacity: number; maxBatchSize: number; windowMs: number }) {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const echo = (task: Task): BatchOutcome => ({ ok: true, output: { kind: 'text', text: task.input.kind === 'text' ? task.input.text : '' } });
  const open = <T,>(tasks: Task[], ctxs: ExecutionContext[], batched: boolean, wrap: (o: BatchOutcome[]) => T) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<T>((resolve, reject) => {
      calls.push({
        tasks,
        ctxs,
        batched,
        resolve: (outcomes = tasks.map(echo)) => resolve(wrap(outcomes)),
        reject,
      });
    }).finally(() => inFlight--);
  };
  const executor: Executor = {
    capacity: options.capacity,
    batching: {
      key: (task) => (task.type === 'custom:batch' ? `batch:${task.modelId ?? ''}` : undefined),
      maxBatchSize: options.maxBatchSize,
      windowMs: options.windowMs,
    },
    execute: (task, ctx) =>
      open([task], [ctx], false, (o) => {
        const first = o[0] as BatchOutcome;
        if (!first.ok) throw first.error;
        return first.output;
      }),
    executeBatch: (tasks, ctxs) => open([...tasks], [...ctxs], true, (o) => o),
  };
  return {
    executor,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    texts: (call: Call) => call.tasks.map((t) => (t.input.kind === 'text' ? t.input.text : '')),
    last: () => calls[calls.length - 1] as Call,
  };
}

const batchable = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'custom:batch' as const,
  input: { kind: 'text' as const, text },
  modelId: 'm',
  ...extra,
});
const single = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'custom:single' as const,
  input: { kind: 'text' as const, text },
  ...extra,
});

describe('batch forming in the scheduler', () => {
  it('a batch waits for its window while a slot is free, Pending all the while, then runs as one call in order', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 8, windowMs: 10 });
    const s = new TaskScheduler({ executor: b.executor });
    const ids = await s.submitMany([batchable('a'), batchable('b'), batchable('c')]);
    await vi.advanceTimersByTimeAsync(9);
    expect(b.calls).toHaveLength(0);
    expect((await s.get(ids[0] as TaskId))?.status).toBe(TaskStatus.Pending);
    expect(s.getSnapshot().ready).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.calls).toHaveLength(1);
    expect(b.calls[0]?.batched).toBe(true);
    expect(b.texts(b.calls[0] as Call)).toEqual(['a', 'b', 'c']);
    expect((await s.get(ids[0] as TaskId))?.status).toBe(TaskStatus.Running);
    b.last().resolve();
    const results = await Promise.all(ids.map((id) => s.wait(id)));
    expect(results.map((r) => r.status)).toEqual([TaskStatus.Completed, TaskStatus.Completed, TaskStatus.Completed]);
    expect(results.map((r) => r.output)).toEqual(['a', 'b', 'c'].map((t) => ({ kind: 'text', text: t })));
    await s.close();
  });

  it('a full batch runs at once; the size cap splits a long queue into calls of at most maxBatchSize', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 8, windowMs: 1_000 });
    const s = new TaskScheduler({ executor: b.executor });
    const ids = await s.submitMany(Array.from({ length: 20 }, (_, i) => batchable(`t${i}`)));
    await flush();
    expect(b.calls.map((c) => c.tasks.length)).toEqual([8]);
    b.last().resolve();
    await flush();
    expect(b.calls.map((c) => c.tasks.length)).toEqual([8, 8]);
    b.last().resolve();
    await flush();
    // The last 4 are not a full batch: they wait out the rest of their window, which began at submit.
    expect(b.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(b.calls.map((c) => c.tasks.length)).toEqual([8, 8, 4]);
    expect(b.calls.flatMap((c) => b.texts(c))).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`));
    b.last().resolve();
    expect((await Promise.all(ids.map((id) => s.wait(id)))).every((r) => r.status === TaskStatus.Completed)).toBe(true);
    await s.close();
  });

  it('maxSizeOf decides per key, when each batch forms, how many share a call (1: alone, no window wait)', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 8, windowMs: 1_000 });
    let size = 1;
    const batching = b.executor.batching as NonNullable<Executor['batching']>;
    b.executor.batching = { ...batching, maxSizeOf: (key) => (key.startsWith('batch:') ? size : 8) };
    const s = new TaskScheduler({ executor: b.executor });
    const ids = await s.submitMany(Array.from({ length: 12 }, (_, i) => batchable(`t${i}`)));
    await flush();
    // Size 1: the first runs alone at once, though its window is 1 s.
    expect(b.calls.map((c) => c.tasks.length)).toEqual([1]);
    b.last().resolve();
    await flush();
    expect(b.calls.map((c) => c.tasks.length)).toEqual([1, 1]);
    // The executor learnt the key is cheap: the next call takes 5, then 20 (capped at maxBatchSize 8).
    size = 5;
    b.last().resolve();
    await flush();
    expect(b.calls.map((c) => c.tasks.length)).toEqual([1, 1, 5]);
    // Room for 8 (20 capped at maxBatchSize) and 5 left: a batch not full waits out its window.
    size = 20;
    b.last().resolve();
    await flush();
    expect(b.calls.map((c) => c.tasks.length)).toEqual([1, 1, 5]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(b.calls.map((c) => c.tasks.length)).toEqual([1, 1, 5, 5]);
    expect(b.calls.flatMap((c) => b.texts(c))).toEqual(Array.from({ length: 12 }, (_, i) => `t${i}`));
    b.last().resolve();
    expect((await Promise.all(ids.map((id) => s.wait(id)))).every((r) => r.status === TaskStatus.Completed)).toBe(true);
    await s.close();
  });

  it('only tasks with the same key share a batch; tasks without a key run alone', async () => {
    const b = batchExecutor({ capacity: 4, maxBatchSize: 8, windowMs: 5 });
    const s = new TaskScheduler({ executor: b.executor });
    await s.submitMany([batchable('m1', { modelId: 'x' }), batchable('m2', { modelId: 'y' }), single('s'), batchable('m3', { modelId: 'x' })]);
    await vi.advanceTimersByTimeAsync(5);
    const shapes = b.calls.map((c) => `${c.batched ? 'batch' : 'single'}:${b.texts(c).join(',')}`).sort();
    expect(shapes).toEqual(['batch:m1,m3', 'single:m2', 'single:s']);
    await s.close();
  });

  it('a filling window never delays other ready work: a task without a key runs at once', async () => {
    const b = batchExecutor({ capacity: 2, maxBatchSize: 8, windowMs: 50 });
    const s = new TaskScheduler({ executor: b.executor });
    await s.submitMany([batchable('b1', { priority: TaskPriority.Critical }), batchable('b2'), single('plain', { priority: TaskPriority.Low })]);
    await flush();
    expect(b.calls.map((c) => b.texts(c))).toEqual([['plain']]);
    await vi.advanceTimersByTimeAsync(50);
    expect(b.calls.map((c) => b.texts(c))).toEqual([['plain'], ['b1', 'b2']]);
    await s.close();
  });

  it('a batch takes the best of its mates: higher priority first, then submission order', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 3, windowMs: 0 });
    const s = new TaskScheduler({ executor: b.executor, agingMs: 100 });
    const blocker = await s.submit(single('blocker'));
    await flush();
    await s.submitMany([
      batchable('low', { priority: TaskPriority.Low }),
      batchable('n1'),
      batchable('high', { priority: TaskPriority.High }),
      batchable('n2'),
    ]);
    b.calls[0]?.resolve();
    await s.wait(blocker);
    await flush();
    expect(b.texts(b.last())).toEqual(['high', 'n1', 'n2']);
    b.last().resolve();
    await flush();
    expect(b.texts(b.last())).toEqual(['low']);
    await s.close();
  });

  it('ageing works across batches: a Low task behind a stream of High mates runs within about 2 × agingMs', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 2, windowMs: 0 });
    const s = new TaskScheduler({ executor: b.executor, agingMs: 100 });
    // The only slot is busy when the Low task and the stream arrive.
    await s.submit(single('blocker'));
    await flush();
    const low = await s.submit(batchable('low', { priority: TaskPriority.Low }));
    const ranLowAt: number[] = [];
    for (let tick = 0; tick < 40 && ranLowAt.length === 0; tick++) {
      await s.submitMany([batchable(`h${tick}a`, { priority: TaskPriority.High }), batchable(`h${tick}b`, { priority: TaskPriority.High })]);
      await vi.advanceTimersByTimeAsync(10);
      b.last().resolve();
      await flush();
      if (b.texts(b.last()).includes('low')) ranLowAt.push(Date.now() - T0);
    }
    expect((await s.get(low))?.status).not.toBe(TaskStatus.Pending);
    expect(ranLowAt[0]).toBeLessThanOrEqual(2 * 100 + 20);
    await s.close();
  });

  it('concurrency counts calls, not tasks: at most capacity batches in flight', async () => {
    const b = batchExecutor({ capacity: 2, maxBatchSize: 4, windowMs: 0 });
    const s = new TaskScheduler({ executor: b.executor, concurrency: 10 });
    const ids = await s.submitMany(Array.from({ length: 16 }, (_, i) => batchable(`t${i}`)));
    await flush();
    expect(b.calls.map((c) => c.tasks.length)).toEqual([4, 4]);
    expect(s.getSnapshot().concurrency).toBe(2);
    while (b.calls.some((c) => c.tasks.length > 0 && !('done' in c))) {
      const open = b.calls.filter((c) => !('done' in c));
      if (open.length === 0) break;
      for (const call of open) {
        Object.assign(call, { done: true });
        call.resolve();
      }
      await flush();
    }
    expect((await Promise.all(ids.map((id) => s.wait(id)))).every((r) => r.status === TaskStatus.Completed)).toBe(true);
    expect(b.maxInFlight).toBe(2);
    await s.close();
  });
});

describe('length-aware batching', () => {
  function sized(maxBatchSize: number, maxPaddedSize?: number) {
    const b = batchExecutor({ capacity: 1, maxBatchSize, windowMs: 0 });
    const sizeHint = (task: Task) => (task.input.kind === 'text' ? task.input.text.length : 0);
    const executor = { ...b.executor, batching: { ...b.executor.batching!, sizeHint, ...(maxPaddedSize === undefined ? {} : { maxPaddedSize }) } };
    return { b, executor };
  }
  /** Settles each call as it opens (the next one opens once the slot is free), until none is left. */
  async function settleEach(b: { calls: Call[] }): Promise<void> {
    for (let guard = 0; guard < 100; guard++) {
      const open = b.calls.find((c) => !('done' in c));
      if (open === undefined) return;
      Object.assign(open, { done: true });
      open.resolve();
      await flush();
    }
  }
  const lengths = (call: Call) => call.tasks.map((t) => (t.input.kind === 'text' ? t.input.text.length : 0));

  it('cutBySize cuts sorted sizes where the padding saved pays for another call', () => {
    // A wide spread: the long one alone rather than three short ones padded to it.
    expect(cutBySize([5, 6, 7, 400], 4)).toEqual([3, 4]);
    // Similar sizes: full batches (another call would save almost no padding).
    expect(cutBySize([100, 101, 102, 103, 104, 105, 106, 107], 4)).toEqual([4, 8]);
    expect(cutBySize([], 4)).toEqual([]);
    expect(cutBySize([3], 4)).toEqual([1]);
    // Never more than max per batch, every size in exactly one batch, and least cost: brute force.
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const cost = (sizes: number[], ends: number[]) => {
      let total = 0;
      let at = 0;
      for (const end of ends) {
        total += CALL_COST + (end - at) * (ROW_COST + (sizes[end - 1] as number));
        at = end;
      }
      return total;
    };
    // Half the rounds with a padded limit (members × largest), which one member alone may pass.
    for (let round = 0; round < 100; round++) {
      const sizes = Array.from({ length: 1 + Math.floor(random() * 9) }, () => Math.floor(random() * 500)).sort((a, b) => a - b);
      const limit = round % 2 === 0 ? Number.POSITIVE_INFINITY : 200 + Math.floor(random() * 800);
      const fits = (from: number, to: number) => to - from === 1 || (to - from) * (sizes[to - 1] as number) <= limit;
      const ends = cutBySize(sizes, 3, limit);
      expect(ends.at(-1)).toBe(sizes.length);
      ends.forEach((end, i) => expect(end - (ends[i - 1] ?? 0)).toBeGreaterThan(0));
      ends.forEach((end, i) => expect(end - (ends[i - 1] ?? 0)).toBeLessThanOrEqual(3));
      ends.forEach((end, i) => expect(fits(ends[i - 1] ?? 0, end)).toBe(true));
      let least = Number.POSITIVE_INFINITY;
      const search = (at: number, acc: number[]) => {
        if (at === sizes.length) least = Math.min(least, cost(sizes, acc));
        for (let n = 1; n <= 3 && at + n <= sizes.length; n++) if (fits(at, at + n)) search(at + n, [...acc, at + n]);
      };
      search(0, []);
      expect(cost(sizes, ends)).toBe(least);
    }
    // Similar long sizes under a limit: batches as full as the limit lets them be.
    expect(cutBySize([500, 500, 500, 500, 500, 500], 6, 1000)).toEqual([2, 4, 6]);
    expect(cutBySize([5000], 6, 1000)).toEqual([1]);
  });

  it('groups ready tasks of similar size, and no task is passed over by tasks beyond its own grouping', async () => {
    const { b, executor } = sized(4);
    const s = new TaskScheduler({ executor });
    await s.submit(single('blocker'));
    await flush();
    // 32 tasks of random lengths, all ready while the only slot is busy.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const texts = Array.from({ length: 32 }, (_, i) => `${i}:`.padEnd(3 + Math.floor(random() * 400), 'x'));
    const ids = await s.submitMany(texts.map((t) => batchable(t)));
    await settleEach(b);
    const batches = b.calls.slice(1);
    expect(batches.flatMap((c) => c.tasks.map((t) => t.id)).sort()).toEqual([...ids].sort());
    // Within each grouping of 4 batches (16 tasks), batches are sorted by length: the padding a
    // batch pays (its longest member) is far below arrival-order batches'.
    const padded = (groups: number[][]) => groups.reduce((sum, g) => sum + Math.max(...g) * g.length, 0);
    const arrival = Array.from({ length: 8 }, (_, i) => texts.slice(i * 4, i * 4 + 4).map((t) => t.length));
    expect(padded(batches.map(lengths))).toBeLessThan(padded(arrival) * 0.8);
    // Fairness: groupings of 16 (4 batches' worth) in arrival order; each batch holds tasks of one
    // grouping, and a grouping runs whole before the next: task i is passed over only by its own.
    const groupingOf = new Map(ids.map((id, i) => [id, Math.floor(i / 16)] as const));
    const groupings = batches.map((c) => [...new Set(c.tasks.map((t) => groupingOf.get(t.id)))]);
    groupings.forEach((g) => expect(g).toHaveLength(1));
    expect(groupings.flat()).toEqual([...groupings.flat()].sort((a, b) => (a as number) - (b as number)));
    expect(batches.every((c) => c.tasks.length <= 4)).toBe(true);
    await s.close();
  });

  it('maxPaddedSize bounds members × longest: long tasks batch fewer at a time, short ones fill maxBatchSize', async () => {
    const { b, executor } = sized(8, 400);
    const s = new TaskScheduler({ executor });
    await s.submit(single('blocker'));
    await flush();
    const texts = [...Array.from({ length: 8 }, (_, i) => `${i}`.padEnd(100, 'x')), ...Array.from({ length: 8 }, (_, i) => `${i}`.padEnd(10, 'y'))];
    const ids = await s.submitMany(texts.map((t) => batchable(t)));
    await settleEach(b);
    const batches = b.calls.slice(1).map(lengths);
    expect(batches.flat()).toHaveLength(ids.length);
    for (const batch of batches) expect(batch.length * Math.max(...batch)).toBeLessThanOrEqual(400);
    expect(batches.filter((batch) => batch[0] === 100).map((batch) => batch.length)).toEqual([4, 4]);
    expect(batches.filter((batch) => batch[0] === 10).map((batch) => batch.length)).toEqual([8]);
    await s.close();
    expect(() => new TaskScheduler({ executor: { ...executor, batching: { ...executor.batching, maxPaddedSize: 0 } } })).toThrow(/maxPaddedSize/);
  });

  it('without a size hint, batches follow queue order', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 2, windowMs: 0 });
    const s = new TaskScheduler({ executor: b.executor });
    await s.submit(single('blocker'));
    await flush();
    await s.submitMany(['aaaaaaaa', 'b', 'cccccccc', 'd'].map((t) => batchable(t)));
    b.calls[0]?.resolve();
    await flush();
    expect(b.texts(b.last())).toEqual(['aaaaaaaa', 'b']);
    await s.close();
  });
});

describe('model affinity', () => {
  it('a free worker holding model A takes the A batch before an older B batch whose model only a busy worker holds; with no A work it takes B', async () => {
    const b = batchExecutor({ capacity: 2, maxBatchSize: 4, windowMs: 0 });
    let idle: string[][] = [];
    let notify: () => void = () => undefined;
    const executor = {
      ...b.executor,
      freeWorkers: () => {
        const free = [...idle];
        return {
          get models() {
            return free;
          },
          take(modelId: string | undefined) {
            const at = free.findIndex((models) => modelId !== undefined && models.includes(modelId));
            free.splice(Math.max(0, at), 1);
          },
        };
      },
      available: () => idle.length,
      onAvailable(listener: () => void) {
        notify = listener;
        return () => undefined;
      },
    };
    const s = new TaskScheduler({ executor, agingMs: 1_000 });
    await s.submitMany([batchable('b1', { modelId: 'B' }), batchable('a1', { modelId: 'A' })]);
    await flush();
    expect(b.calls).toHaveLength(0);
    idle = [['A']]; // the worker holding B is busy; the one holding A frees up
    notify();
    await flush();
    expect(b.calls.map((c) => b.texts(c))).toEqual([['a1']]);
    idle = [['A']]; // free again, and only B is left: a free worker never idles while work waits
    notify();
    await flush();
    expect(b.calls.map((c) => b.texts(c))).toEqual([['a1'], ['b1']]);
    await s.close();
  });

  it('without affinity information the older batch goes first', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 4, windowMs: 0 });
    const s = new TaskScheduler({ executor: b.executor });
    await s.submitMany([batchable('b1', { modelId: 'B' }), batchable('a1', { modelId: 'A' })]);
    await flush();
    expect(b.calls.map((c) => b.texts(c))).toEqual([['b1']]);
    await s.close();
  });
});

describe('crash isolation', () => {
  it('a batch that crashes as a whole costs no member an attempt: each runs again alone; only the culprit is charged', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 8, windowMs: 0 });
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: b.executor, store, retryDelay: 0 });
    const texts = ['ok1', 'ok2', 'crash', 'ok3'];
    const ids = await s.submitMany(texts.map((t) => batchable(t, { maxRetries: t === 'crash' ? 1 : 0 })));
    await flush();
    expect(b.calls).toHaveLength(1);
    const attemptsSeen = b.calls[0]?.ctxs.map((c) => c.attempt);
    expect(attemptsSeen).toEqual([1, 1, 1, 1]);
    b.calls[0]?.reject(new WorkerCrashedError('worker 0 ended while running the batch'));
    // The members are Pending again (not Failed), in memory and in the store.
    await flush();
    // One call at a time, each a single task.
    const settleSingles = async () => {
      for (let guard = 0; guard < 20; guard++) {
        const call = b.calls.find((c) => !('done' in c));
        if (call === undefined) {
          await vi.advanceTimersByTimeAsync(1);
          if (b.calls.every((c) => 'done' in c)) break;
          continue;
        }
        Object.assign(call, { done: true });
        expect(call.batched).toBe(false);
        expect(call.ctxs[0]?.attempt).toBe(call.tasks[0]?.retryCount === 1 ? 2 : 1);
        if (b.texts(call)[0] === 'crash') call.reject(new WorkerCrashedError('worker 0 ended while running it alone'));
        else call.resolve();
        await flush();
      }
    };
    Object.assign(b.calls[0] as Call, { done: true });
    await settleSingles();
    const results = await Promise.all(ids.map((id) => s.wait(id)));
    expect(results.map((r) => r.status)).toEqual([TaskStatus.Completed, TaskStatus.Completed, TaskStatus.Failed, TaskStatus.Completed]);
    expect(results.map((r) => r.metrics.retryCount)).toEqual([0, 0, 1, 0]);
    expect(results[2]?.errorCode).toBe('worker-crashed');
    // After the batch crash, nobody was batched again; the culprit ran alone twice (attempt 1 and its retry).
    const crashRuns = b.calls.filter((c) => b.texts(c).includes('crash'));
    expect(crashRuns.map((c) => c.batched)).toEqual([true, false, false]);
    expect(b.calls.slice(1).every((c) => !c.batched)).toBe(true);
    await s.close();
  });

  it('with maxRetries 0, batch-mates of a crashing task still complete', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 8, windowMs: 0 });
    const s = new TaskScheduler({ executor: b.executor });
    const texts = ['a', 'b', 'c', 'crash', 'd', 'e', 'f', 'g'];
    const ids = await s.submitMany(texts.map((t) => batchable(t, { maxRetries: 0 })));
    await flush();
    b.calls[0]?.reject(new WorkerCrashedError('crashed mid-batch'));
    for (let guard = 0; guard < 20; guard++) {
      await flush();
      const call = b.calls.slice(1).find((c) => !('done' in c));
      if (call === undefined) break;
      Object.assign(call, { done: true });
      if (b.texts(call)[0] === 'crash') call.reject(new WorkerCrashedError('crashed alone'));
      else call.resolve();
    }
    const results = await Promise.all(ids.map((id) => s.wait(id)));
    expect(results.filter((r) => r.status === TaskStatus.Completed)).toHaveLength(7);
    expect(results[3]?.status).toBe(TaskStatus.Failed);
    await s.close();
  });

  it('a member whose own outcome failed is charged alone; its mates complete in the same call', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 8, windowMs: 0 });
    const s = new TaskScheduler({ executor: b.executor, retryDelay: 0 });
    const ids = await s.submitMany([batchable('a', { maxRetries: 1 }), batchable('bad', { maxRetries: 1 })]);
    await flush();
    b.calls[0]?.resolve([
      { ok: true, output: { kind: 'text', text: 'a' } },
      { ok: false, error: new Error('handler error for bad') },
    ]);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.calls).toHaveLength(2);
    expect(b.calls[1]?.batched).toBe(false);
    expect(b.calls[1]?.ctxs[0]?.attempt).toBe(2);
    b.calls[1]?.resolve();
    const [ra, rbad] = await Promise.all(ids.map((id) => s.wait(id)));
    expect(ra?.metrics.retryCount).toBe(0);
    expect(rbad?.status).toBe(TaskStatus.Completed);
    expect(rbad?.metrics.retryCount).toBe(1);
    await s.close();
  });
});

describe('aborting one member of a batch', () => {
  it('settles that task at once; the call carries on for the others, whose signals stay live', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 4, windowMs: 0 });
    const s = new TaskScheduler({ executor: b.executor });
    const ids = await s.submitMany([batchable('a'), batchable('b'), batchable('c')]);
    await flush();
    const call = b.calls[0] as Call;
    expect(await s.cancel(ids[1] as TaskId)).toBe(true);
    const cancelled = await s.wait(ids[1] as TaskId);
    expect(cancelled.status).toBe(TaskStatus.Cancelled);
    expect(call.ctxs.map((c) => c.signal.aborted)).toEqual([false, true, false]);
    call.resolve();
    const results = await Promise.all(ids.map((id) => s.wait(id)));
    expect(results.map((r) => r.status)).toEqual([TaskStatus.Completed, TaskStatus.Cancelled, TaskStatus.Completed]);
    await s.close();
  });

  it('a task cancelled while its batch window is open never runs and leaves its mates batched', async () => {
    const b = batchExecutor({ capacity: 1, maxBatchSize: 4, windowMs: 20 });
    const s = new TaskScheduler({ executor: b.executor });
    const ids = await s.submitMany([batchable('a'), batchable('b'), batchable('c')]);
    await vi.advanceTimersByTimeAsync(5);
    await s.cancel(ids[0] as TaskId);
    await vi.advanceTimersByTimeAsync(20);
    expect(b.calls.map((c) => b.texts(c))).toEqual([['b', 'c']]);
    await s.close();
  });
});

describe('refused batching policies', () => {
  it('names the bad field', () => {
    const base = batchExecutor({ capacity: 1, maxBatchSize: 4, windowMs: 0 }).executor;
    expect(() => new TaskScheduler({ executor: { ...base, batching: { ...base.batching!, windowMs: -1 } } })).toThrow(/executor\.batching\.windowMs/);
    const { executeBatch: _unused, ...noBatch } = base;
    expect(() => new TaskScheduler({ executor: noBatch })).toThrow(/executeBatch/);
  });
});
