/**
 * Cheap tasks share calls (real workers, real IndexedDB): a custom type the workers measured to
 * take well under `cheapTaskMs` runs many tasks per call, one after the other in one worker, so
 * one durable start write and one message each way serve many of them — each task keeping its own
 * outcome and its own attempt, a failing one failing alone.
 */
import { TaskStatus, TaskType } from '@taskweave/core';
import { afterEach, expect, it } from 'vitest';
import { createPlacementExecutor, createTaskweave, type Taskweave } from '../../index.js';

const open: Taskweave[] = [];
afterEach(async () => {
  for (const tw of open.splice(0)) await tw.close();
});

const createWorker = () => new Worker(new URL('../../__tests__/fixtures/cheap.worker.ts', import.meta.url), { type: 'module' });
const double = TaskType.custom('double');

it('a cheap custom type is batched once measured; each task keeps its own outcome', { timeout: 60_000 }, async () => {
  const tw = await createTaskweave({ name: `cheap-${crypto.randomUUID()}`, pool: { size: 2, createWorker } });
  open.push(tw);
  const ids = await tw.submitMany(Array.from({ length: 600 }, (_, i) => ({ type: double, input: { kind: 'custom' as const, value: i === 300 ? -1 : i }, maxRetries: 0 })));
  const results = await Promise.all(ids.map((id) => tw.wait(id)));
  // Every task its own output; the bad one failed alone.
  results.forEach((r, i) => {
    if (i === 300) {
      expect(r.status).toBe(TaskStatus.Failed);
      expect(r.error).toContain('minus one is refused');
    } else {
      expect(r.status).toBe(TaskStatus.Completed);
      expect(r.output).toEqual({ kind: 'custom', value: i * 2 });
    }
  });
  // The first ones ran alone (not measured yet), later ones shared calls.
  const sizes = results.map((r) => r.metrics.batchSize ?? 1);
  expect(sizes[0]).toBe(1);
  expect(Math.max(...sizes)).toBeGreaterThan(8);
  expect(sizes.filter((n) => n > 1).length).toBeGreaterThan(500);
  // Each task's duration is its own, not its call's.
  expect(results.every((r) => r.metrics.durationMs < 50)).toBe(true);
});

it('with cheapTaskMs: 0 every custom task runs alone', { timeout: 60_000 }, async () => {
  const tw = await createTaskweave({ name: `cheap-off-${crypto.randomUUID()}`, pool: { size: 1, createWorker, batching: { cheapTaskMs: 0 } } });
  open.push(tw);
  const ids = await tw.submitMany(Array.from({ length: 40 }, (_, i) => ({ type: double, input: { kind: 'custom' as const, value: i } })));
  const results = await Promise.all(ids.map((id) => tw.wait(id)));
  expect(results.every((r) => r.status === TaskStatus.Completed && (r.metrics.batchSize ?? 1) === 1)).toBe(true);
});

it('behind a placement executor, batches are still sized by the pool’s own key', async () => {
  const local = {
    capacity: 2,
    available: () => 2,
    batching: { key: () => 'cheap\u0000custom:double', maxBatchSize: 256, windowMs: 4, maxSizeOf: (key: string) => (key === 'cheap\u0000custom:double' ? 7 : 99) },
    execute: async () => ({ kind: 'none' as const }),
    executeBatch: async () => [],
  };
  const executor = createPlacementExecutor(local, { url: 'http://127.0.0.1:9/', getToken: () => 't' });
  const task = { id: crypto.randomUUID(), type: double, priority: 1, input: { kind: 'custom', value: 1 }, retryCount: 0, maxRetries: 0, dependencies: [], metadata: {}, createdAt: 0 } as never;
  const key = executor.batching?.key(task) as string;
  expect(key).toContain('custom:double');
  expect(executor.batching?.maxSizeOf?.(key)).toBe(7);
  await executor.close?.();
});
