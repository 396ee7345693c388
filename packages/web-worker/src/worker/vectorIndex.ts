/**
 * Exact cosine top-k over one collection's vectors, held in one contiguous Float32Array
 * (grown by doubling), with their norms, so a score is one dot product and a division
 * (WebAssembly SIMD where available, see `dotKernel.ts`); the k best are kept in a bounded
 * min-heap. Pure: no IndexedDB, no DOM.
 */
import { ValidationError, type FilterValue } from '@taskweave/core';
import { dotKernelModule, instantiateDotKernel, type DotsKernel } from './dotKernel.js';

/** What a row carries besides its vector. */
export interface IndexPayload {
  text?: string;
  metadata?: Record<string, FilterValue>;
}

/** One search hit: the document id, its cosine similarity and its payload. */
export interface IndexHit {
  id: string;
  score: number;
  payload: IndexPayload;
}

/** Options of `VectorIndex.search`. */
export interface IndexSearchOptions {
  /** How many hits at most. */
  topK: number;
  /** Metadata equality filter: every key must match. */
  filter?: Record<string, FilterValue>;
  /** Hits scoring below this are dropped. */
  minScore?: number;
}

/**
 * Checks a vector (finite values, not all zero, `dims` long when given) and returns its norm.
 * Throws a ValidationError naming `field`.
 */
export function checkVector(vector: ArrayLike<number>, field: string, dims?: number): number {
  if (dims !== undefined && vector.length !== dims) {
    throw new ValidationError(`${field}: must have ${dims} dimensions (the collection's), got ${vector.length}`, [
      { path: field.split('.'), field, message: `must have ${dims} dimensions, got ${vector.length}` },
    ]);
  }
  if (vector.length === 0) {
    throw new ValidationError(`${field}: must not be empty`, [{ path: field.split('.'), field, message: 'must not be empty' }]);
  }
  let sq = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i] as number;
    if (!Number.isFinite(v)) {
      throw new ValidationError(`${field}: value ${i} is not finite`, [{ path: field.split('.'), field, message: 'values must be finite' }]);
    }
    sq += v * v;
  }
  if (sq === 0) {
    throw new ValidationError(`${field}: must not be all zeros (cosine is undefined)`, [
      { path: field.split('.'), field, message: 'must not be all zeros' },
    ]);
  }
  return Math.sqrt(sq);
}

/** True when `metadata` has every key of `filter` with an equal value. */
export function matchesFilter(metadata: Record<string, FilterValue> | undefined, filter: Record<string, FilterValue>): boolean {
  for (const key in filter) {
    if (metadata === undefined || !Object.hasOwn(metadata, key) || metadata[key] !== filter[key]) return false;
  }
  return true;
}

/** Options of `new VectorIndex()`. */
export interface VectorIndexOptions {
  /** Rows to reserve up front. @default 64 */
  initialCapacity?: number;
  /** Use the WebAssembly SIMD kernel when the engine has it. @default true */
  simd?: boolean;
}

const PAGE = 65536;
const F32_EPS = 2 ** -24;

/**
 * The in-memory index of one collection.
 *
 * Rows are the float32 vectors as given, in one contiguous buffer (padded to a multiple of 4
 * floats) grown by doubling, with each row's norm beside them; a score is dot(row, q̂) / |row|
 * in double precision — the same formula as a naive loop, so the ids come out identical. With WebAssembly SIMD the buffer is the kernel's linear memory:
 * the kernel scores every row in float32, and the few rows that can still reach the top k
 * (float32 score within a proven error bound of the k-th best) are scored again in double
 * precision, so the result is exactly the double-precision top k. Without SIMD a JS loop scores
 * every row in double precision. Equal scores are ordered by id, so results do not depend on
 * the order rows were inserted or removed in.
 *
 * @example
 * const index = new VectorIndex(384)
 * index.upsert('a', vectorA, { text: 'first' })
 * const hits = index.search(query, { topK: 10 })
 */
