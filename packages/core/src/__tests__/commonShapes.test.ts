import { describe, expect, it } from 'vitest';
import { parseCommonOutput, parseCommonSubmit, submitTaskSchema, taskOutputSchema } from '../schemas.js';

/** A small seeded PRNG (mulberry32): the samples below are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Stands for a field left out of the submit. */
const ABSENT = Symbol('absent');

/** Values each field takes in the product below: valid ones, invalid ones, edge cases. */
const variants: Record<string, unknown[]> = {
  type: ['TextProcessing', 'EmbeddingGeneration', 'VectorSearch', 'DataStorage', 'custom:x', 'custom:', 'custom:a\nb', 'Sorting', 'constructor', '__proto__', 7, ABSENT],
  input: [
    { kind: 'text', text: 'hello' },
    { kind: 'text', text: '' },
    { kind: 'text', text: 5 },
    { kind: 'text' },
    { kind: 'text', text: 'x', extra: 1 },
    { kind: 'text', text: 'x', extra: undefined },
    { kind: 'custom', value: { i: 1, list: [1, 'a', null] } },
    { kind: 'custom', value: undefined },
    { kind: 'custom', value: { fn: () => 1 } },
    { kind: 'custom', value: new Map([['k', Symbol('s')]]) },
    { kind: 'custom' },
    { kind: 'binary', data: new Uint8Array(2) },
    { kind: 'query', query: { collection: 'c', text: 'q' } },
    Object.assign(Object.create({ inherited: 1 }) as object, { kind: 'text', text: 'x' }),
    null,
    'text',
    ABSENT,
  ],
  priority: [0, 1, 2, 3, -0, 4, 1.5, '1', null, undefined, ABSENT],
  modelId: ['m', '', 3, undefined, ABSENT],
  deadline: [1_800_000_000_000, 0, -5, Number.NaN, Number.POSITIVE_INFINITY, '2026-12-02T00:00:00Z', new Date(5), undefined, ABSENT],
  maxRetries: [0, 3, 100, 101, -1, 2.5, -0, Number.MAX_SAFE_INTEGER + 2, '3', undefined, ABSENT],
  dependencies: [[], ['4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b'], ['nope'], 'x', undefined, ABSENT],
  metadata: [{}, { backend: 'wasm' }, { n: 1 }, undefined, ABSENT],
  id: ['4b8f6c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b', 'abc', undefined, ABSENT],
  extra: [1, undefined, ABSENT],
};

/** A deterministic sample of the product of all variants (every value of every field is used). */
function* submits(count: number): Generator<unknown> {
  const fields = Object.keys(variants);
  const next = random(12345);
  for (let n = 0; n < count; n++) {
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      const list = variants[field] as unknown[];
      const pick = next();
      const any = list[Math.floor(next() * list.length)];
      // Mostly the common shape, so valid inputs are frequent: the first value, or any.
      const value = field === 'extra' || field === 'id' || field === 'metadata' ? (pick < 0.25 ? any : ABSENT) : pick < 0.34 ? any : list[0];
      if (value !== ABSENT) out[field] = value;
    }
    yield out;
  }
  yield 'not an object';
  yield null;
  yield [];
  yield new (class Submit {
    type = 'TextProcessing';
    input = { kind: 'text', text: 'x' };
  })();
}

