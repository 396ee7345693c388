/**
 * The in-browser half of `search.bench.ts`: 100,000 × 384 seeded random unit vectors, held
 * once in a `VectorIndex` (int8 codes + 24-bit remainders: the float32 values, exactly) and once as the naive baseline keeps
 * them (an array of number[] per vector). Each timed query runs both ways and checks that the
 * top-10 ids and scores are identical.
 */
import { naiveTopK } from '../src/worker/search/naiveTopK.js';
import { VectorIndex } from '../src/worker/search/vectorIndex.js';
import { prng } from '../../../scripts/prng.mjs';


function unitVector(rand: () => number, dims: number): Float32Array {
  const v = new Float32Array(dims);
  let sq = 0;
  for (let j = 0; j < dims; j++) {
    // sum of uniforms ≈ normal, so directions are close to uniform on the sphere
    const x = rand() + rand() + rand() - 1.5;
    v[j] = x;
    sq += x * x;
  }
  const inv = 1 / Math.sqrt(sq);
  for (let j = 0; j < dims; j++) v[j] = (v[j] as number) * inv;
  return v;
}

let index: VectorIndex | undefined;
let ids: string[] = [];
let naive: number[][] = [];
let queryRand = prng(2);

/** Builds both data sets (not timed). */
function setup(n: number, dims: number, seed: number): { n: number; dims: number; simd: boolean } {
  const rand = prng(seed);
  index = new VectorIndex(dims, n);
  ids = [];
  naive = [];
  for (let i = 0; i < n; i++) {
    const v = unitVector(rand, dims);
    const id = `v${i}`;
    ids.push(id);
    index.upsert(id, v);
    naive.push(Array.from(v));
  }
  queryRand = prng(seed + 1);
  return { n: index.size, dims, simd: index.simd };
}

/** One query both ways, in the order given; returns the times and whether the ids matched. */
function query(k: number, sdkFirst: boolean): { sdkMs: number; naiveMs: number; same: boolean; ids: string[] } {
  if (index === undefined) throw new Error('setup first');
  const q = unitVector(queryRand, index.dims);
  const qArr = Array.from(q);
  const idx = index;
  let sdkIds: string[] = [];
  let naiveIds: string[] = [];
  let sdkScores: number[] = [];
  let naiveScores: number[] = [];
  const runSdk = () => {
    const t0 = performance.now();
    const hits = idx.search(q, { topK: k });
    const ms = performance.now() - t0;
    sdkIds = hits.map((h) => h.id);
    sdkScores = hits.map((h) => h.score);
    return ms;
  };
  const runNaive = () => {
    const t0 = performance.now();
    const hits = naiveTopK(ids, naive, qArr, k);
    const ms = performance.now() - t0;
    naiveIds = hits.map((h) => h.id);
    naiveScores = hits.map((h) => h.score);
    return ms;
  };
  let sdkMs: number;
  let naiveMs: number;
  if (sdkFirst) {
    sdkMs = runSdk();
    naiveMs = runNaive();
  } else {
    naiveMs = runNaive();
    sdkMs = runSdk();
  }
  const same = sdkIds.length === k && sdkIds.join() === naiveIds.join() && sdkScores.every((x, i) => x === naiveScores[i]);
  return { sdkMs, naiveMs, same, ids: sdkIds };
}

declare global {
  interface Window {
    __searchBench: { setup: typeof setup; query: typeof query };
  }
}
window.__searchBench = { setup, query };