export class VectorIndex {
  readonly dims: number;
  /** Floats per row: dims rounded up to a multiple of 4 (zero padding). */
  readonly #stride: number;
  #data: Float32Array;
  /** Euclidean norm of each stored row (double precision, of the float32 values kept). */
  #norms = new Float64Array(0);
  #capacity = 0;
  #count = 0;
  #ids: string[] = [];
  #payloads: IndexPayload[] = [];
  readonly #rowOf = new Map<string, number>();
  readonly #memory: WebAssembly.Memory | undefined;
  readonly #dots: DotsKernel | undefined;

  constructor(dims: number, options: VectorIndexOptions | number = {}) {
    if (!Number.isInteger(dims) || dims < 1) {
      throw new ValidationError('VectorIndex: dims must be a whole number ≥ 1', [{ path: ['dims'], field: 'dims', message: 'must be ≥ 1' }]);
    }
    const opts = typeof options === 'number' ? { initialCapacity: options } : options;
    this.dims = dims;
    this.#stride = Math.ceil(dims / 4) * 4;
    const module = opts.simd === false ? null : dotKernelModule();
    if (module !== null) {
      this.#memory = new WebAssembly.Memory({ initial: 1 });
      this.#dots = instantiateDotKernel(module, this.#memory);
    }
    this.#data = new Float32Array(0);
    this.#reserve(Math.max(1, opts.initialCapacity ?? 64));
  }

  /** Number of vectors held. */
  get size(): number {
    return this.#count;
  }

  /** Rows reserved in the buffer (doubles when full). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Whether searches use the WebAssembly SIMD kernel. */
  get simd(): boolean {
    return this.#dots !== undefined;
  }

  has(id: string): boolean {
    return this.#rowOf.has(id);
  }

