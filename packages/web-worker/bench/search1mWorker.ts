/**
 * A worker of `search1mPage.ts`: builds the seeded collection into a shared, frozen VectorIndex
 * (`build`), or attaches the one another worker built (`attach`); then answers `search`.
 */
import { VectorIndex } from '../src/worker/search/vectorIndex.js';
import { prng } from '../../../scripts/prng.mjs';

let index: VectorIndex | undefined;

function fillUnit(rand: () => number, v: Float32Array): void {
  let sq = 0;
  for (let j = 0; j < v.length; j++) {
    const x = rand() + rand() + rand() - 1.5;
    v[j] = x;
    sq += x * x;
  }
  const inv = 1 / Math.sqrt(sq);
  for (let j = 0; j < v.length; j++) v[j] = (v[j] as number) * inv;
}

type Request =
  | { type: 'build'; n: number; dims: number; seed: number }
  | { type: 'attach'; memory: WebAssembly.Memory }
  | { type: 'search'; k: number; seed: number };

self.onmessage = (event: MessageEvent<Request>) => {
  const request = event.data;
  try {
    if (request.type === 'build') {
      const t0 = performance.now();
      const rand = prng(request.seed);
      const built = new VectorIndex(request.dims, { initialCapacity: request.n, shared: true });
      const v = new Float32Array(request.dims);
      for (let i = 0; i < request.n; i++) {
        fillUnit(rand, v);
        built.upsert(`v${i}`, v);
      }
      const memory = built.freeze(1);
      index = built;
      self.postMessage({ type: 'built', ms: performance.now() - t0, memory, bytes: memory.buffer.byteLength, size: built.size });
    } else if (request.type === 'attach') {
      const t0 = performance.now();
      index = VectorIndex.attach(request.memory);
      self.postMessage({ type: 'attached', ms: performance.now() - t0, size: index.size, shared: request.memory.buffer instanceof SharedArrayBuffer });
    } else {
      if (index === undefined) throw new Error('build or attach first');
      const q = new Float32Array(index.dims);
      fillUnit(prng(request.seed), q);
      const t0 = performance.now();
      const hits = index.search(q, { topK: request.k });
      const ms = performance.now() - t0;
      self.postMessage({ type: 'searched', ms, ids: hits.map((h) => h.id), scores: hits.map((h) => h.score), exact: index.lastExactCount });
    }
  } catch (error) {
    self.postMessage({ type: 'error', message: String((error as Error)?.stack ?? error) });
  }
};
