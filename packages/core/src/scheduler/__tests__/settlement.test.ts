/** How tasks end: deadlines, retries by the rules, cancellation (scheduler/settlement.ts). */
import { describe, expect, it, vi } from 'vitest';
import {
  TaskScheduler,
  TaskStatus,
  TaskweaveError,
  isTaskweaveError,
  type SchedulerEvent,
  type TaskId,
} from '../../index.js';
import { flush, fnExecutor, manualExecutor, T0, job, useFakeClock } from '../../__tests__/helpers.js';

useFakeClock();

describe('deadlines', () => {
  it('a task not started by its deadline ends Timeout without running', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor, concurrency: 1 });
    const blocker = await s.submit(job('blocker'));
    const late = await s.submit(job('late', { deadline: new Date(T0 + 5_000) }));
    await vi.advanceTimersByTimeAsync(5_000);
    const r = await s.wait(late);
    expect(r.status).toBe(TaskStatus.Timeout);
    expect(r.errorCode).toBe('timeout');
    expect(r.error).toContain('before it started');
    m.callFor(blocker).resolve();
    await s.onIdle();
    expect(m.calls.map((c) => c.task.id)).toEqual([blocker]);
  });

  it('a deadline already past at submit ends Timeout at once', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor });
    const id = await s.submit(job('past', { deadline: new Date(T0 - 1).toISOString() }));
    expect((await s.wait(id)).status).toBe(TaskStatus.Timeout);
    expect(m.calls).toHaveLength(0);
  });

  it('a task running at its deadline has its signal aborted and ends Timeout', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor });
    const id = await s.submit(job('slow', { deadline: T0 + 2_000 }));
    await flush();
    const call = m.callFor(id);
    expect(call.ctx.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(call.ctx.signal.aborted).toBe(true);
    expect(isTaskweaveError(call.ctx.signal.reason, 'timeout')).toBe(true);
    const r = await s.wait(id);
    expect(r.status).toBe(TaskStatus.Timeout);
    expect(r.metrics.durationMs).toBe(2_000);
    // A late answer from the executor changes nothing.
    call.resolve();
    await flush();
    expect((await s.get(id))?.status).toBe(TaskStatus.Timeout);
  });
});

describe('retries', () => {
  it('retries retryable failures with exponential backoff and counts them', async () => {
    let n = 0;
    const starts: number[] = [];
    const s = new TaskScheduler({
      baseDelayMs: 100,
      random: () => 1, // jitter at its top: delays are exactly 100, 200, 400
      executor: fnExecutor(() => {
        starts.push(Date.now() - T0);
        if (++n <= 3) throw new Error(`flaky ${n}`);
        return { kind: 'text', text: 'finally' };
      }),
    });
    const events: SchedulerEvent[] = [];
    s.subscribe((e) => events.push(e));
    const id = await s.submit(job('flaky', { maxRetries: 3 }));
    await vi.advanceTimersByTimeAsync(10_000);
    const r = await s.wait(id);
    expect(r.status).toBe(TaskStatus.Completed);
    expect(r.metrics.retryCount).toBe(3);
    expect((await s.get(id))?.retryCount).toBe(3);
    expect(starts).toEqual([0, 100, 300, 700]);
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.map((e) => e.type === 'retry' && [e.retryCount, e.delayMs])).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
    ]);
  });

  it('jitter spreads delays between half and all of the backoff', async () => {
    const delays: number[] = [];
    for (const r of [0, 0.5]) {
      const s = new TaskScheduler({ baseDelayMs: 1_000, random: () => r, executor: fnExecutor(() => Promise.reject(new Error('x'))) });
      s.subscribe((e) => e.type === 'retry' && delays.push(e.delayMs));
      await s.submit(job('j', { maxRetries: 1 }));
      await vi.advanceTimersByTimeAsync(5_000);
      await s.onIdle();
    }
    expect(delays).toEqual([500, 750]);
  });

  it('fails after maxRetries with the last error', async () => {
    let n = 0;
    const s = new TaskScheduler({ retryDelay: 10, executor: fnExecutor(() => Promise.reject(new Error(`fail ${++n}`))) });
    const id = await s.submit(job('x', { maxRetries: 2 }));
    await vi.advanceTimersByTimeAsync(1_000);
    const r = await s.wait(id);
    expect(r.status).toBe(TaskStatus.Failed);
    expect(r.error).toContain('fail 3');
    expect(r.metrics.retryCount).toBe(2);
    expect(n).toBe(3);
  });

  it('does not retry a non-retryable error', async () => {
    let n = 0;
    const s = new TaskScheduler({
      retryDelay: 10,
      executor: fnExecutor(() => {
        n++;
        throw new TaskweaveError('validation', 'bad input', { retryable: false });
      }),
    });
    const r = await s.wait(await s.submit(job('x', { maxRetries: 5 })));
    expect(r.status).toBe(TaskStatus.Failed);
    expect(r.errorCode).toBe('validation');
    expect(n).toBe(1);
  });

  it('does not retry when the retry could not start before the deadline', async () => {
    let n = 0;
    const s = new TaskScheduler({
      retryDelay: 1_000,
      executor: fnExecutor(() => {
        n++;
        throw new Error('nope');
      }),
    });
    const id = await s.submit(job('x', { maxRetries: 5, deadline: T0 + 500 }));
    const r = await s.wait(id);
    expect(r.status).toBe(TaskStatus.Failed);
    expect(r.error).toContain('could not start before the deadline');
    expect(n).toBe(1);
  });

  it('a worker-crash error is retried', async () => {
    const { WorkerCrashedError } = await import('../../index.js');
    let n = 0;
    const s = new TaskScheduler({
      retryDelay: 0,
      executor: fnExecutor(() => {
        if (n++ === 0) throw new WorkerCrashedError();
        return { kind: 'none' };
      }),
    });
    const id = await s.submit(job('x', { maxRetries: 1 }));
    await vi.advanceTimersByTimeAsync(10);
    expect((await s.wait(id)).status).toBe(TaskStatus.Completed);
  });
});