  /** Adds or replaces the vector (kept as float32) and payload of `id`. */
  upsert(id: string, vector: ArrayLike<number>, payload: IndexPayload = {}): void {
    checkVector(vector, 'vector', this.dims);
    let row = this.#rowOf.get(id);
    if (row === undefined) {
      if (this.#count === this.#capacity) this.#reserve(this.#capacity * 2);
      row = this.#count++;
      this.#rowOf.set(id, row);
      this.#ids[row] = id;
    }
    this.#payloads[row] = payload;
    const base = row * this.#stride;
    let sq = 0;
    for (let j = 0; j < this.dims; j++) {
      this.#data[base + j] = vector[j] as number;
      const stored = this.#data[base + j] as number;
      sq += stored * stored;
    }
    if (sq === 0 || !Number.isFinite(sq)) {
      // Tiny values can underflow to zero in float32, huge ones overflow.
      this.remove(id);
      throw new ValidationError('vector: is zero or not finite once stored as float32', [
        { path: ['vector'], field: 'vector', message: 'must be representable as a non-zero float32 vector' },
      ]);
    }
    this.#norms[row] = Math.sqrt(sq);
  }

  /** Removes `id` (the last row moves into its place); returns whether it was there. */
  remove(id: string): boolean {
    const row = this.#rowOf.get(id);
    if (row === undefined) return false;
    const last = --this.#count;
    this.#rowOf.delete(id);
    if (row !== last) {
      const lastId = this.#ids[last] as string;
      this.#data.copyWithin(row * this.#stride, last * this.#stride, (last + 1) * this.#stride);
      this.#norms[row] = this.#norms[last] as number;
      this.#ids[row] = lastId;
      this.#payloads[row] = this.#payloads[last] as IndexPayload;
      this.#rowOf.set(lastId, row);
    }
    this.#ids.length = last;
    this.#payloads.length = last;
    return true;
  }

  /** Removes everything (keeps the buffer). */
  clear(): void {
    this.#count = 0;
    this.#ids = [];
    this.#payloads = [];
    this.#rowOf.clear();
  }

  /**
   * The `topK` rows most similar to `query` (cosine), best first; ties by id ascending.
   * Rows failing `filter` or scoring below `minScore` are skipped.
   */
  search(query: ArrayLike<number>, options: IndexSearchOptions): IndexHit[] {
    const dims = this.dims;
    const norm = checkVector(query, 'query.vector', dims);
    const q = new Float64Array(dims);
    for (let j = 0; j < dims; j++) q[j] = (query[j] as number) / norm;
    const k = Math.min(Math.max(0, Math.floor(options.topK)), this.#count);
    if (k === 0) return [];
    const filter = options.filter;
    const eligible =
      filter !== undefined && Object.keys(filter).length > 0
        ? (row: number) => matchesFilter((this.#payloads[row] as IndexPayload).metadata, filter)
        : undefined;
    const minScore = options.minScore ?? -Infinity;
    const heap = new TopK(k, this.#ids);
    if (this.#dots !== undefined) this.#searchSimd(q, k, eligible, minScore, heap);
    else {
      for (let row = 0; row < this.#count; row++) {
        if (eligible !== undefined && !eligible(row)) continue;
        const score = this.#exact(row, q);
        if (score >= minScore) heap.offer(score, row);
      }
    }
    return heap.drain().map(({ score, row }) => ({
      id: this.#ids[row] as string,
      score,
      payload: this.#payloads[row] as IndexPayload,
    }));
  }

  /** Double-precision cosine of a stored row with the unit query: dot(row, q) / |row|. */
  #exact(row: number, q: Float64Array): number {
    const data = this.#data;
    const dims = this.dims;
    const base = row * this.#stride;
    const tail = dims & ~3;
    // Four independent accumulators let the CPU overlap the multiply-adds.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j < tail; j += 4) {
      s0 += (data[base + j] as number) * (q[j] as number);
      s1 += (data[base + j + 1] as number) * (q[j + 1] as number);
      s2 += (data[base + j + 2] as number) * (q[j + 2] as number);
      s3 += (data[base + j + 3] as number) * (q[j + 3] as number);
    }
    for (; j < dims; j++) s0 += (data[base + j] as number) * (q[j] as number);
    return (s0 + s1 + s2 + s3) / (this.#norms[row] as number);
  }

  /**
   * Float32 SIMD dot products for every row (divided by the row's norm), then the exact
   * double-precision top k among the rows whose float32 score can still reach it. The float32
   * cosine is off by at most ε = (stride/4 + 4)·2⁻²⁴ (one rounding per lane add and product, the
   * lane reduction and the float32 query; Σ|v·q| ≤ |v| by Cauchy–Schwarz), so any row of the
   * exact top k has a float32 score ≥ T − 2ε, T being the k-th best float32 score. ε is taken
   * four times larger for margin.
   */
  #searchSimd(q: Float64Array, k: number, eligible: ((row: number) => boolean) | undefined, minScore: number, heap: TopK): void {
    const count = this.#count;
    const stride = this.#stride;
    const qOffset = this.#capacity * stride; // in floats: the scratch area after the rows
    const scoresOffset = qOffset + stride;
    const memory = this.#data;
    for (let j = 0; j < stride; j++) memory[qOffset + j] = j < this.dims ? (q[j] as number) : 0;
    (this.#dots as DotsKernel)(0, qOffset * 4, count, stride, scoresOffset * 4);
    const scores = memory.subarray(scoresOffset, scoresOffset + count);
    const eps = 2 * (stride / 4 + 4) * F32_EPS * 2;
    // Pass 1: the k-th best float32 score among eligible rows.
    const coarse = new TopK(k, this.#ids);
    const floor = minScore - eps;
    const norms = this.#norms;
    for (let row = 0; row < count; row++) {
      const s = (scores[row] as number) / (norms[row] as number);
      if (s < floor || (eligible !== undefined && !eligible(row))) continue;
      coarse.offer(s, row);
    }
    if (coarse.size === 0) return;
    const threshold = (coarse.size < k ? -Infinity : coarse.worstScore()) - 2 * eps;
    const cut = Math.max(threshold, floor);
    // Pass 2: exact scores for every row that can still make the top k.
    for (let row = 0; row < count; row++) {
      if ((scores[row] as number) / (norms[row] as number) < cut || (eligible !== undefined && !eligible(row))) continue;
      const exact = this.#exact(row, q);
      if (exact >= minScore) heap.offer(exact, row);
    }
  }

  /** Makes room for `capacity` rows plus the search scratch (query, scores). */
  #reserve(capacity: number): void {
    const floats = capacity * this.#stride + this.#stride + capacity;
    if (this.#memory !== undefined) {
      const needed = Math.ceil((floats * 4) / PAGE);
      const have = this.#memory.buffer.byteLength / PAGE;
      if (needed > have) this.#memory.grow(needed - have);
      // Rows stay at offset 0, so growing moves nothing; the old view is detached by grow().
      this.#data = new Float32Array(this.#memory.buffer);
    } else {
      const next = new Float32Array(floats);
      next.set(this.#data.subarray(0, this.#count * this.#stride));
      this.#data = next;
    }
    const norms = new Float64Array(capacity);
    norms.set(this.#norms.subarray(0, this.#count));
    this.#norms = norms;
    this.#capacity = capacity;
  }
}

/** Bounded min-heap of (score, row): the root is the worst kept hit. */
class TopK {
  readonly #k: number;
  readonly #scores: Float64Array;
  readonly #rows: Int32Array;
  readonly #ids: readonly string[];
  #size = 0;

  constructor(k: number, ids: readonly string[]) {
    this.#k = k;
    this.#scores = new Float64Array(k);
    this.#rows = new Int32Array(k);
    this.#ids = ids;
  }

  get size(): number {
    return this.#size;
  }

  /** Score of the worst hit kept (the root). */
  worstScore(): number {
    return this.#scores[0] as number;
  }

  /** a is worse than b: lower score, or equal score and larger id. */
  #worse(sa: number, ra: number, sb: number, rb: number): boolean {
    if (sa !== sb) return sa < sb;
    return (this.#ids[ra] as string) > (this.#ids[rb] as string);
  }

  offer(score: number, row: number): void {
    if (this.#size < this.#k) {
      let i = this.#size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.#worse(score, row, this.#scores[parent] as number, this.#rows[parent] as number)) break;
        this.#scores[i] = this.#scores[parent] as number;
        this.#rows[i] = this.#rows[parent] as number;
        i = parent;
      }
      this.#scores[i] = score;
      this.#rows[i] = row;
      return;
    }
    const rootScore = this.#scores[0] as number;
    if (score < rootScore) return; // fast path: most rows are rejected here
    if (!this.#worse(rootScore, this.#rows[0] as number, score, row)) return;
    this.#siftDown(score, row);
  }

  #siftDown(score: number, row: number): void {
    const n = this.#size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#worse(this.#scores[r] as number, this.#rows[r] as number, this.#scores[l] as number, this.#rows[l] as number)) c = r;
      if (!this.#worse(this.#scores[c] as number, this.#rows[c] as number, score, row)) break;
      this.#scores[i] = this.#scores[c] as number;
      this.#rows[i] = this.#rows[c] as number;
      i = c;
    }
    this.#scores[i] = score;
    this.#rows[i] = row;
  }

  /** The kept hits, best first. */
  drain(): { score: number; row: number }[] {
    const out: { score: number; row: number }[] = [];
    for (let i = 0; i < this.#size; i++) out.push({ score: this.#scores[i] as number, row: this.#rows[i] as number });
    return out.sort((a, b) => (this.#worse(a.score, a.row, b.score, b.row) ? 1 : this.#worse(b.score, b.row, a.score, a.row) ? -1 : 0));
  }
}

/**
 * The reference: cosine of every vector in double precision, sorted (score desc, id asc).
 * Used by tests and the benchmark's baseline check; the straightforward O(n·d + n log n) way an app would write it.
 */
export function naiveTopK(
  ids: readonly string[],
  vectors: readonly (readonly number[])[],
  query: readonly number[],
  topK: number,
): { id: string; score: number }[] {
  const scored = vectors.map((v, i) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = 0; j < v.length; j++) {
      dot += (v[j] as number) * (query[j] as number);
      na += (v[j] as number) * (v[j] as number);
      nb += (query[j] as number) * (query[j] as number);
    }
    return { id: ids[i] as string, score: dot / (Math.sqrt(na) * Math.sqrt(nb)) };
  });
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return scored.slice(0, topK);
}
