import { describe, expect, it, vi } from 'vitest';
import {
  MemoryTaskStore,
  TaskPriority,
  TaskScheduler,
  TaskStatus,
  TaskweaveError,
  isTaskweaveError,
  type SchedulerEvent,
  type TaskId,
} from '../../index.js';
import { flush, fnExecutor, manualExecutor, text, T0, job, useFakeClock } from '../../__tests__/helpers.js';

useFakeClock();

describe('ready order', () => {
  it('runs by priority, then earliest deadline, then submission order', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor, concurrency: 1, agingMs: Infinity });
    const blocker = await s.submit(job('blocker', { priority: TaskPriority.Critical }));
    await flush();
    const ids: Record<string, TaskId> = {};
    ids['low'] = await s.submit(job('low', { priority: TaskPriority.Low }));
    ids['normalA'] = await s.submit(job('normalA'));
    ids['normalB'] = await s.submit(job('normalB'));
    ids['highLate'] = await s.submit(job('highLate', { priority: TaskPriority.High, deadline: T0 + 60_000 }));
    ids['highNoDeadline'] = await s.submit(job('highNoDeadline', { priority: TaskPriority.High }));
    ids['highEarly'] = await s.submit(job('highEarly', { priority: TaskPriority.High, deadline: T0 + 30_000 }));
    ids['critical'] = await s.submit(job('critical', { priority: TaskPriority.Critical }));
    m.callFor(blocker).resolve();
    for (let i = 0; i < 7; i++) {
      await flush();
      m.calls[m.calls.length - 1]!.resolve();
    }
    await s.onIdle();
    const order = m.calls.map((c) => (c.task.input as { text: string }).text);
    expect(order).toEqual(['blocker', 'critical', 'highEarly', 'highLate', 'highNoDeadline', 'normalA', 'normalB', 'low']);
  });

  it('ages a waiting Low task so a stream of High tasks cannot starve it', async () => {
    const agingMs = 1_000;
    const s = new TaskScheduler({
      agingMs,
      concurrency: 1,
      executor: {
        async execute() {
          await new Promise((r) => setTimeout(r, 100));
          return { kind: 'none' };
        },
      },
    });
    await s.submit(job('first', { priority: TaskPriority.High }));
    const low = await s.submit(job('low', { priority: TaskPriority.Low }));
    // Keep the queue full of High tasks, forever, faster than they run.
    let lowDone = false;
    void s.wait(low).then(() => (lowDone = true));
    let highStarted = 0;
    for (let round = 0; round < 60 && !lowDone; round++) {
      for (let i = 0; i < 3; i++) await s.submit(job(`high${round}.${i}`, { priority: TaskPriority.High }));
      await vi.advanceTimersByTimeAsync(100);
      highStarted++;
    }
    expect(lowDone).toBe(true);
    // Low needs two levels (Low→High) of ageing: ≥ 2 × agingMs of waiting, well before the stream ends.
    const result = await s.wait(low);
    expect(result.status).toBe(TaskStatus.Completed);
    expect(result.metrics.queueWaitMs).toBeGreaterThanOrEqual(2 * agingMs);
    expect(result.metrics.queueWaitMs).toBeLessThan(4 * agingMs);
    expect(highStarted).toBeLessThan(60);
    await s.close();
  });

  it('without ageing the same Low task keeps waiting behind High ones', async () => {
    const s = new TaskScheduler({
      agingMs: Infinity,
      concurrency: 1,
      executor: {
        async execute() {
          await new Promise((r) => setTimeout(r, 100));
          return { kind: 'none' };
        },
      },
    });
    await s.submit(job('first', { priority: TaskPriority.High }));
    const low = await s.submit(job('low', { priority: TaskPriority.Low }));
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 3; i++) await s.submit(job(`h${round}`, { priority: TaskPriority.High }));
      await vi.advanceTimersByTimeAsync(100);
    }
    expect((await s.get(low))?.status).toBe(TaskStatus.Pending);
    await s.close();
  });
});

