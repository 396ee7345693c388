import { describe, expect, it } from 'vitest';
import {
  MemoryTaskStore,
  PersistenceError,
  TaskScheduler,
  TaskStatus,
  ValidationError,
  deserializeError,
  isTaskweaveError,
  outputOf,
  parseTaskResult,
  serializeError,
  type TaskResult,
} from '../index.js';
import { fnExecutor, job } from './helpers.js';

const issues = [
  { path: ['input', 'value', 'op'], message: 'expected one of normalize|chunk|tokens' },
  { path: ['input', 'value', 'overlap'], message: 'must be smaller than chunkSize' },
];

describe('a validation error keeps its shape', () => {
  it('serializeError → structured clone → deserializeError keeps code, field, issues and retryable', () => {
    const original = ValidationError.fromIssues('TextProcessing', issues);
    const back = deserializeError(structuredClone(serializeError(original)));
    expect(back).toBeInstanceOf(ValidationError);
    expect(isTaskweaveError(back, 'validation')).toBe(true);
    expect(back.retryable).toBe(false);
    expect(back.message).toBe(original.message);
    expect((back as ValidationError).field).toBe('input.value.op');
    expect((back as ValidationError).issues).toEqual([
      { path: ['input', 'value', 'op'], field: 'input.value.op', message: 'expected one of normalize|chunk|tokens' },
      { path: ['input', 'value', 'overlap'], field: 'input.value.overlap', message: 'must be smaller than chunkSize' },
    ]);
  });

  it('a task failed by a ValidationError stores its issues, and its result rebuilds the error with field and issues', async () => {
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({
      executor: fnExecutor(() => {
        throw ValidationError.fromIssues('TextProcessing', issues);
      }),
      store,
    });
    const id = await s.submit(job('x'));
    const result = await s.wait(id);
    expect(result.status).toBe(TaskStatus.Failed);
    // One attempt: a validation error is not retried.
    expect(result.metrics.retryCount).toBe(0);
    // What another tab reads: the stored record, through the stored-record schema.
    const stored = (await store.get(id))?.result as TaskResult;
    const parsed = parseTaskResult(structuredClone(stored));
    const error = (() => {
      try {
        outputOf('process', parsed);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('input.value.op');
    expect((error as ValidationError).issues.map((i) => i.field)).toEqual(['input.value.op', 'input.value.overlap']);
    expect((error as ValidationError).details).toMatchObject({ taskId: id });
    await s.close();
  });

  it('a result stored before errorDetails existed still loads and rebuilds a ValidationError (without a field)', () => {
    const old = {
      taskId: '4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b',
      status: TaskStatus.Failed,
      output: { kind: 'text', text: '' },
      error: 'TextProcessing: invalid input.value.op — expected one of normalize|chunk|tokens',
      errorCode: 'validation',
      metrics: { durationMs: 1, queueWaitMs: 0, memoryBytes: 0, cpuUsage: 0, networkBytes: 0, retryCount: 0 },
      timestamp: 1,
    };
    const parsed = parseTaskResult(old);
    expect(parsed.errorDetails).toBeUndefined();
    const error = (() => {
      try {
        outputOf('process', parsed);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('');
  });

  it("a result's error code model-not-found is kept (not read as execution)", () => {
    const parsed = parseTaskResult({
      taskId: '4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b',
      status: TaskStatus.Failed,
      output: { kind: 'text', text: '' },
      error: 'Model "use-light" not found at /models/use-light/config.json',
      errorCode: 'model-not-found',
      errorDetails: { modelId: 'use-light', url: '/models/use-light/config.json' },
      metrics: { durationMs: 1, queueWaitMs: 0, memoryBytes: 0, cpuUsage: 0, networkBytes: 0, retryCount: 0 },
      timestamp: 1,
    });
    expect(() => outputOf('embed', parsed)).toThrow(expect.objectContaining({ code: 'model-not-found', details: expect.objectContaining({ modelId: 'use-light' }) }));
  });

  it("a task's quota error is retryable across the worker boundary; other persistence errors are not", async () => {
    const { toPersistenceError } = await import('../adapters/idb/persistenceError.js');
    const quota = toPersistenceError(new DOMException('full', 'QuotaExceededError'), 'writing to collection notes');
    const back = deserializeError(structuredClone(serializeError(quota)));
    expect(back).toBeInstanceOf(PersistenceError);
    expect([(back as PersistenceError).reason, back.retryable]).toEqual(['quota', true]);
    const broken = deserializeError(structuredClone(serializeError(toPersistenceError(new DOMException('gone', 'InvalidStateError'), 'reading'))));
    expect([(broken as PersistenceError).reason, broken.retryable]).toEqual(['unavailable', false]);
  });
});