/** Same keys in the same order, same leaves (by Object.is), recursively through plain objects and arrays. */
function expectSame(actual: unknown, expected: unknown, path = '(root)'): void {
  if (actual !== null && expected !== null && typeof actual === 'object' && typeof expected === 'object' && !ArrayBuffer.isView(expected)) {
    if (!(expected instanceof Map)) {
      expect(Object.keys(actual), path).toEqual(Object.keys(expected));
      expect(Object.isFrozen(actual), `${path} frozen`).toBe(Object.isFrozen(expected));
      for (const key of Object.keys(expected)) expectSame((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
      return;
    }
  }
  expect(Object.is(actual, expected), `${path}: ${String(actual)} vs ${String(expected)}`).toBe(true);
}

describe('parseCommonSubmit, the fast path of submit validation', () => {
  it('returns exactly what submitTaskSchema returns, or leaves the input to the schema (never accepts what it refuses)', () => {
    let fast = 0;
    let refused = 0;
    for (const input of submits(20_000)) {
      const quick = parseCommonSubmit(input);
      const zod = submitTaskSchema.safeParse(input);
      if (!zod.success) refused++;
      if (quick === undefined) continue;
      fast++;
      expect(zod.success, JSON.stringify(input)).toBe(true);
      if (!zod.success) continue;
      expectSame(quick, zod.data);
      // A snapshot like zod's: the caller's input object is not the one kept.
      expect(quick.input).not.toBe((input as { input: unknown }).input);
    }
    // The sample exercises both sides.
    expect(fast).toBeGreaterThan(2_000);
    expect(refused).toBeGreaterThan(2_000);
  });

  it('takes the shapes most submits have', () => {
    const shapes = [
      { type: 'TextProcessing', input: { kind: 'text', text: 'x' } },
      { type: 'EmbeddingGeneration', input: { kind: 'text', text: 'x' }, modelId: 'm', priority: 2 },
      { type: 'custom:noop', input: { kind: 'custom', value: { i: 1 } }, maxRetries: 0, deadline: 1_800_000_000_000, dependencies: [] },
    ];
    for (const shape of shapes) expect(parseCommonSubmit(shape), JSON.stringify(shape)).toEqual(submitTaskSchema.parse(shape));
  });
});

const vec = new Float32Array([1, 2]);
/** Executor outputs: the kinds the fast path takes, with good and bad fields, and others. */
const outputVariants: Record<string, unknown[]> = {
  kind: ['none', 'text', 'embedding', 'embeddings', 'stored', 'custom', 'binary', 'searchResults', 'tensors', 'documents', 'nope', 3, ABSENT],
  text: ['hi', '', 5, undefined, ABSENT],
  chunks: [[{ text: 'a', start: 0, end: 1 }], [], 'x', undefined, ABSENT],
  tokens: [3, 0, 2.5, -1, Number.NaN, Number.POSITIVE_INFINITY, '3', undefined, ABSENT],
  vector: [vec, new Float64Array(2), [1, 2], undefined, ABSENT],
  vectors: [[vec, vec], [], [vec, [1]], [new Float64Array(1)], vec, undefined, ABSENT],
  dims: [2, 0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, '2', undefined, ABSENT],
  truncated: [true, false, 0, 'yes', undefined, ABSENT],
  truncatedIndices: [[0, 1], [], [-1], [0.5], 'x', undefined, ABSENT],
  ids: [['a', 'b'], [], ['a', 1], 'a', undefined, ABSENT],
  value: [{ a: [1, 'x', null] }, null, undefined, () => 1, { s: Symbol('s') }, new Map([[1, 2]]), ABSENT],
  data: [new Uint8Array(2), ABSENT],
  hits: [[{ id: 'a', score: 1 }], [{ id: 1, score: 'x' }], ABSENT],
  extra: [1, undefined, ABSENT],
};

function* outputs(count: number): Generator<unknown> {
  const fields = Object.keys(outputVariants);
  const next = random(999);
  for (let n = 0; n < count; n++) {
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      const list = outputVariants[field] as unknown[];
      const pick = next();
      const value = field === 'kind' || pick < 0.5 ? list[Math.floor(next() * list.length)] : ABSENT;
      if (value !== ABSENT) out[field] = value;
    }
    yield out;
  }
  yield null;
  yield 'none';
  yield Object.assign(Object.create(null) as object, { kind: 'none' });
  yield new (class Out {
    kind = 'none';
  })();
}

describe('parseCommonOutput, the fast path of executor output validation', () => {
  it('returns exactly what taskOutputSchema returns, or leaves the value to the schema (never accepts what it refuses)', () => {
    let fast = 0;
    let refused = 0;
    const kinds = new Set<unknown>();
    for (const value of outputs(30_000)) {
      const quick = parseCommonOutput(value);
      const zod = taskOutputSchema.safeParse(value);
      if (!zod.success) refused++;
      if (quick === undefined) continue;
      fast++;
      kinds.add(quick.kind);
      for (const key of Object.keys(quick)) kinds.add(`${quick.kind}.${key}`);
      expect(zod.success, String((value as { kind?: unknown }).kind)).toBe(true);
      if (!zod.success) continue;
      expectSame(quick, zod.data);
      // Arrays are copies, as zod's are; typed arrays are the executor's own.
      for (const [key, field] of Object.entries(quick)) {
        if (Array.isArray(field)) expect(field, key).not.toBe((value as Record<string, unknown>)[key]);
      }
    }
    expect(fast).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(1_000);
    // Every kind and every optional field went through the fast path.
    expect([...kinds].sort()).toEqual(
      [
        'custom', 'custom.kind', 'custom.truncated', 'custom.value',
        'embedding', 'embedding.dims', 'embedding.kind', 'embedding.tokens', 'embedding.truncated', 'embedding.vector',
        'embeddings', 'embeddings.dims', 'embeddings.kind', 'embeddings.tokens', 'embeddings.truncated', 'embeddings.truncatedIndices', 'embeddings.vectors',
        'none', 'none.kind', 'stored', 'stored.ids', 'stored.kind', 'text', 'text.kind', 'text.text', 'text.tokens',
      ].sort(),
    );
  });
});
