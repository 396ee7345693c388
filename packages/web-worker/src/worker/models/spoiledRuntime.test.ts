/**
 * transformers.js 4.3 chains every ORT session creation (and every run) of a worker on the one
 * before it, so one rejected call is handed to every later call (huggingface/transformers.js#1767):
 * a worker whose model call failed would fail every task after it. The pool replaces such a worker
 * after its job (`WorkerHealth.replace`), so the next task loads its model in a fresh one.
 * The broken model is tiny-random-bert's folder with garbage bytes for its ONNX file
 * (the `serveBrokenModel` command of vitest.config.ts).
 */
import { TaskScheduler, TaskStatus, type SubmitTaskOptions, type TaskResult } from '@taskweave/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { createWorkerPool, type WorkerPool } from '../../index.js';

declare module 'vitest/browser' {
  interface BrowserCommands {
    /** Serves tiny-random-bert's files under /models/<folder>/, its onnx/model.onnx as garbage, while on. */
    serveBrokenModel(folder: string, on: boolean): Promise<void>;
  }
}

let pool: WorkerPool;
let scheduler: TaskScheduler;
beforeAll(async () => {
  await commands.serveBrokenModel('broken-bert', true);
  pool = createWorkerPool({ size: 1 });
  scheduler = new TaskScheduler({ executor: pool });
});
afterAll(async () => {
  await scheduler.close();
  await commands.serveBrokenModel('broken-bert', false);
});

const run = async (submission: SubmitTaskOptions): Promise<TaskResult> => scheduler.wait(await scheduler.submit(submission));

it('a worker whose transformers.js failed a model call is replaced: the next task loads its model in a fresh worker', { timeout: 120_000 }, async () => {
  const first = pool.snapshot().workers[0]?.id;
  const broken = await run({ type: 'EmbeddingGeneration', modelId: 'broken-bert', maxRetries: 0, input: { kind: 'text', text: 'hello world' } });
  expect(broken.status).toBe(TaskStatus.Failed);
  expect(broken.errorCode).toBe('execution');
  expect(broken.error).toContain('broken-bert');
  // Without the replacement this load would get the broken model's rejection back (same worker, same chain).
  const ok = await run({ type: 'EmbeddingGeneration', modelId: 'tiny-random-bert', maxRetries: 0, input: { kind: 'text', text: 'hello world' } });
  expect(ok.status, ok.error).toBe(TaskStatus.Completed);
  const snapshot = pool.snapshot();
  expect(snapshot.recycled).toBe(1);
  expect(snapshot.workers[0]?.id).not.toBe(first);
  // A worker whose calls all succeed is kept.
  const again = await run({ type: 'EmbeddingGeneration', modelId: 'tiny-random-bert', input: { kind: 'text', text: 'hello again' } });
  expect(again.status, again.error).toBe(TaskStatus.Completed);
  expect(pool.snapshot().recycled).toBe(1);
});