describe('dependencies', () => {
  it('waits for every dependency and passes their results in listed order', async () => {
    const exec = fnExecutor((task, ctx) => ({
      kind: 'text',
      text: [task.input.kind === 'text' ? task.input.text : '', ...ctx.dependencies.map((d) => (d.output as { text: string }).text)].join('+'),
    }));
    const s = new TaskScheduler({ executor: exec });
    const a = await s.submit(job('a', { priority: TaskPriority.Low }));
    const b = await s.submit(job('b'));
    const c = await s.submit(job('c', { dependencies: [b, a], priority: TaskPriority.Critical }));
    const result = await s.wait(c);
    expect(result.status).toBe(TaskStatus.Completed);
    expect(result.output).toEqual({ kind: 'text', text: 'c+b+a' });
    expect(exec.order.indexOf(c)).toBe(2);
  });

  it('cancels dependents, transitively, with an error naming the failed dependency', async () => {
    const s = new TaskScheduler({
      executor: fnExecutor((task) => {
        if (task.input.kind === 'text' && task.input.text === 'bad') throw new TaskweaveError('execution', 'boom', { retryable: false });
        return { kind: 'none' };
      }),
    });
    const bad = await s.submit(job('bad'));
    const child = await s.submit(job('child', { dependencies: [bad] }));
    const grandchild = await s.submit(job('grandchild', { dependencies: [child] }));
    const sibling = await s.submit(job('sibling'));
    const [rBad, rChild, rGrand, rSib] = await Promise.all([s.wait(bad), s.wait(child), s.wait(grandchild), s.wait(sibling)]);
    expect(rBad.status).toBe(TaskStatus.Failed);
    expect(rBad.error).toContain('boom');
    expect(rChild.status).toBe(TaskStatus.Cancelled);
    expect(rChild.errorCode).toBe('dependency-failed');
    expect(rChild.error).toContain(bad);
    expect(rGrand.status).toBe(TaskStatus.Cancelled);
    expect(rGrand.error).toContain(child);
    expect(rSib.status).toBe(TaskStatus.Completed);
  });

  it.each([TaskStatus.Cancelled, TaskStatus.Timeout])('a dependency ending %s cancels dependents', async (how) => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor });
    const dep = await s.submit(job('dep', how === TaskStatus.Timeout ? { deadline: T0 + 1_000 } : {}));
    const child = await s.submit(job('child', { dependencies: [dep] }));
    await flush();
    if (how === TaskStatus.Cancelled) await s.cancel(dep);
    else await vi.advanceTimersByTimeAsync(1_000);
    expect((await s.wait(dep)).status).toBe(how);
    const r = await s.wait(child);
    expect(r.status).toBe(TaskStatus.Cancelled);
    expect(r.errorCode).toBe('dependency-failed');
    expect(r.error).toContain(`${dep} ended ${how}`);
  });

  it('a task depending on an already failed task is cancelled at once', async () => {
    const s = new TaskScheduler({ executor: fnExecutor(() => Promise.reject(new TaskweaveError('execution', 'no', { retryable: false }))) });
    const dep = await s.submit(job('dep'));
    await s.wait(dep);
    const child = await s.submit(job('child', { dependencies: [dep] }));
    expect((await s.wait(child)).status).toBe(TaskStatus.Cancelled);
  });

  it('refuses unknown dependency ids and stores nothing', async () => {
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store });
    const ghost = '4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b';
    const err = await s.submit(job('x', { dependencies: [ghost] })).catch((e: unknown) => e);
    expect(isTaskweaveError(err, 'unknown-dependency')).toBe(true);
    expect((err as TaskweaveError).message).toContain('dependencies.0');
    expect((err as TaskweaveError).message).toContain(ghost);
    expect((await store.load()).lastSeq).toBe(0);
  });

  it('refuses cycles in a batch (and self-dependency), storing nothing', async () => {
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store });
    const a = crypto.randomUUID();
    const b = crypto.randomUUID();
    const c = crypto.randomUUID();
    const err = await s
      .submitMany([job('a', { id: a, dependencies: [c] }), job('b', { id: b, dependencies: [a] }), job('c', { id: c, dependencies: [b] })])
      .catch((e: unknown) => e);
    expect(isTaskweaveError(err, 'cycle')).toBe(true);
    expect((err as TaskweaveError).details?.['cycle']).toHaveLength(4);
    const self = await s.submit(job('self', { id: a, dependencies: [a] })).catch((e: unknown) => e);
    expect(isTaskweaveError(self, 'cycle')).toBe(true);
    expect((await store.load()).lastSeq).toBe(0);
    // The same batch without the back edge is fine, and runs in dependency order.
    const ids = await s.submitMany([job('a', { id: a }), job('b', { id: b, dependencies: [a] }), job('c', { id: c, dependencies: [b] })]);
    expect(ids).toEqual([a, b, c]);
    expect((await s.wait(c as TaskId)).status).toBe(TaskStatus.Completed);
  });

  it('refuses an id that already exists', async () => {
    const s = new TaskScheduler({ executor: fnExecutor() });
    const id = await s.submit(job('one'));
    const err = await s.submit(job('two', { id })).catch((e: unknown) => e);
    expect(isTaskweaveError(err, 'duplicate-id')).toBe(true);
  });
});

