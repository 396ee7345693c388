import { describe, expect, it } from 'vitest';
import { TaskPriority, TaskType, ValidationError, fromSeedResult, fromSeedTask, toSeedResult, toSeedTask, type Task, type TaskId, type TaskResult } from '../../index.js';

const id = '0f8fad5b-d9cb-469f-a165-70867728950e' as TaskId;
const dep = '7c9e6679-7425-40de-944b-e07fc1f90ae7' as TaskId;

describe('seed JSON codec', () => {
  it('writes a Task exactly as serde would', () => {
    const task: Task = {
      id,
      type: TaskType.custom('resize'),
      priority: TaskPriority.High,
      input: { kind: 'text', text: 'hello' },
      modelId: 'use-lite',
      deadline: Date.UTC(2026, 10, 28, 12, 30, 0, 250),
      retryCount: 1,
      maxRetries: 3,
      dependencies: [dep],
      metadata: { backend: 'wasm' },
      createdAt: 0,
    };
    expect(toSeedTask(task)).toEqual({
      id,
      task_type: { Custom: 'resize' },
      priority: 'High',
      input: { Text: 'hello' },
      model_id: 'use-lite',
      deadline: '2026-11-28T12:30:00.250Z',
      retry_count: 1,
      max_retries: 3,
      dependencies: [dep],
      metadata: { backend: 'wasm' },
    });
    expect(fromSeedTask(JSON.parse(JSON.stringify(toSeedTask(task))), 0)).toEqual(task);
  });

  it.each([
    [{ kind: 'binary', data: new Uint8Array([1, 2, 255]) }, { Binary: [1, 2, 255] }],
    [
      { kind: 'query', query: { collection: 'notes', vector: new Float32Array([0.5, 0.25]), topK: 5, minScore: 0.5 } },
      { Query: { collection: 'notes', vector: [0.5, 0.25], text: null, top_k: 5, filter: null, min_score: 0.5 } },
    ],
    [{ kind: 'custom', value: { a: [1, 'b'] } }, { Custom: { a: [1, 'b'] } }],
    [
      { kind: 'modelInput', input: { format: 'tensors', feeds: { x: { type: 'float32', dims: [1, 2], data: new Float32Array([1, 2]) } } } },
      { ModelInput: { Tensors: { feeds: { x: { type: 'float32', dims: [1, 2], data: [1, 2] } }, output_names: null } } },
    ],
  ] as const)('round-trips input %#', (input, seed) => {
    const task = { id, type: TaskType.ModelInference, priority: 0, input, retryCount: 0, maxRetries: 0, dependencies: [], metadata: {}, createdAt: 5 } as unknown as Task;
    const written = toSeedTask(task);
    expect(written['input']).toEqual(seed);
    expect(fromSeedTask(JSON.parse(JSON.stringify(written)), 5)).toEqual(task);
  });

  it('writes results with { secs, nanos } durations and RFC 3339 timestamps', () => {
    const result: TaskResult = {
      taskId: id,
      status: 'Completed',
      output: { kind: 'embedding', vector: new Float32Array([0.5, -1]), dims: 2 },
      metrics: { durationMs: 1234.5, queueWaitMs: 0, memoryBytes: 10, cpuUsage: 0.5, networkBytes: 3, retryCount: 2 },
      timestamp: Date.UTC(2026, 0, 2, 3, 4, 5),
    };
    const written = toSeedResult(result);
    expect(written).toEqual({
      task_id: id,
      status: 'Completed',
      output: { Embedding: { vector: [0.5, -1], dims: 2 } },
      error: null,
      metrics: { duration: { secs: 1, nanos: 234_500_000 }, memory_bytes: 10, cpu_usage: 0.5, network_bytes: 3, retry_count: 2 },
      timestamp: '2026-01-02T03:04:05.000Z',
    });
    expect(fromSeedResult(JSON.parse(JSON.stringify(written)))).toEqual(result);
    const failed = toSeedResult({ ...result, status: 'Failed', output: { kind: 'none' }, error: 'boom' });
    expect(failed['output']).toBe('None');
    expect(fromSeedResult(failed)).toMatchObject({ status: 'Failed', error: 'boom', output: { kind: 'none' } });
  });

  it('refuses malformed seed JSON with a field name', () => {
    expect(() => fromSeedTask({ id, task_type: 'Nope', priority: 'High', input: { Text: 'x' }, retry_count: 0, max_retries: 0, dependencies: [], metadata: {} })).toThrow(ValidationError);
    expect(() => fromSeedTask({ id, task_type: 'TextProcessing', priority: 'Urgent', input: { Text: 'x' }, retry_count: 0, max_retries: 0, dependencies: [], metadata: {} })).toThrow(/priority/);
    expect(() => fromSeedResult({ task_id: id, status: 'Done', output: 'None', metrics: { duration: { secs: 0, nanos: 0 }, memory_bytes: 0, cpu_usage: 0, network_bytes: 0, retry_count: 0 }, timestamp: '2026-01-01T00:00:00Z' })).toThrow(/status/);
  });
});
