import { TaskScheduler, TaskStatus, TaskType, isTaskweaveError, type TaskResult } from '@taskweave/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkerPool, type PoolEvent, type WorkerPool, type WorkerPoolOptions } from '../index.js';

const createWorker = () => new Worker(new URL('./fixtures/test.worker.ts', import.meta.url), { type: 'module', name: 'test' });

const open: Array<{ pool: WorkerPool; scheduler: TaskScheduler }> = [];
function setup(options: WorkerPoolOptions = {}, retry: { baseDelayMs?: number } = { baseDelayMs: 10 }) {
  const pool = createWorkerPool({ createWorker, size: 2, abortGraceMs: 300, ...options });
  const scheduler = new TaskScheduler({ executor: pool, ...retry });
  open.push({ pool, scheduler });
  return { pool, scheduler };
}
afterEach(async () => {
  for (const { scheduler } of open.splice(0)) await scheduler.close();
});

const text = (type: `custom:${string}`, value: string, extra: Record<string, unknown> = {}) => ({
  type,
  input: { kind: 'text' as const, text: value },
  ...extra,
});
const valueOf = (result: TaskResult) => (result.output.kind === 'custom' ? (result.output.value as Record<string, unknown>) : undefined);

describe('worker pool through the scheduler', () => {
  it('runs a custom handler registered in the app worker and reports worker-measured metrics', async () => {
    const { scheduler } = setup();
    const id = await scheduler.submit(text('custom:echo', 'hello'));
    const result = await scheduler.wait(id);
    expect(result.status).toBe(TaskStatus.Completed);
    expect(valueOf(result)?.['text']).toBe('hello');
    expect(valueOf(result)?.['worker']).toBe('test');
    expect(result.metrics.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.metrics.cpuUsage).toBeGreaterThanOrEqual(0);
    expect(result.metrics.cpuUsage).toBeLessThanOrEqual(1);
  });
});