describe('concurrency', () => {
  it.each([1, 3])('never runs more than %i at once', async (concurrency) => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor, concurrency });
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => s.submit(job(`t${i}`))));
    for (let settled = 0; settled < ids.length; ) {
      await flush();
      expect(m.running).toBeLessThanOrEqual(concurrency);
      const open = m.calls.slice(settled);
      expect(open.length).toBe(Math.min(concurrency, ids.length - settled));
      open[0]!.resolve();
      settled++;
    }
    await s.onIdle();
    expect(m.maxRunning).toBe(concurrency);
  });

  it('defaults to the executor capacity', async () => {
    const m = manualExecutor(2);
    const s = new TaskScheduler({ executor: m.executor });
    await Promise.all(Array.from({ length: 5 }, (_, i) => s.submit(job(`t${i}`))));
    await flush();
    expect(m.running).toBe(2);
    expect(s.getSnapshot().concurrency).toBe(2);
  });

  it('a slot stays taken until a cancelled task’s executor settles', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor, concurrency: 1 });
    const a = await s.submit(job('a'));
    const b = await s.submit(job('b'));
    await flush();
    await s.cancel(a);
    await flush();
    expect(m.calls).toHaveLength(1);
    m.callFor(a).reject(m.callFor(a).ctx.signal.reason);
    await flush();
    expect(m.calls.map((c) => c.task.id)).toEqual([a, b]);
  });
});

describe('metrics', () => {
  it('measures duration and queue wait, merges what the executor reports', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor, concurrency: 1 });
    const a = await s.submit(job('a'));
    const b = await s.submit(job('b'));
    await flush();
    await vi.advanceTimersByTimeAsync(250);
    m.callFor(a).ctx.reportMetrics({ memoryBytes: 1234, cpuUsage: 0.5, networkBytes: 99, backend: 'wasm' });
    m.callFor(a).resolve();
    await flush();
    await vi.advanceTimersByTimeAsync(40);
    m.callFor(b).resolve();
    const ra = await s.wait(a);
    const rb = await s.wait(b);
    expect(ra.metrics).toEqual({ durationMs: 250, queueWaitMs: 0, memoryBytes: 1234, cpuUsage: 0.5, networkBytes: 99, retryCount: 0, backend: 'wasm' });
    expect(rb.metrics).toMatchObject({ durationMs: 40, queueWaitMs: 250, memoryBytes: 0, cpuUsage: 0, networkBytes: 0, retryCount: 0 });
    expect(ra.timestamp).toBe(T0 + 250);
  });

  it('an executor-reported duration wins over the one measured around execute', async () => {
    const s = new TaskScheduler({
      executor: fnExecutor((_t, ctx) => {
        ctx.reportMetrics({ durationMs: 7 });
        return { kind: 'none' };
      }),
    });
    expect((await s.wait(await s.submit(job('x')))).metrics.durationMs).toBe(7);
  });

  it('adds the wait an executor reports (its own queue) to the scheduler-measured queue wait', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor, concurrency: 1 });
    const a = await s.submit(job('a'));
    const b = await s.submit(job('b'));
    await flush();
    await vi.advanceTimersByTimeAsync(100);
    m.callFor(a).resolve();
    await flush();
    m.callFor(b).ctx.reportMetrics({ queueWaitMs: 25 });
    m.callFor(b).resolve();
    expect((await s.wait(b)).metrics.queueWaitMs).toBe(125);
  });

  it('a malformed executor output fails the task with a validation error', async () => {
    const s = new TaskScheduler({ executor: fnExecutor(() => ({ kind: 'wat' }) as never) });
    const r = await s.wait(await s.submit(job('x')));
    expect(r.status).toBe(TaskStatus.Failed);
    expect(r.errorCode).toBe('validation');
  });
});

