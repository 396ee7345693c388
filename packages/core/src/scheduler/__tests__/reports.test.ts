/**
 * What a running attempt reports besides its end: progress and chunks as events, checkpoints
 * written with the record (a progress event, no status event) and handed to the next run as
 * `resumeFrom`, with its chunks numbered on from the checkpoint.
 */
import { describe, expect, it } from 'vitest';
import { MemoryTaskStore, TaskScheduler, TaskStatus, TaskweaveError, type SchedulerEvent } from '../../index.js';
import { job, manualExecutor } from '../../__tests__/helpers.js';

function recorder(scheduler: TaskScheduler) {
  const events: SchedulerEvent[] = [];
  scheduler.subscribe((event) => events.push(event));
  return events;
}

describe('attempt reports', () => {
  it('progress and chunks are events in order; a checkpoint is stored and announced as progress, not status', async () => {
    const store = new MemoryTaskStore();
    const exec = manualExecutor();
    const scheduler = new TaskScheduler({ executor: exec.executor, store });
    const events = recorder(scheduler);
    const id = await scheduler.submit(job('a'));
    const call = await exec.called(id);
    call.ctx.progress({ done: 1, total: 4, note: 'first' });
    call.ctx.emit('chunk 0');
    call.ctx.emit({ page: 1 });
    const statusesBefore = events.filter((e) => e.type === 'status').length;
    await call.ctx.checkpoint({ cursor: 2 });
    expect((await store.get(id))?.checkpoint).toMatchObject({ state: { cursor: 2 }, chunks: 2, progress: { done: 1, total: 4, note: 'first' } });
    expect((await store.get(id))?.status).toBe(TaskStatus.Running);
    expect((await store.get(id))?.wrote).toBe('checkpoint');
    expect(events.filter((e) => e.type === 'status').length).toBe(statusesBefore);
    call.resolve();
    await scheduler.wait(id);
    const reports = events.filter((e) => e.type === 'progress' || e.type === 'chunk');
    expect(reports).toEqual([
      { type: 'progress', taskId: id, done: 1, total: 4, note: 'first' },
      { type: 'chunk', taskId: id, index: 0, chunk: 'chunk 0' },
      { type: 'chunk', taskId: id, index: 1, chunk: { page: 1 } },
      { type: 'progress', taskId: id, done: 1, total: 4, note: 'first', checkpoint: true },
    ]);
    // The end drops the checkpoint from the record.
    const ended = await store.get(id);
    expect(ended?.checkpoint).toBeUndefined();
    expect(ended?.wrote).toBeUndefined();
    await scheduler.close();
  });

  it('refuses a checkpoint over maxCheckpointBytes or holding a function, naming the field; nothing is written', async () => {
    const store = new MemoryTaskStore();
    const exec = manualExecutor();
    const scheduler = new TaskScheduler({ executor: exec.executor, store, maxCheckpointBytes: 100 });
    const id = await scheduler.submit(job('a'));
    const call = await exec.called(id);
    const big = call.ctx.checkpoint({ text: 'x'.repeat(60) });
    await expect(big).rejects.toMatchObject({ code: 'validation', field: 'checkpoint' });
    await expect(big).rejects.toThrow(/more than 100 bytes/);
    await expect(call.ctx.checkpoint({ f: () => 1 })).rejects.toMatchObject({ code: 'validation', field: 'checkpoint.f' });
    expect((await store.get(id))?.checkpoint).toBeUndefined();
    call.resolve();
    await scheduler.wait(id);
    await scheduler.close();
  });

  it('an attempt that is over reports nothing: chunks are dropped, a checkpoint is refused', async () => {
    const exec = manualExecutor();
    const scheduler = new TaskScheduler({ executor: exec.executor });
    const events = recorder(scheduler);
    const id = await scheduler.submit(job('a'));
    const call = await exec.called(id);
    await scheduler.cancel(id);
    call.ctx.emit('late');
    call.ctx.progress({ done: 9 });
    await expect(call.ctx.checkpoint({ late: true })).rejects.toBeInstanceOf(TaskweaveError);
    expect(events.some((e) => e.type === 'chunk' || e.type === 'progress')).toBe(false);
    await scheduler.close();
  });

  it('a run interrupted by close() resumes from its checkpoint in the next scheduler, numbering chunks on', async () => {
    const store = new MemoryTaskStore();
    const first = manualExecutor();
    const a = new TaskScheduler({ executor: first.executor, store });
    const id = await a.submit(job('long'));
    const call = await first.called(id);
    expect(call.ctx.resumeFrom).toBeUndefined();
    call.ctx.emit('c0');
    call.ctx.emit('c1');
    call.ctx.progress({ done: 2, total: 5 });
    await call.ctx.checkpoint({ next: 2 });
    call.ctx.emit('c2 (lost with the interruption)');
    await a.close();

    const second = manualExecutor();
    const b = new TaskScheduler({ executor: second.executor, store });
    const events = recorder(b);
    const report = await b.ready();
    expect(report.interrupted).toBe(1);
    const resumed = await second.called(id);
    expect(resumed.ctx.resumeFrom).toEqual({ next: 2 });
    resumed.ctx.emit('c2');
    resumed.resolve();
    await b.wait(id);
    expect(events.filter((e) => e.type === 'chunk')).toEqual([{ type: 'chunk', taskId: id, index: 2, chunk: 'c2' }]);
    await b.close();
    await store.close();
  });

  it('a retry resumes from the checkpoint its failed attempt took', async () => {
    const exec = manualExecutor();
    const scheduler = new TaskScheduler({ executor: exec.executor, retryDelay: 0 });
    const id = await scheduler.submit(job('a', { maxRetries: 1 }));
    const call = await exec.called(id);
    await call.ctx.checkpoint({ step: 3 });
    call.reject(new TaskweaveError('execution', 'flaky', { retryable: true }));
    await expect.poll(() => exec.calls.length).toBe(2);
    const retried = exec.callFor(id);
    expect(retried.ctx.attempt).toBe(2);
    expect(retried.ctx.resumeFrom).toEqual({ step: 3 });
    retried.resolve();
    await expect(scheduler.wait(id)).resolves.toMatchObject({ status: TaskStatus.Completed });
    await scheduler.close();
  });
});
