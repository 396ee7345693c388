import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import { outputFromPlainJson, resultFromPlainJson, toPlainJson } from '../plainJson.js';
import type { TaskOutput, TaskResult } from '../../task.js';

const through = (value: unknown) => JSON.parse(JSON.stringify(toPlainJson(value))) as unknown;

describe('tasks over JSON', () => {
  it('every output kind with typed arrays comes back with the same arrays, typed', () => {
    const outputs: TaskOutput[] = [
      { kind: 'embedding', vector: new Float32Array([0.5, -1, 2]), dims: 3 },
      { kind: 'embeddings', vectors: [new Float32Array([1, 2]), new Float32Array([3, 4])], dims: 2 },
      { kind: 'binary', data: new Uint8Array([0, 255, 7]) },
      { kind: 'tensors', tensors: { logits: { type: 'float32', dims: [1, 2], data: new Float32Array([0.25, 0.75]) }, ids: { type: 'int64', dims: [2], data: new BigInt64Array([5n, 6n]) } } },
      { kind: 'text', text: 'plain' },
    ];
    for (const output of outputs) expect(outputFromPlainJson(through(output))).toEqual(output);
  });

  it('a result comes back whole; a bad one is a ValidationError naming the field', () => {
    const result: TaskResult = {
      taskId: crypto.randomUUID() as TaskResult['taskId'],
      status: 'Completed' as TaskResult['status'],
      output: { kind: 'embedding', vector: new Float32Array([1, 0]), dims: 2 },
      metrics: { durationMs: 1, queueWaitMs: 0, memoryBytes: 0, cpuUsage: 0, networkBytes: 0, retryCount: 0 },
      timestamp: 5,
    };
    expect(resultFromPlainJson(through(result))).toEqual(result);
    const bad = { ...(through(result) as object), output: { kind: 'embedding', vector: 'nope', dims: 2 } };
    const error = (() => {
      try {
        resultFromPlainJson(bad);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.field).toMatch(/vector/);
  });
});
