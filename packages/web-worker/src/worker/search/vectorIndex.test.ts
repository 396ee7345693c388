import { describe, expect, it } from 'vitest';
import { isTaskweaveError } from '@taskweave/core';
import { naiveTopK } from './naiveTopK.js';
import { VectorIndex } from './vectorIndex.js';
import { prng } from '../../../../../scripts/prng.mjs';


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
        // The same arithmetic in the same order: equal to the last bit.
        expect(got.map((h) => h.score)).toEqual(want.map((h) => h.score));
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

  it('is identical to the naive loop, ids and scores, with exact ties, filters and minScore', () => {
    const d = 40;
    const rand = prng(11);
    const base = randomVectors(400, d, 12);
    // Ties: copies and power-of-two multiples of some rows score exactly the same.
    const rows: number[][] = [...base];
    for (let i = 0; i < 120; i++) rows.push(base[i % 30]!.map((x) => x * 2 ** ((i % 5) - 2)));
    const order = rows.map((_, i) => i).sort(() => rand() - 0.5);
    const rowIds = rows.map((_, i) => `t${String((i * 7919) % 100_003).padStart(6, '0')}`);
    const index = new VectorIndex(d, { simd, initialCapacity: 8 });
    for (const i of order) index.upsert(rowIds[i]!, rows[i]!, { metadata: { group: i % 4 } });
    const queries: ArrayLike<number>[] = [base[3]!, new Float32Array(base[7]!), ...randomVectors(4, d, 13), Array.from({ length: d }, () => rand() - 0.5)];
    for (const q of queries) {
      const qa = Array.from(q);
      for (const k of [1, 5, 40, 600]) {
        const got = index.search(q, { topK: k });
        const want = naiveTopK(rowIds, rows, qa, k);
        expect(got.map((h) => [h.id, h.score])).toEqual(want.map((h) => [h.id, h.score]));
      }
      const keep = rows.map((_, i) => i % 4 === 2);
      const got = index.search(q, { topK: 25, filter: { group: 2 }, minScore: 0.05 });
      const want = naiveTopK(rowIds.filter((_, i) => keep[i]), rows.filter((_, i) => keep[i]), qa, 25).filter((h) => h.score >= 0.05);
      expect(got.map((h) => [h.id, h.score])).toEqual(want.map((h) => [h.id, h.score]));
    }
  });

  it('stays exact on vectors near float32’s limits: huge, tiny, subnormal and wide-ranging values', () => {
    const d = 21;
    const rand = prng(21);
    const rows: number[][] = [];
    for (let i = 0; i < 300; i++) {
      const scale = [1e-30, 1e30, 3e38 / d, 1e-38, 1, 2 ** 61, 2 ** -61][i % 7]!;
      rows.push(Array.from({ length: d }, (_, j) => Math.fround((rand() * 2 - 1) * scale * (j % 3 === 0 ? 2 ** -20 : 1))));
    }
    rows.push(Array.from({ length: d }, (_, j) => (j === 0 ? 1 : Math.fround(1e-44)))); // subnormals beside a normal value
    const rowIds = rows.map((_, i) => `x${i}`);
    const index = new VectorIndex(d, { simd });
    rows.forEach((v, i) => index.upsert(rowIds[i]!, v));
    for (const q of [...randomVectors(5, d, 22), rows[1]!, rows[300]!]) {
      const got = index.search(q, { topK: 20 });
      expect(got.map((h) => [h.id, h.score])).toEqual(naiveTopK(rowIds, rows, q, 20).map((h) => [h.id, h.score]));
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

describe('VectorIndex scan bound', () => {
  const unitRows = (n: number, dims: number, seed: number) => {
    const rand = prng(seed);
    return Array.from({ length: n }, () => {
      const v = Array.from({ length: dims }, () => rand() + rand() + rand() - 1.5);
      const norm = Math.hypot(...v);
      return v.map((x) => Math.fround(x / norm));
    });
  };

  it('every approximate score is within its bound of the exact one, on adversarial values', () => {
    const rand = prng(31);
    for (const d of [3, 37, 384, 1000]) {
      const rows = unitRows(400, d, d);
      // Values with low bits at rounding points, wide ranges, tiny and huge rows.
      for (let i = 0; i < 200; i++) {
        rows.push(
          Array.from({ length: d }, (_, j) => {
            const x = (rand() * 2 - 1) * 2 ** Math.floor(rand() * 40 - 20);
            if (i % 3 === 0) return Math.fround(x);
            const bits = new Uint32Array(new Float32Array([x]).buffer)[0]!;
            const near = (bits & 0xffff0000) | (i % 3 === 1 ? 0x7fff : 0x8000);
            return new Float32Array(new Uint32Array([near]).buffer)[0]! * (i % 7 === 0 ? 1e30 : 1);
          }),
        );
      }
      const index = new VectorIndex(d);
      rows.forEach((v, i) => index.upsert(`r${i}`, v));
      for (const q of [...unitRows(3, d, d + 1), rows[450]!]) {
        const { approx, bound, exact } = index.approximateScores(q);
        for (let r = 0; r < rows.length; r++) {
          if (!Number.isFinite(bound[r]!)) continue; // always scored exactly
          expect(Math.abs(exact[r]! - approx[r]!)).toBeLessThanOrEqual(bound[r]!);
        }
      }
    }
  });

  it('keeps every float32 exactly: tiny values off the code grid (escapes, past the 8 slots of a row too), half-code ties, exact maxima', () => {
    const d = 48;
    const rand = prng(41);
    const rows: number[][] = [];
    for (let i = 0; i < 240; i++) {
      const big = 1 + rand();
      rows.push(
        Array.from({ length: d }, (_, j) => {
          if (j === 0) return Math.fround(big);
          if (i % 4 === 0 && j < 4 + (i % 30)) return Math.fround((rand() - 0.5) * 1e-6); // off the grid: escapes, up to 33 a row
          if (i % 4 === 1) return Math.fround(((Math.floor(rand() * 254) - 127 + 0.5) * 2 ** Math.ceil(Math.log2(big / 127))) || 1e-3); // v / S = n + 0.5
          if (i % 4 === 2 && j === 1) return Math.fround(-127 * 2 ** Math.ceil(Math.log2(big / 127))); // |v| = 127 S exactly
          return Math.fround(rand() * 2 - 1);
        }),
      );
    }
    const rowIds = rows.map((_, i) => `e${String(i).padStart(3, '0')}`);
    const index = new VectorIndex(d, { shared: crossOriginIsolated, initialCapacity: 16 });
    rows.forEach((v, i) => index.upsert(rowIds[i]!, v));
    // Every vector comes back bit for bit.
    const back = new Map<string, number[]>();
    index.forEachRow((id, v) => back.set(id, Array.from(v)));
    rows.forEach((v, i) => expect(back.get(rowIds[i]!)).toEqual(v));
    // Removing moves rows (and their escapes) around; the answers stay the naive loop's.
    const live = new Map(rowIds.map((id, i) => [id, rows[i]!]));
    for (let i = 0; i < 240; i += 7) {
      index.remove(rowIds[i]!);
      live.delete(rowIds[i]!);
    }
    const check = (ix: VectorIndex) => {
      for (const q of [...randomVectors(4, d, 42), rows[4]!, rows[8]!]) {
        const want = naiveTopK([...live.keys()], [...live.values()], q, 30).map((h) => [h.id, h.score]);
        expect(ix.search(q, { topK: 30 }).map((h) => [h.id, h.score])).toEqual(want);
        const { approx, bound, exact } = ix.approximateScores(q);
        approx.forEach((a, r) => expect(Math.abs(exact[r]! - a)).toBeLessThanOrEqual(bound[r]!));
      }
    };
    check(index);
    if (crossOriginIsolated) check(VectorIndex.attach(index.freeze(1))); // escapes past the slots travel in the frozen blob
  });

  it('is tight enough to score only a few rows exactly, for unit vectors of 384 dimensions', () => {
    const rows = unitRows(20_000, 384, 5);
    const index = new VectorIndex(384, rows.length);
    rows.forEach((v, i) => index.upsert(`u${i}`, v));
    const [q] = unitRows(1, 384, 6);
    const { approx, bound, exact } = index.approximateScores(q!);
    const worst = Math.max(...Array.from(bound));
    expect(worst).toBeLessThan(0.02); // int8 codes on a power-of-two scale: about 0.006–0.012 here
    let seen = 0;
    for (let r = 0; r < rows.length; r++) seen = Math.max(seen, Math.abs(exact[r]! - approx[r]!) / bound[r]!);
    expect(seen).toBeLessThan(1);
    const hits = index.search(q!, { topK: 10 });
    expect(hits.map((h) => h.id)).toEqual(naiveTopK(rows.map((_, i) => `u${i}`), rows, q!, 10).map((h) => h.id));
    expect(index.lastExactCount).toBeGreaterThanOrEqual(10);
    expect(index.lastExactCount).toBeLessThan(rows.length / 100);
  });
});
