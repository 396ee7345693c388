import { TaskStatus, ValidationError, type SubmitTaskOptions, type ValidationIssue } from '@taskweave/core';
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
  ['a blank DataStorage text to embed', { type: 'DataStorage', input: { kind: 'custom', value: { collection: 'notes', documents: [{ text: '  ' }] } }, modelId: 'use-lite' }, 'input.value.documents.0.text'],
  [
    'DataStorage vectors of two lengths',
    { type: 'DataStorage', input: { kind: 'custom', value: { collection: 'notes', documents: [{ vector: [1, 0] }, { vector: [1, 0, 0] }] } } },
    'input.value.documents.1.vector',
  ],
  ['a DataRetrieval cursor with ids', { type: 'DataRetrieval', input: { kind: 'custom', value: { collection: 'notes', ids: ['a'], cursor: '3' } } }, 'input.value.cursor'],
  ['a DataRetrieval limit of 0', { type: 'DataRetrieval', input: { kind: 'custom', value: { collection: 'notes', limit: 0 } } }, 'input.value.limit'],
  ['an EmbeddingGeneration blank text in texts', { type: 'EmbeddingGeneration', input: { kind: 'custom', value: { texts: ['a', ' '] } }, modelId: 'use-lite' }, 'input.value.texts.1'],
  ...textProcessingMistakes(),
];

/** Each TextProcessing option mistake, as `tw.process` writes it (custom input) and as metadata of a text input. */
function textProcessingMistakes(): [string, SubmitTaskOptions, string][] {
  const options: [string, Record<string, unknown>, string][] = [
    ['op', { op: 'nope' }, 'op'],
    ['by', { by: 'word' }, 'by'],
    ['sizeUnit', { sizeUnit: 'bytes' }, 'sizeUnit'],
    ['chunkSize', { chunkSize: 0 }, 'chunkSize'],
    ['overlap', { chunkSize: 8, overlap: 8 }, 'overlap'],
    ['locale', { locale: 'not a locale!' }, 'locale'],
  ];
  const out: [string, SubmitTaskOptions, string][] = [];
  for (const [name, value, field] of options) {
    out.push([`TextProcessing ${name}`, { type: 'TextProcessing', input: { kind: 'custom', value: { text: 'a b.', ...value } } }, `input.value.${field}`]);
    const metadata = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
    out.push([`TextProcessing metadata.${name}`, { type: 'TextProcessing', input: { kind: 'text', text: 'a b.' }, metadata }, `metadata.${field}`]);
  }
  out.push(["TextProcessing op 'tokens' without a model", { type: 'TextProcessing', input: { kind: 'custom', value: { text: 'a b.', op: 'tokens' } } }, 'modelId']);
  out.push(["TextProcessing sizeUnit 'tokens' without a model", { type: 'TextProcessing', input: { kind: 'text', text: 'a b.' }, metadata: { sizeUnit: 'tokens' } }, 'modelId']);
  out.push(['TextProcessing with a misspelt option', { type: 'TextProcessing', input: { kind: 'custom', value: { text: 'a b.', size: 10 } } }, 'input.value.size']);
  return out;
}

const good: SubmitTaskOptions[] = [
  { type: 'ModelInference', input: tensors([1, 2], [1, 2]), modelId: 'm.onnx', metadata: { backend: 'wasm', dtype: 'fp32' } },
  { type: 'DataStorage', input: { kind: 'custom', value: { collection: 'notes', documents: [{ text: 'embedded at run time' }] } }, modelId: 'use-lite' },
  { type: 'DataStorage', input: { kind: 'custom', value: { collection: 'notes', documents: [{ text: 'has its own vector', vector: [0, 1] }] } } },
  { type: 'VectorSearch', input: { kind: 'query', query: { collection: 'notes', vector: [1, 0] } } },
  { type: 'custom:echo', input: { kind: 'text', text: 'x' }, metadata: { backend: 'auto', dtype: 'anything a custom handler likes' } },
  { type: 'TextProcessing', input: { kind: 'custom', value: { text: 'a b.', op: 'chunk', by: 'paragraph', chunkSize: 8, overlap: 2, locale: 'de-CH' } } },
  { type: 'TextProcessing', input: { kind: 'text', text: 'a b.' }, metadata: { op: 'tokens', sizeUnit: 'tokens', chunkSize: '64' }, modelId: 'use-lite' },
  { type: 'DataRetrieval', input: { kind: 'custom', value: { collection: 'notes', limit: 10, cursor: '3' } } },
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

  it("tw.process with a bad op is refused in leader and follower, naming input.value.op, and nothing is stored", async () => {
    const name = `validate-process-${crypto.randomUUID()}`;
    const leader = await tab(name);
    const follower = await tab(name);
    for (const tw of [leader, follower]) {
      const error = await tw.process('Some text.', { op: 'nope' as never }).catch((e: unknown) => e);
      expect(error, tw.role).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('input.value.op');
    }
    expect(await storedCount(name)).toBe(0);
  });

  it('a validation error found only when the task runs keeps its field and issues, read from the follower', async () => {
    const name = `validate-run-${crypto.randomUUID()}`;
    const leader = await tab(name);
    const follower = await tab(name);
    expect([leader.role, follower.role]).toEqual(['leader', 'follower']);
    // The collection's vectors have 2 dimensions; a 3-dimensional query can only be refused when it runs.
    await (await follower.store('notes', [{ id: 'a', vector: [1, 0] }])).result;
    const search = await follower.search('notes', { vector: [1, 0, 0] });
    const error = await search.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('validation');
    expect((error as ValidationError).field).toBe('input.query.vector');
    expect((error as ValidationError).issues).toEqual([expect.objectContaining({ field: 'input.query.vector', path: ['input', 'query', 'vector'] })]);
    const result = await follower.wait(search.id);
    expect(result.status).toBe(TaskStatus.Failed);
    expect(result.errorCode).toBe('validation');
    // One attempt: a validation error is not retried.
    expect(result.metrics.retryCount).toBe(0);
    expect((result.errorDetails?.['issues'] as ValidationIssue[])[0]?.field).toBe('input.query.vector');
  });
});
