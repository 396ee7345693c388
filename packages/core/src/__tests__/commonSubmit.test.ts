import { describe, expect, it } from 'vitest';
import { parseCommonSubmit, submitTaskSchema } from '../schemas.js';

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
  let a = 12345;
  for (let n = 0; n < count; n++) {
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      const list = variants[field] as unknown[];
      a = (a * 1664525 + 1013904223) >>> 0;
      const pick = a >>> 24;
      a = (a * 1664525 + 1013904223) >>> 0;
      const any = list[(a >>> 8) % list.length];
      // Mostly the common shape, so valid inputs are frequent: the first value, or any.
      const value = field === 'extra' || field === 'id' || field === 'metadata' ? (pick % 4 === 0 ? any : ABSENT) : pick % 3 === 0 ? any : list[0];
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
