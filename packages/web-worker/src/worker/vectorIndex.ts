/**
 * Exact cosine top-k over one collection's vectors, held in one contiguous Float32Array
 * (grown by doubling). Vectors are stored unit-normalised, so a score is one dot product; the
 * k best are kept in a bounded min-heap. Pure: no IndexedDB, no DOM.
 */
import { ValidationError, type FilterValue } from '@taskweave/core';

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

/**
 * The in-memory index of one collection.
 *
 * Scores are cosine similarities computed in double precision from the stored (float32,
 * unit-normalised) vectors; equal scores are ordered by id, so results do not depend on the
 * order rows were inserted or removed in.
 *
 * @example
 * const index = new VectorIndex(384)
 * index.upsert('a', vectorA, { text: 'first' })
 * const hits = index.search(query, { topK: 10 })
 */
export class VectorIndex {
  readonly dims: number;
  #data: Float32Array;
  #capacity: number;
  #count = 0;
  #ids: string[] = [];
  #payloads: IndexPayload[] = [];
  readonly #rowOf = new Map<string, number>();

  /** @param initialCapacity rows to reserve up front @default 64 */
  constructor(dims: number, initialCapacity = 64) {
    if (!Number.isInteger(dims) || dims < 1) {
      throw new ValidationError('VectorIndex: dims must be a whole number ≥ 1', [{ path: ['dims'], field: 'dims', message: 'must be ≥ 1' }]);
    }
    this.dims = dims;
    this.#capacity = Math.max(1, initialCapacity);
    this.#data = new Float32Array(this.#capacity * dims);
  }

  /** Number of vectors held. */
  get size(): number {
    return this.#count;
  }

  /** Rows reserved in the buffer (doubles when full). */
  get capacity(): number {
    return this.#capacity;
  }

  has(id: string): boolean {
    return this.#rowOf.has(id);
  }

  /** Adds or replaces the vector (normalised on the way in) and payload of `id`. */
  upsert(id: string, vector: ArrayLike<number>, payload: IndexPayload = {}): void {
    const norm = checkVector(vector, 'vector', this.dims);
    let row = this.#rowOf.get(id);
    if (row === undefined) {
      if (this.#count === this.#capacity) this.#grow();
      row = this.#count++;
      this.#rowOf.set(id, row);
      this.#ids[row] = id;
    }
    this.#payloads[row] = payload;
    const base = row * this.dims;
    const inv = 1 / norm;
    for (let j = 0; j < this.dims; j++) this.#data[base + j] = (vector[j] as number) * inv;
  }

  /** Removes `id` (the last row moves into its place); returns whether it was there. */
  remove(id: string): boolean {
    const row = this.#rowOf.get(id);
    if (row === undefined) return false;
    const last = --this.#count;
    this.#rowOf.delete(id);
    if (row !== last) {
      const lastId = this.#ids[last] as string;
      this.#data.copyWithin(row * this.dims, last * this.dims, (last + 1) * this.dims);
      this.#ids[row] = lastId;
      this.#payloads[row] = this.#payloads[last] as IndexPayload;
      this.#rowOf.set(lastId, row);
    }
    this.#ids.length = last;
    this.#payloads.length = last;
    return true;
  }

  #grow(): void {
    this.#capacity *= 2;
    const next = new Float32Array(this.#capacity * this.dims);
    next.set(this.#data.subarray(0, this.#count * this.dims));
    this.#data = next;
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
    const heap = new TopK(k, this.#ids);
    const data = this.#data;
    const filter = options.filter;
    const hasFilter = filter !== undefined && Object.keys(filter).length > 0;
    const minScore = options.minScore ?? -Infinity;
    const tail = dims & ~3;
    for (let row = 0, base = 0; row < this.#count; row++, base += dims) {
      if (hasFilter && !matchesFilter((this.#payloads[row] as IndexPayload).metadata, filter)) continue;
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
      const score = s0 + s1 + s2 + s3;
      if (score < minScore) continue;
      heap.offer(score, row);
    }
    return heap.drain().map(({ score, row }) => ({
      id: this.#ids[row] as string,
      score,
      payload: this.#payloads[row] as IndexPayload,
    }));
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