describe('events', () => {
  it('reports each status change once, in order, and coalesced queue snapshots', async () => {
    const s = new TaskScheduler({ executor: fnExecutor() });
    const events: SchedulerEvent[] = [];
    const unsubscribe = s.subscribe((e) => events.push(e));
    const id = await s.submit(job('x', { priority: TaskPriority.High }));
    await s.wait(id);
    await flush();
    const statuses = events.filter((e) => e.type === 'status').map((e) => e.type === 'status' && [e.previousStatus, e.status]);
    expect(statuses).toEqual([
      [undefined, 'Pending'],
      ['Pending', 'Running'],
      ['Running', 'Completed'],
    ]);
    const snapshots = events.filter((e) => e.type === 'queue');
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots.length).toBeLessThan(4);
    const last = snapshots[snapshots.length - 1];
    expect(last?.type === 'queue' && last.snapshot.byStatus.Completed).toBe(1);
    unsubscribe();
    await s.wait(await s.submit(job('y')));
    expect(events.filter((e) => e.type === 'status')).toHaveLength(3);
  });

  it('getSnapshot counts by status, priority and phase', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor, concurrency: 1 });
    const a = await s.submit(job('a', { priority: TaskPriority.Critical }));
    await s.submit(job('b', { priority: TaskPriority.Low }));
    await s.submit(job('c', { priority: TaskPriority.Low, dependencies: [a] }));
    await flush();
    expect(s.getSnapshot()).toEqual({
      byStatus: { Pending: 2, Running: 1, Completed: 0, Failed: 0, Cancelled: 0, Timeout: 0 },
      byPriority: { Low: 2, Normal: 0, High: 0, Critical: 1 },
      ready: 1,
      blocked: 1,
      retrying: 0,
      running: 1,
      concurrency: 1,
    });
  });
});

describe('wait, get, close', () => {
  it('wait resolves for every terminal status and rejects for unknown ids', async () => {
    const s = new TaskScheduler({ executor: fnExecutor() });
    const err = await s.wait('4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b' as TaskId).catch((e: unknown) => e);
    expect(isTaskweaveError(err, 'not-found')).toBe(true);
    expect(await s.get('4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b' as TaskId)).toBeUndefined();
  });

  it('close refuses new work, rejects waits, aborts running attempts and keeps tasks resumable', async () => {
    const m = manualExecutor();
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: m.executor, store, concurrency: 1 });
    const a = await s.submit(job('a'));
    const b = await s.submit(job('b'));
    await flush();
    const waiting = s.wait(b).catch((e: unknown) => e);
    await s.close();
    expect(isTaskweaveError(await waiting, 'closed')).toBe(true);
    expect(m.callFor(a).ctx.signal.aborted).toBe(true);
    expect(isTaskweaveError(await s.submit(job('c')).catch((e: unknown) => e), 'closed')).toBe(true);
    const snapshot = await store.load();
    expect(snapshot.active.map((r) => [r.task.id, r.status])).toEqual([
      [a, 'Running'],
      [b, 'Pending'],
    ]);
  });
});

