import { describe, expect, it } from 'vitest';
import { TimeoutError, isTaskweaveError, outputOf, parseSubmission, requests, type TaskId, type TaskResult } from '../../index.js';

const result = (extra: Partial<TaskResult>): TaskResult => ({
  taskId: '00000000-0000-4000-8000-000000000000' as TaskId,
  status: 'Completed',
  output: { kind: 'none' },
  metrics: { durationMs: 0, queueWaitMs: 0, memoryBytes: 0, cpuUsage: 0, networkBytes: 0, retryCount: 0 },
  timestamp: 0,
  ...extra,
});

describe('request builders', () => {
  it('build valid submissions for every built-in type, keeping every submit option', () => {
    const built = [
      requests.embed('hi', { model: 'use-lite', priority: 2, maxRetries: 1 }),
      requests.embedMany(['a', 'b'], { model: 'use-lite' }),
      requests.store('notes', [{ text: 't' }, { id: 'x', vector: [1, 0] }], { model: 'use-lite', delete: ['old'] }),
      requests.search('notes', { text: 'q' }, { model: 'use-lite', topK: 3, filter: { tag: 'a' }, minScore: 0.1 }),
      requests.search('notes', { vector: [1, 0] }),
      requests.retrieve('notes', { ids: ['x'] }),
      requests.process('Some text.', { op: 'chunk', chunkSize: 100, deadline: Date.now() + 1000 }),
      requests.infer({ format: 'pipeline', pipeline: 'text-classification', inputs: 'hi' }, { model: 'tiny-random-bert' }),
    ];
    for (const options of built) expect(() => parseSubmission(options)).not.toThrow();
    expect(parseSubmission(built[0]!)).toMatchObject({ type: 'EmbeddingGeneration', modelId: 'use-lite', priority: 2, maxRetries: 1 });
    expect(built[3]).toMatchObject({ input: { kind: 'query', query: { collection: 'notes', text: 'q', topK: 3, filter: { tag: 'a' }, minScore: 0.1 } } });
    expect(built[2]).toMatchObject({ input: { kind: 'custom', value: { collection: 'notes', delete: ['old'] } } });
  });
});

describe('outputOf', () => {
  it('gives the typed output of a completed task', () => {
    const vector = new Float32Array([1, 0]);
    expect(outputOf('embed', result({ output: { kind: 'embedding', vector, dims: 2 } })).vector).toBe(vector);
  });

  it('throws the task’s error, of its class and code, when it did not complete', () => {
    const timedOut = (() => {
      try {
        outputOf('embed', result({ status: 'Timeout', error: 'Task reached its deadline', errorCode: 'timeout' }));
      } catch (e) {
        return e;
      }
    })();
    expect(timedOut).toBeInstanceOf(TimeoutError);
    expect((timedOut as Error).message).toBe('Task reached its deadline');
    expect(() => outputOf('store', result({ status: 'Failed', error: 'no', errorCode: 'validation' }))).toThrow(/no/);
    expect(isTaskweaveError((() => { try { outputOf('search', result({ output: { kind: 'stored', ids: [] } })); } catch (e) { return e; } })(), 'execution')).toBe(true);
  });
});
