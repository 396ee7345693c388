import { describe, expect, it } from 'vitest';
import { MemoryTaskStore, TaskScheduler, TaskType, ValidationError, isTaskweaveError } from '../../index.js';
import { fnExecutor } from '../../__tests__/helpers.js';

const good = { type: TaskType.TextProcessing, input: { kind: 'text', text: 'hello' } } as const;

const cases: [string, Record<string, unknown>, string][] = [
  ['priority out of range', { ...good, priority: 7 }, 'priority'],
  ['priority not a number', { ...good, priority: 'High' }, 'priority'],
  ['unknown type', { ...good, type: 'Sorting' }, 'type'],
  ['custom type without a name', { ...good, type: 'custom:' }, 'type'],
  ['missing input', { type: TaskType.TextProcessing }, 'input'],
  ['input of unknown kind', { ...good, input: { kind: 'video', url: 'x' } }, 'input.kind'],
  ['text input without text', { ...good, input: { kind: 'text' } }, 'input.text'],
  ['binary input not bytes', { ...good, type: TaskType.ModelInference, input: { kind: 'binary', data: [1, 2] } }, 'input.data'],
  ['wrong input kind for the type', { type: TaskType.VectorSearch, input: { kind: 'text', text: 'q' } }, 'input.kind'],
  ['query without vector or text', { type: TaskType.VectorSearch, input: { kind: 'query', query: { collection: 'notes', topK: 3 } } }, 'input.query.vector'],
  ['query with topK 0', { type: TaskType.VectorSearch, input: { kind: 'query', query: { collection: 'notes', text: 'q', topK: 0 } } }, 'input.query.topK'],
  ['tensor feed with a bad type', { type: TaskType.ModelInference, input: { kind: 'modelInput', input: { format: 'tensors', feeds: { x: { type: 'complex', dims: [1], data: [1] } } } } }, 'input.input.feeds.x.type'],
  ['non-UUID dependency', { ...good, dependencies: ['task-1'] }, 'dependencies.0'],
  ['duplicate dependency', { ...good, dependencies: ['4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b', '4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b'] }, 'dependencies.1'],
  ['non-UUID id', { ...good, id: 'abc' }, 'id'],
  ['deadline not a date', { ...good, deadline: 'next tuesday' }, 'deadline'],
  ['deadline NaN', { ...good, deadline: Number.NaN }, 'deadline'],
  ['deadline an invalid Date', { ...good, deadline: new Date('nope') }, 'deadline'],
  ['negative maxRetries', { ...good, maxRetries: -1 }, 'maxRetries'],
  ['fractional maxRetries', { ...good, maxRetries: 1.5 }, 'maxRetries'],
  ['metadata value not a string', { ...good, metadata: { backend: 'wasm', batch: 3 } }, 'metadata.batch'],
  ['empty modelId', { ...good, modelId: '' }, 'modelId'],
  ['unknown field', { ...good, prio: 2 }, '(root)'],
  ['a function in a custom input', { type: 'custom:x', input: { kind: 'custom', value: { n: 1, fn: () => 1 } } }, 'input.value.fn'],
  ['a symbol deep in a custom input', { type: 'custom:x', input: { kind: 'custom', value: { list: [1, { s: Symbol('x') }] } } }, 'input.value.list.1.s'],
  ['a WeakMap in a custom input', { type: 'custom:x', input: { kind: 'custom', value: new Map([['k', new WeakMap()]]) } }, 'input.value.k'],
  ['a function in pipeline options', { type: TaskType.ModelInference, input: { kind: 'modelInput', input: { format: 'pipeline', pipeline: 'x', inputs: 'y', options: { cb: () => 0 } } } }, 'input.input.options.cb'],
];