describe('recovery from a store', () => {
  it('queues Pending tasks again, resumes interrupted ones without spending a retry, never reruns finished ones', async () => {
    const store = new MemoryTaskStore();
    const m1 = manualExecutor();
    const first = new TaskScheduler({ executor: m1.executor, store, concurrency: 1 });
    const done = await first.submit(job('done'));
    await flush();
    m1.callFor(done).resolve({ kind: 'text', text: 'once' });
    await first.wait(done);
    const interrupted = await first.submit(job('interrupted', { maxRetries: 1 }));
    const exhausted = await first.submit(job('exhausted', { maxRetries: 0, priority: TaskPriority.Low }));
    const pending = await first.submit(job('pending', { dependencies: [done] }));
    await flush();
    await first.close(); // like a reload: 'interrupted' was Running

    const exec = fnExecutor((task, ctx) => ({ kind: 'text', text: `${(task.input as { text: string }).text}:${ctx.dependencies.map((d) => (d.output as { text: string }).text).join()}` }));
    const second = new TaskScheduler({ executor: exec, store, retryDelay: 0 });
    const report = await second.ready();
    expect(report).toEqual({ resumed: 2, interrupted: 1, failed: 0, quarantined: 0 });
    await vi.advanceTimersByTimeAsync(10);
    const r = await second.wait(interrupted);
    expect(r.status).toBe(TaskStatus.Completed);
    expect(r.metrics.retryCount).toBe(0);
    expect((await store.get(interrupted))?.interruptions).toBe(1);
    // TaskState says so too (what get, getMany and list show); a task never cut has no count.
    expect((await second.get(interrupted))?.interruptions).toBe(1);
    expect(await second.get(done)).not.toHaveProperty('interruptions');
    expect((await second.wait(pending)).output).toEqual({ kind: 'text', text: 'pending:once' });
    expect((await second.wait(exhausted)).status).toBe(TaskStatus.Completed);
    expect((await second.wait(done)).output).toEqual({ kind: 'text', text: 'once' });
    expect(exec.order).not.toContain(done);
    expect(exec.order.filter((id) => id === interrupted)).toHaveLength(1);
  });

  it('an interrupted task with no retries left resumes and completes (an interruption is not a failed attempt)', async () => {
    const store = new MemoryTaskStore();
    const m1 = manualExecutor();
    const first = new TaskScheduler({ executor: m1.executor, store });
    const id = await first.submit(job('x', { maxRetries: 0 }));
    await flush();
    expect(m1.callFor(id).ctx.attempt).toBe(1);
    await first.close();
    const exec = fnExecutor();
    const second = new TaskScheduler({ executor: exec, store });
    expect(await second.ready()).toMatchObject({ interrupted: 1, failed: 0 });
    const r = await second.wait(id);
    expect(r.status).toBe(TaskStatus.Completed);
    expect(r.metrics.retryCount).toBe(0);
  });

  it('a task interrupted more than maxInterruptions times ends Failed with an interrupted error', async () => {
    const store = new MemoryTaskStore();
    let id: TaskId | undefined;
    // Each scheduler starts the task and is closed while it runs: a page that goes down every time.
    for (let page = 0; page < 3; page++) {
      const m = manualExecutor();
      const s = new TaskScheduler({ executor: m.executor, store, maxInterruptions: 2 });
      const report = await s.ready();
      if (page === 0) id = await s.submit(job('takes its page down', { maxRetries: 5 }));
      else expect(report).toMatchObject({ interrupted: 1, failed: 0 });
      await flush();
      expect(m.callFor(id as TaskId).ctx.attempt).toBe(1);
      await s.close();
    }
    expect((await store.get(id as TaskId))?.interruptions).toBe(2);
    const last = new TaskScheduler({ executor: fnExecutor(), store, maxInterruptions: 2 });
    expect(await last.ready()).toMatchObject({ interrupted: 0, failed: 1 });
    const r = await last.wait(id as TaskId);
    expect(r.status).toBe(TaskStatus.Failed);
    expect(r.errorCode).toBe('interrupted');
    expect(r.error).toContain('interrupted 3 times');
    expect(r.metrics.retryCount).toBe(0);
  });

  it('continues the submission order after a reload', async () => {
    const store = new MemoryTaskStore();
    const first = new TaskScheduler({ executor: fnExecutor(), store });
    await first.wait(await first.submit(job('a')));
    await first.close();
    const second = new TaskScheduler({ executor: fnExecutor(), store });
    const b = await second.submit(job('b'));
    expect((await store.get(b))?.seq).toBe(2);
  });
});

