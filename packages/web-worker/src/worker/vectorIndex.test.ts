import { describe, expect, it } from 'vitest';
import { isTaskweaveError } from '@taskweave/core';
import { VectorIndex, naiveTopK } from './vectorIndex.js';
import { prng } from '../../../../scripts/prng.mjs';


function randomVectors(n: number, dims: number, seed: number): number[][] {
  const rand = prng(seed);
  // float32-exact values, so the naive loop and the index see the same numbers
  return Array.from({ length: n }, () => Array.from({ length: dims }, () => Math.fround(rand() * 2 - 1)));
}

describe.each([{ simd: true }, { simd: false }])('VectorIndex (simd: $simd)', ({ simd }) => {
  const dims = 48;
  const n = 3000;
  const vectors = randomVectors(n, dims, 42);
  const ids = vectors.map((_, i) => `doc-${String(i).padStart(5, '0')}`);
  const queries = randomVectors(12, dims, 7);

  it('returns the same top-k ids, in the same order, as a naive loop over every cosine', () => {
    const index = new VectorIndex(dims, { initialCapacity: 4, simd }); // small start: growth by doubling is exercised
    expect(index.simd).toBe(simd);
    vectors.forEach((v, i) => index.upsert(ids[i] as string, v));
    expect(index.size).toBe(n);
    expect(index.capacity).toBe(4096);
    for (const q of queries) {
      for (const k of [1, 10, 57]) {
        const got = index.search(q, { topK: k });
        const want = naiveTopK(ids, vectors, q, k);
        expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
        got.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 6));
      }
    }
  });

  it('applies the metadata filter and minScore exactly like filtering before the naive loop', () => {
    const index = new VectorIndex(dims, { simd });
    vectors.forEach((v, i) => index.upsert(ids[i] as string, v, { metadata: { shard: i % 3, even: i % 2 === 0 }, text: `t${i}` }));
    const keep = vectors.map((_, i) => i % 3 === 1 && i % 2 === 0);
    const fIds = ids.filter((_, i) => keep[i]);
    const fVecs = vectors.filter((_, i) => keep[i]);
    for (const q of queries.slice(0, 4)) {
      const got = index.search(q, { topK: 20, filter: { shard: 1, even: true }, minScore: 0.15 });
      const want = naiveTopK(fIds, fVecs, q, 20).filter((h) => h.score >= 0.15);
      expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
      expect(got.every((h) => h.payload.metadata?.['shard'] === 1 && h.payload.text === `t${ids.indexOf(h.id)}`)).toBe(true);
    }
    expect(index.search(queries[0]!, { topK: 5, filter: { shard: 'nope' } })).toEqual([]);
  });

  it('stays identical to the naive loop after removals and replacements', () => {
    const index = new VectorIndex(dims, { simd });
    vectors.forEach((v, i) => index.upsert(ids[i] as string, v));
    const live = new Map(ids.map((id, i) => [id, vectors[i] as number[]]));
    const replacements = randomVectors(200, dims, 99);
    for (let i = 0; i < 600; i += 3) {
      index.remove(ids[i] as string);
      live.delete(ids[i] as string);
    }
    for (let i = 1; i < 400; i += 2) {
      const v = replacements[i % 200] as number[];
      index.upsert(ids[i] as string, v);
      live.set(ids[i] as string, v);
    }
    expect(index.remove('missing')).toBe(false);
    expect(index.size).toBe(live.size);
    for (const q of queries) {
      const got = index.search(q, { topK: 15 });
      const want = naiveTopK([...live.keys()], [...live.values()], q, 15);
      expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
    }
  });

  it('handles dims that are not a multiple of 4, and near-ties below float32 resolution', () => {
    const d = 37;
    const vecs = randomVectors(500, d, 5);
    // Near-duplicates: differ from row 0 by less than float32 scoring can tell apart.
    for (let i = 1; i <= 20; i++) vecs.push(vecs[0]!.map((x, j) => (j === i ? Math.fround(x + i * 1e-6) : x)));
    const vids = vecs.map((_, i) => `n${String(i).padStart(4, '0')}`);
    const index = new VectorIndex(d, { simd });
    vecs.forEach((v, i) => index.upsert(vids[i] as string, v));
    for (const q of [vecs[0]!, ...randomVectors(5, d, 8)]) {
      const got = index.search(q, { topK: 12 });
      const want = naiveTopK(vids, vecs, q, 12);
      expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
    }
  });

  it('orders equal scores by id, whatever the insertion order', () => {
    const index = new VectorIndex(3, { simd });
    for (const id of ['c', 'a', 'd', 'b']) index.upsert(id, [1, 2, 3]);
    index.upsert('z', [3, 2, 1]);
    expect(index.search([2, 4, 6], { topK: 3 }).map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(index.search([2, 4, 6], { topK: 10 }).map((h) => h.id)).toEqual(['a', 'b', 'c', 'd', 'z']);
  });

  it('refuses vectors of the wrong size, non-finite or all-zero, naming the field', () => {
    const index = new VectorIndex(3, { simd });
    const fail = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      throw new Error('expected a throw');
    };
    const wrong = fail(() => index.upsert('a', [1, 2]));
    expect(isTaskweaveError(wrong, 'validation')).toBe(true);
    expect((wrong as { field: string }).field).toBe('vector');
    expect(isTaskweaveError(fail(() => index.upsert('a', [0, 0, 0])), 'validation')).toBe(true);
    expect(isTaskweaveError(fail(() => index.upsert('a', [1, Number.NaN, 0])), 'validation')).toBe(true);
    expect((fail(() => index.search([1, 2], { topK: 1 })) as { field: string }).field).toBe('query.vector');
    expect(index.size).toBe(0);
  });
});