describe('cancel', () => {
  it('a queued task settles Cancelled at once and never runs', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor, concurrency: 1 });
    const first = await s.submit(job('first'));
    const queued = await s.submit(job('queued'));
    await flush();
    expect(await s.cancel(queued)).toBe(true);
    expect((await s.wait(queued)).status).toBe(TaskStatus.Cancelled);
    m.callFor(first).resolve();
    await s.onIdle();
    expect(m.calls.map((c) => c.task.id)).toEqual([first]);
  });

  it('a running task has its signal aborted with a cancelled error', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor });
    const id = await s.submit(job('run'));
    await flush();
    expect(await s.cancel(id)).toBe(true);
    const call = m.callFor(id);
    expect(call.ctx.signal.aborted).toBe(true);
    expect(isTaskweaveError(call.ctx.signal.reason, 'cancelled')).toBe(true);
    const r = await s.wait(id);
    expect(r.status).toBe(TaskStatus.Cancelled);
    expect(r.errorCode).toBe('cancelled');
  });

  it('a task waiting on a dependency, or on a retry, can be cancelled; cancel cascades', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: m.executor, retryDelay: 60_000 });
    const parent = await s.submit(job('parent', { maxRetries: 1 }));
    const child = await s.submit(job('child', { dependencies: [parent] }));
    const blocked = await s.submit(job('blocked', { dependencies: [child] }));
    await flush();
    m.callFor(parent).reject(new Error('transient'));
    await flush();
    expect((await s.get(parent))?.status).toBe(TaskStatus.Pending);
    expect(await s.cancel(parent)).toBe(true);
    expect((await s.wait(parent)).status).toBe(TaskStatus.Cancelled);
    expect((await s.wait(child)).status).toBe(TaskStatus.Cancelled);
    expect((await s.wait(blocked)).status).toBe(TaskStatus.Cancelled);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(m.calls).toHaveLength(1);
  });

  it('a running task whose cancel the executor settles: Cancelled when the executor gives up, with its dependents', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: { ...m.executor, cancelWaitsForOutcome: () => true } });
    const id = await s.submit(job('store', { maxRetries: 3 }));
    const child = await s.submit(job('child', { dependencies: [id] }));
    const call = await m.called(id);
    let answered: boolean | undefined;
    const cancelled = s.cancel(id).then((a) => (answered = a));
    await flush();
    // Aborted, but not settled: the executor's outcome decides.
    expect(call.ctx.signal.aborted).toBe(true);
    expect(isTaskweaveError(call.ctx.signal.reason, 'cancelled')).toBe(true);
    expect(answered).toBeUndefined();
    expect((await s.get(id))?.status).toBe(TaskStatus.Running);
    // A second cancel waits for the same outcome.
    const again = s.cancel(id);
    call.reject(call.ctx.signal.reason);
    expect(await cancelled).toBe(true);
    expect(await again).toBe(true);
    const r = await s.wait(id);
    expect(r.status).toBe(TaskStatus.Cancelled);
    expect(r.errorCode).toBe('cancelled');
    expect((await s.wait(child)).status).toBe(TaskStatus.Cancelled);
    // Not retried, though retries were left.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(m.calls).toHaveLength(1);
  });

  it('a running task whose effect committed before the cancel reached it ends Completed, and cancel answers false', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: { ...m.executor, cancelWaitsForOutcome: (task) => task.type === 'DataStorage' } });
    const id = await s.submit(job('store', { type: 'DataStorage', input: { kind: 'text', text: 'note' } }));
    const child = await s.submit(job('child', { dependencies: [id] }));
    const call = await m.called(id);
    const cancelled = s.cancel(id);
    await flush();
    call.resolve({ kind: 'stored', ids: ['a'] });
    expect(await cancelled).toBe(false);
    expect((await s.wait(id)).status).toBe(TaskStatus.Completed);
    // Run once, not again: counted for this task alone, since its end released the child, whose
    // start may or may not have reached the executor by the time this await resumes.
    expect(m.calls.filter((c) => c.task.id === id)).toHaveLength(1);
    (await m.called(child)).resolve();
    expect((await s.wait(child)).status).toBe(TaskStatus.Completed);
  });

  it('a task the executor does not settle by outcome ends Cancelled at once even if its executor completes later', async () => {
    const m = manualExecutor();
    const s = new TaskScheduler({ executor: { ...m.executor, cancelWaitsForOutcome: (task) => task.type === 'DataStorage' } });
    const id = await s.submit(job('custom'));
    const call = await m.called(id);
    expect(await s.cancel(id)).toBe(true);
    call.resolve();
    expect((await s.wait(id)).status).toBe(TaskStatus.Cancelled);
  });

  it('returns false for a finished or unknown task', async () => {
    const s = new TaskScheduler({ executor: fnExecutor() });
    const id = await s.submit(job('x'));
    await s.wait(id);
    expect(await s.cancel(id)).toBe(false);
    expect(await s.cancel('4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b' as TaskId)).toBe(false);
  });
});
