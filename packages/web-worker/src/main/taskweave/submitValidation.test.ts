import { ValidationError, type SubmitTaskOptions } from '@taskweave/core';
import { parseSubmission } from '@taskweave/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaskweave, validateSubmission, type Taskweave } from '../../index.js';

// Two createTaskweave instances in one page behave as two tabs (real Web Locks, IndexedDB).
const createWorker = () => new Worker(new URL('../../__tests__/fixtures/test.worker.ts', import.meta.url), { type: 'module', name: 'validation-test' });
const open: Taskweave[] = [];
async function tab(name: string): Promise<Taskweave> {
  const tw = await createTaskweave({ name, pool: { createWorker, size: 1 } });
  open.push(tw);
  return tw;
}
afterEach(async () => {
  for (const tw of open.splice(0)) await tw.close();
});

async function storedCount(name: string): Promise<number> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(`taskweave:${name}`);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      const request = db.transaction('tasks').objectStore('tasks').count();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

const tensors = (data: number[], dims: number[]) => ({ kind: 'modelInput' as const, input: { format: 'tensors' as const, feeds: { x: { type: 'float32' as const, dims, data } } } });

/** Tasks the built-in handlers or the pool would refuse only when they ran. */
const bad: [string, SubmitTaskOptions, string][] = [
  ['ModelInference with text input', { type: 'ModelInference', input: { kind: 'text', text: 'hello' }, modelId: 'tiny-random-bert' }, 'input.kind'],
  ['ModelInference with binary input', { type: 'ModelInference', input: { kind: 'binary', data: new Uint8Array([1]) }, modelId: 'm.onnx' }, 'input.kind'],
  ['ModelInference without a modelId', { type: 'ModelInference', input: tensors([1, 2], [1, 2]) }, 'modelId'],
  ['a tensor feed whose data does not fill its dims', { type: 'ModelInference', input: tensors([1, 2, 3], [1, 2]), modelId: 'm.onnx' }, 'input.input.feeds.x.data'],
  ['a pipeline call without inputs', { type: 'ModelInference', input: { kind: 'modelInput', input: { format: 'pipeline', pipeline: 'text-classification', inputs: [] } }, modelId: 'tiny-random-bert' }, 'input.input.inputs'],
  ["metadata.backend 'cuda'", { type: 'custom:echo', input: { kind: 'text', text: 'x' }, metadata: { backend: 'cuda' } }, 'metadata.backend'],
  ["metadata.placement 'cloud'", { type: 'custom:echo', input: { kind: 'text', text: 'x' }, metadata: { placement: 'cloud' } }, 'metadata.placement'],
  ["metadata.dtype 'fp64'", { type: 'EmbeddingGeneration', input: { kind: 'text', text: 'x' }, modelId: 'use-lite', metadata: { dtype: 'fp64' } }, 'metadata.dtype'],
  ['EmbeddingGeneration without a modelId', { type: 'EmbeddingGeneration', input: { kind: 'text', text: 'x' } }, 'modelId'],
  [
    'a DataStorage document with text, no vector and no modelId',
    { type: 'DataStorage', input: { kind: 'custom', value: { collection: 'notes', documents: [{ id: 'a', vector: [1, 0] }, { id: 'b', text: 'never findable' }] } } },
    'input.value.documents.1.vector',
  ],
  ['a DataStorage document with neither text nor vector', { type: 'DataStorage', input: { kind: 'custom', value: { collection: 'notes', documents: [{ id: 'a' }] } }, modelId: 'use-lite' }, 'input.value.documents.0.text'],
  ['a DataStorage text input without a modelId', { type: 'DataStorage', input: { kind: 'text', text: 'note' }, metadata: { collection: 'notes' } }, 'modelId'],
  ['a text query without a modelId', { type: 'VectorSearch', input: { kind: 'query', query: { collection: 'notes', text: 'cats' } } }, 'modelId'],
];

const good: SubmitTaskOptions[] = [
  { type: 'ModelInference', input: tensors([1, 2], [1, 2]), modelId: 'm.onnx', metadata: { backend: 'wasm', dtype: 'fp32' } },
  { type: 'DataStorage', input: { kind: 'custom', value: { collection: 'notes', documents: [{ text: 'embedded at run time' }] } }, modelId: 'use-lite' },
  { type: 'DataStorage', input: { kind: 'custom', value: { collection: 'notes', documents: [{ text: 'has its own vector', vector: [0, 1] }] } } },
  { type: 'VectorSearch', input: { kind: 'query', query: { collection: 'notes', vector: [1, 0] } } },
  { type: 'custom:echo', input: { kind: 'text', text: 'x' }, metadata: { backend: 'auto', dtype: 'anything a custom handler likes' } },
];

describe('validation at submit, in every tab', () => {
  it('validateSubmission accepts what the handlers run', () => {
    for (const task of good) expect(validateSubmission(parseSubmission(task))).toEqual([]);
  });

  it('leader and follower refuse what the handlers would refuse, naming the field, and store nothing', async () => {
    const name = `validate-${crypto.randomUUID()}`;
    const leader = await tab(name);
    const follower = await tab(name);
    expect([leader.role, follower.role]).toEqual(['leader', 'follower']);
    for (const tw of [leader, follower]) {
      for (const [label, task, field] of bad) {
        const one = await tw.submit(task).catch((e: unknown) => e);
        expect(one, `${tw.role}: ${label}`).toBeInstanceOf(ValidationError);
        expect((one as ValidationError).field, `${tw.role}: ${label}`).toBe(field);
        expect((one as ValidationError).message).toContain(field);
        const many = await tw.submitMany([good[4]!, task]).catch((e: unknown) => e);
        expect((many as ValidationError).field, `${tw.role}: ${label} in submitMany`).toBe(`1.${field}`);
      }
    }
    expect(await storedCount(name)).toBe(0);
    // What passes is stored as before, from either tab.
    await leader.submit(good[4]!);
    await follower.submit(good[4]!);
    expect(await storedCount(name)).toBe(2);
  });
});