describe('adopt', () => {
  it('queues Pending records another writer put into the store, dependencies first, once', async () => {
    const store = new MemoryTaskStore();
    const exec = fnExecutor();
    const s = new TaskScheduler({ executor: exec, store });
    const done = await s.submit(job('done'));
    await s.wait(done);
    const { newTaskRecord, parseSubmission } = await import('../../index.js');
    const parentId = crypto.randomUUID() as TaskId;
    const childId = crypto.randomUUID() as TaskId;
    const parent = newTaskRecord(parseSubmission(job('parent', { dependencies: [done] })), parentId, Date.now(), 10);
    const child = newTaskRecord(parseSubmission(job('child', { dependencies: [parentId] })), childId, Date.now(), 11);
    await store.put([parent, child]);
    expect(await s.adopt([childId, parentId, childId])).toEqual([parentId, childId]);
    expect(await s.adopt([childId, '4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b' as TaskId])).toEqual([]);
    expect((await s.wait(childId)).status).toBe(TaskStatus.Completed);
    expect(exec.order).toEqual([done, parentId, childId]);
  });

  it('a submit depending on a Pending task another writer stored (not adopted yet) runs both, in order', async () => {
    const store = new MemoryTaskStore();
    const exec = fnExecutor();
    const s = new TaskScheduler({ executor: exec, store });
    await s.ready();
    const { newTaskRecord, parseSubmission } = await import('../../index.js');
    const otherId = crypto.randomUUID() as TaskId;
    await store.put([newTaskRecord(parseSubmission(job('other tab')), otherId, Date.now(), 5)]);
    const mine = await s.submit(job('mine', { dependencies: [otherId] }));
    expect((await s.wait(mine)).status).toBe(TaskStatus.Completed);
    expect((await s.wait(otherId)).status).toBe(TaskStatus.Completed);
    expect(exec.order).toEqual([otherId, mine]);
  });
});

describe('onIdle', () => {
  it('waits for submits still being written, not only for admitted tasks', async () => {
    const s = new TaskScheduler({ executor: fnExecutor() });
    await s.ready();
    const ids: Promise<TaskId>[] = [];
    for (let i = 0; i < 50; i++) ids.push(s.submit(job(`t${i}`)));
    await s.onIdle(); // no await on the submits themselves
    expect(s.getSnapshot().byStatus.Completed).toBe(50);
    await Promise.all(ids);
  });

  it('settles after close even with tasks left unfinished', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor });
    await s.submit(job('stuck'));
    await flush();
    await s.close();
    await expect(s.onIdle()).resolves.toBeUndefined();
  });
});

describe('Running is recorded truthfully', () => {
  it('a task waiting for a free slot is Pending in get() and the store; Running is durable before the executor has it', async () => {
    const store = new MemoryTaskStore();
    const m = manualExecutor(1);
    const seenAtCall: (string | undefined)[] = [];
    const executor = {
      ...m.executor,
      async execute(task: Parameters<typeof m.executor.execute>[0], ctx: Parameters<typeof m.executor.execute>[1]) {
        seenAtCall.push((await store.get(task.id))?.status);
        return m.executor.execute(task, ctx);
      },
    };
    const s = new TaskScheduler({ executor, store });
    const first = await s.submit(job('first'));
    const waiting = await s.submit(job('waiting'));
    await flush();
    expect(seenAtCall).toEqual([TaskStatus.Running]);
    expect((await s.get(first))?.status).toBe(TaskStatus.Running);
    expect((await s.get(waiting))?.status).toBe(TaskStatus.Pending);
    expect((await store.get(waiting))?.status).toBe(TaskStatus.Pending);
    m.callFor(first).resolve();
    await flush();
    expect((await store.get(waiting))?.status).toBe(TaskStatus.Running);
    await s.close();
  });

  it('an executor that reports fewer free slots than its capacity is handed no more', async () => {
    const m = manualExecutor(4);
    let free = 1;
    let notify: () => void = () => undefined;
    const executor = {
      ...m.executor,
      available: () => free - m.running,
      onAvailable(listener: () => void) {
        notify = listener;
        return () => undefined;
      },
    };
    const s = new TaskScheduler({ executor });
    const ids = await s.submitMany([job('a'), job('b'), job('c')]);
    await flush();
    expect(m.calls.map((c) => c.task.id)).toEqual([ids[0]]);
    expect((await s.get(ids[1] as TaskId))?.status).toBe(TaskStatus.Pending);
    free = 3; // two more workers started
    notify();
    await flush();
    expect(m.calls.map((c) => c.task.id)).toEqual(ids);
    await s.close();
  });
});