describe('submit refuses bad input with a ValidationError naming the field, and stores nothing', () => {
  it.each(cases)('%s', async (_name, input, field) => {
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store });
    const err = await s.submit(input as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(isTaskweaveError(err, 'validation')).toBe(true);
    expect((err as ValidationError).field).toBe(field);
    expect((err as ValidationError).message).toContain(field);
    const snapshot = await store.load();
    expect(snapshot.lastSeq).toBe(0);
    expect(s.getSnapshot().byStatus.Pending).toBe(0);
  });

  it('submitMany names the index of the bad task and stores none of the batch', async () => {
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store });
    const err = await s.submitMany([good, good, { ...good, priority: 9 } as never]).catch((e: unknown) => e);
    expect((err as ValidationError).field).toBe('2.priority');
    expect((await store.load()).lastSeq).toBe(0);
  });

  it('submitMany refuses the whole batch when one input holds a function, naming its index and field', async () => {
    const store = new MemoryTaskStore();
    const s = new TaskScheduler({ executor: fnExecutor(), store });
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic['self'] = cyclic; // cycles are fine for structured clone, and for the check
    const err = await s
      .submitMany([{ type: 'custom:x', input: { kind: 'custom', value: cyclic } }, good, { type: 'custom:x', input: { kind: 'custom', value: { fn: () => 1 } } }])
      .catch((e: unknown) => e);
    expect((err as ValidationError).field).toBe('2.input.value.fn');
    expect((await store.load()).lastSeq).toBe(0);
  });

  it('an executor output holding a function fails the task with a validation error naming it', async () => {
    const s = new TaskScheduler({ executor: fnExecutor(() => ({ kind: 'custom', value: { then: () => 1 } }) as never) });
    const r = await s.wait(await s.submit(good));
    expect(r.status).toBe('Failed');
    expect(r.errorCode).toBe('validation');
    expect(r.error).toContain('value.then');
  });

  it('accepts every valid form: Date, ISO and epoch deadlines, custom types, all input kinds', async () => {
    const s = new TaskScheduler({ executor: fnExecutor(() => ({ kind: 'none' })) });
    const later = Date.now() + 60_000;
    const ids = await s.submitMany([
      { ...good, deadline: new Date(later) },
      { ...good, deadline: new Date(later).toISOString() },
      { ...good, deadline: later, metadata: { backend: 'wasm' }, modelId: 'use-lite' },
      { type: TaskType.custom('resize'), input: { kind: 'custom', value: { w: 10 } } },
      { type: TaskType.ModelInference, input: { kind: 'binary', data: new Uint8Array([1, 2]) } },
      { type: TaskType.VectorSearch, input: { kind: 'query', query: { collection: 'notes', vector: new Float32Array(4) } } },
      {
        type: TaskType.ModelInference,
        input: { kind: 'modelInput', input: { format: 'tensors', feeds: { x: { type: 'float32', dims: [1, 2], data: new Float32Array(2) } } } },
      },
    ]);
    expect(ids).toHaveLength(7);
    const task = await s.get(ids[2]!);
    expect(task).toMatchObject({ deadline: later, priority: 1, maxRetries: 3, metadata: { backend: 'wasm' }, modelId: 'use-lite', retryCount: 0, dependencies: [] });
    expect((await s.get(ids[5]!))?.input).toMatchObject({ query: { topK: 10 } });
    await s.onIdle();
  });

  it('a validate hook refuses what the executor cannot run, naming the field (with the index in submitMany), and stores nothing', async () => {
    const store = new MemoryTaskStore();
    const seen: string[] = [];
    const s = new TaskScheduler({
      executor: fnExecutor(),
      store,
      validate: (task) => {
        seen.push(task.type);
        return task.metadata['backend'] === 'cuda' ? [{ path: ['metadata', 'backend'], message: "must be 'auto', 'webgpu' or 'wasm'" }] : undefined;
      },
    });
    const cuda = { ...good, metadata: { backend: 'cuda' } };
    const one = await s.submit(cuda).catch((e: unknown) => e);
    expect(one).toBeInstanceOf(ValidationError);
    expect((one as ValidationError).field).toBe('metadata.backend');
    expect((one as ValidationError).message).toContain('metadata.backend');
    const many = await s.submitMany([good, cuda]).catch((e: unknown) => e);
    expect((many as ValidationError).field).toBe('1.metadata.backend');
    // It sees the task after the core's schema (defaults applied); a schema error comes first.
    const bad = await s.submit({ ...cuda, priority: 9 } as never).catch((e: unknown) => e);
    expect((bad as ValidationError).field).toBe('priority');
    expect((await store.load()).lastSeq).toBe(0);
    expect(await s.submit({ ...good, metadata: { backend: 'wasm' } })).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toEqual(['TextProcessing', 'TextProcessing', 'TextProcessing', 'TextProcessing']);
    await s.onIdle();
  });

  it('refuses a scheduler without an executor or with a bad concurrency', () => {
    expect(() => new TaskScheduler({} as never)).toThrow(ValidationError);
    expect(() => new TaskScheduler({ executor: fnExecutor(), concurrency: 0 })).toThrow(/concurrency/);
  });
});
