/**
 * Exact cosine top-k over one collection's vectors. Each float32 value is kept once, split into
 * its high and low 16 bits (two planes of one WebAssembly memory); a SIMD scan of the high halves
 * (bfloat16, half the bytes of the float32 rows) bounds every row's score, and only the rows whose
 * bound can still reach the top k are scored exactly from both halves. Pure: no IndexedDB, no DOM.
 */
import { ValidationError, type FilterValue } from '@taskweave/core';
import { KERNEL_STEP, dotKernelModule, instantiateDotKernel, type DotsKernel } from './dotKernel.js';
import { KthLargest, TopK } from './topK.js';

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
  /** Ids to leave out (rows a newer layer replaced or deleted, see `collectionView.ts`). */
  exclude?: ReadonlySet<string>;
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
  /**
   * Keep the rows in a shared WebAssembly memory (needs cross-origin isolation), so that once
   * `freeze()`d other workers can `VectorIndex.attach()` it and search the same bytes.
   * @default false
   */
  shared?: boolean;
  /** Search scratch areas: how many searches (one per worker) can run on a shared index at once. @default 1, 32 when shared */
  searchSlots?: number;
}

const PAGE = 65536;
/** Unit roundoff of float32. */
const U = 2 ** -24;
/** Rows scored per kernel call at most (their float32 scores are a small scratch area); at least MIN_CHUNK. */
const CHUNK = 4096;
const MIN_CHUNK = 256;
/** Bytes before the first scratch area: the header (Int32 words, the version as a Float64 at byte 64, the slot locks). */
const HEADER_BYTES = 4096;
const MAGIC = 0x74777669; // 'twvi'
const H_MAGIC = 0;
const H_DIMS = 1;
const H_CAPACITY = 2;
const H_COUNT = 3;
const H_SLOTS = 4;
const H_BLOB = 5;
const H_BLOB_LENGTH = 6;
const H_ID = 7;
const H_CHUNK = 8;
const H_VERSION_BYTE = 64;
/** Int32 index of slot 0's lock word (0 free, 1 taken). */
const H_SLOT_LOCKS = 256;
const MAX_SLOTS = 64;
/** Rows with a norm outside [TINY, HUGE] are always scored exactly: float32 may under- or overflow on them. */
const TINY = 2 ** -60;
const HUGE = 2 ** 60;
/** Added to every bound for the double-precision steps (norms, the exact score): their error is below 1e-13. */
const SLACK = 1e-10;

/** Where each part of an index lives in its buffer (byte offsets). */
interface Layout {
  capacity: number;
  /** Rows per kernel call. */
  chunk: number;
  /** Search scratch areas (slots), each: the unit query in float32 (stride values) and the float32 scores of one chunk. */
  slots: number;
  slotBytes: number;
  /** Slot 0's query and scores (slot s: + s × slotBytes). */
  query: number;
  scores: number;
  /** High halves: `capacity × stride` uint16 (bfloat16), rows padded with zeros. */
  hi: number;
  /** Low halves: `capacity × dims` uint16. */
  lo: number;
  /** Float64 norm of each row (of its float32 values, summed in order: the naive loop's). */
  norms: number;
  /** Float32 upper bound of |row − high halves| / |row|, per row (Infinity: always score exactly). */
  errs: number;
  bytes: number;
}

const align = (n: number, to: number) => Math.ceil(n / to) * to;

function layoutFor(dims: number, stride: number, capacity: number, slots: number, chunk: number): Layout {
  const query = HEADER_BYTES;
  const scores = query + stride * 4;
  const slotBytes = align(stride * 4 + chunk * 4, 64);
  const hi = query + slots * slotBytes;
  const lo = hi + capacity * stride * 2;
  const norms = align(lo + capacity * dims * 2, 8);
  const errs = norms + capacity * 8;
  return { capacity, chunk, slots, slotBytes, query, scores, hi, lo, norms, errs, bytes: errs + capacity * 4 };
}

/** The smallest float32 ≥ x (x ≥ 0). */
function roundUp32(x: number): number {
  const f = Math.fround(x);
  return f >= x ? f : Math.fround(x + x * 2 ** -23);
}

/**
 * The in-memory index of one collection.
 *
 * Storage: each vector is kept as the float32 values given, each value once, split into its high
 * 16 bits (sign, exponent, 7 mantissa bits: a bfloat16, rounded to nearest by adding 0x8000 to
 * the bit pattern first) and the low 16 bits left over; together they give the float32 back
 * exactly. Rows sit in two planes of one buffer (the WebAssembly memory of the scan kernel),
 * grown by doubling, beside each row's norm and error bound: 4 bytes per value plus 12 per row.
 *
 * Search: the SIMD kernel (`dotKernel.ts`) scores every row from its high halves in float32
 * against the unit query. For a row v with high halves h, ρ = |v − h| and n its length, that
 * approximate cosine a = fl32(h·q̂)/|v| is within
 *   ε(v) = ρ/|v| + (1 + 2⁻⁸)·(u + γₘ·(1 + u)) + 10⁻¹⁰   (u = 2⁻²⁴, γₘ = m·u/(1 − m·u), m = stride)
 * of the exact cosine: ρ bounds the split (Cauchy–Schwarz), u the float32 query, γₘ any order of
 * m float32 products and sums (|h| ≤ (1 + 2⁻⁸)|v|), 10⁻¹⁰ the double-precision steps. Let L be
 * the k-th largest lower bound a − ε among eligible rows: k rows then score at least L, so a row
 * whose upper bound a + ε is below L (or below minScore) cannot be in the top k; every other row
 * is scored exactly, from its two halves, and the exact top k of those is the answer — the same
 * rows, and the same scores to the last bit, as a naive double-precision loop over every vector:
 * dot(v, query) / (|v| · |query|), each sum taken in index order. Equal scores are ordered by id,
 * so results do not depend on the order rows were inserted or removed in. Without WebAssembly
 * SIMD every row is scored exactly in JS.
 *
 * @example
 * const index = new VectorIndex(384)
 * index.upsert('a', vectorA, { text: 'first' })
 * const hits = index.search(query, { topK: 10 })
 */
export class VectorIndex {
  readonly dims: number;
  /** Values per row of the high plane: dims rounded up to the kernel's step (zero padding). */
  readonly #stride: number;
  #layout: Layout;
  readonly #memory: WebAssembly.Memory | undefined;
  readonly #dots: DotsKernel | undefined;
  #buffer: ArrayBufferLike;
  readonly #shared: boolean;
  /** Set by `freeze()` (and on an attached index): no more writes. */
  #frozen = false;
  #header: Int32Array<ArrayBufferLike> = new Int32Array(0);
  #hi: Uint16Array<ArrayBufferLike> = new Uint16Array(0);
  #lo: Uint16Array<ArrayBufferLike> = new Uint16Array(0);
  #norms: Float64Array<ArrayBufferLike> = new Float64Array(0);
  #errs: Float32Array<ArrayBufferLike> = new Float32Array(0);
  #f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  #count = 0;
  #ids: string[] = [];
  #payloads: IndexPayload[] = [];
  readonly #rowOf = new Map<string, number>();
  #lastExact = 0;
  /** One row's float32 values and their bit patterns (one buffer). */
  readonly #values: Float32Array;
  readonly #bits: Uint32Array;
  readonly #oneBits = new Uint32Array(1);
  readonly #one = new Float32Array(this.#oneBits.buffer);

  constructor(dims: number, options: VectorIndexOptions | number = {}, attachTo?: WebAssembly.Memory) {
    if (!Number.isInteger(dims) || dims < 1) {
      throw new ValidationError('VectorIndex: dims must be a whole number ≥ 1', [{ path: ['dims'], field: 'dims', message: 'must be ≥ 1' }]);
    }
    const opts = typeof options === 'number' ? { initialCapacity: options } : options;
    this.dims = dims;
    this.#stride = Math.ceil(dims / KERNEL_STEP) * KERNEL_STEP;
    this.#values = new Float32Array(dims);
    this.#bits = new Uint32Array(this.#values.buffer);
    this.#shared = attachTo !== undefined || opts.shared === true;
    const slots = Math.min(MAX_SLOTS, Math.max(1, opts.searchSlots ?? (this.#shared ? 32 : 1)));
    const capacity = Math.max(1, opts.initialCapacity ?? 64);
    const chunk = attachTo !== undefined ? (new Int32Array(attachTo.buffer, 0, HEADER_BYTES / 4)[H_CHUNK] as number) : Math.min(CHUNK, align(Math.max(capacity, MIN_CHUNK), 64));
    this.#layout = layoutFor(dims, this.#stride, capacity, slots, chunk);
    const module = opts.simd === false && !this.#shared ? null : dotKernelModule(this.#shared);
    if (this.#shared && module === null) throw new Error('VectorIndex: a shared index needs WebAssembly SIMD and shared memory');
    if (module !== null) {
      this.#memory =
        attachTo ??
        new WebAssembly.Memory({ initial: Math.ceil(this.#layout.bytes / PAGE), ...(this.#shared ? { maximum: 65536, shared: true } : {}) });
      this.#dots = instantiateDotKernel(module, this.#memory);
      this.#buffer = this.#memory.buffer;
    } else {
      this.#buffer = new ArrayBuffer(this.#layout.bytes);
    }
    this.#views();
    if (attachTo === undefined) {
      this.#header[H_MAGIC] = MAGIC;
      this.#header[H_DIMS] = dims;
      this.#header[H_SLOTS] = slots;
      this.#header[H_CHUNK] = chunk;
    }
  }

  /** Whether a shared memory (SharedArrayBuffer) can be made here: cross-origin isolated, with WebAssembly SIMD. */
  static get canShare(): boolean {
    return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true && dotKernelModule(true) !== null;
  }

  /**
   * Freezes the index (no more writes) and writes its ids, payloads and `version` into its memory,
   * so that `VectorIndex.attach(memory)` rebuilds it in another worker over the same bytes.
   * Returns the memory.
   */
  freeze(version: number): WebAssembly.Memory {
    if (this.#memory === undefined) throw new Error('VectorIndex.freeze: needs the WebAssembly kernel');
    if (!this.#frozen) {
      const blob = new TextEncoder().encode(JSON.stringify([this.#ids, this.#payloads]));
      const offset = align(this.#layout.bytes, 8);
      const needed = Math.ceil((offset + blob.length) / PAGE) - this.#memory.buffer.byteLength / PAGE;
      if (needed > 0) this.#memory.grow(needed);
      this.#buffer = this.#memory.buffer;
      this.#views();
      new Uint8Array(this.#buffer, offset, blob.length).set(blob);
      const header = this.#header;
      header[H_CAPACITY] = this.#layout.capacity;
      header[H_COUNT] = this.#count;
      header[H_BLOB] = offset;
      header[H_BLOB_LENGTH] = blob.length;
      header[H_ID] = (Math.random() * 2 ** 31) | 0 || 1;
      new Float64Array(this.#buffer, H_VERSION_BYTE, 1)[0] = version;
      this.#frozen = true;
    }
    return this.#memory;
  }

  /** A random number written by `freeze()`: equal on every index attached to the same memory (0 while not frozen). */
  get snapshotId(): number {
    return this.#frozen ? (this.#header[H_ID] as number) : 0;
  }

  /** The version given to `freeze()` (undefined while not frozen). */
  get frozenVersion(): number | undefined {
    return this.#frozen ? (new Float64Array(this.#buffer, H_VERSION_BYTE, 1)[0] as number) : undefined;
  }

  /**
   * A read-only index over a memory another index `freeze()`d (in this worker or another): the
   * rows are not copied; ids and payloads are decoded into this worker.
   */
  static attach(memory: WebAssembly.Memory): VectorIndex {
    const header = new Int32Array(memory.buffer, 0, HEADER_BYTES / 4);
    if (header[H_MAGIC] !== MAGIC || !((header[H_BLOB_LENGTH] as number) > 0)) throw new Error('VectorIndex.attach: not a frozen index');
    const index = new VectorIndex(
      header[H_DIMS] as number,
      { initialCapacity: header[H_CAPACITY] as number, searchSlots: header[H_SLOTS] as number },
      memory,
    );
    const blob = new Uint8Array(header[H_BLOB_LENGTH] as number);
    blob.set(new Uint8Array(memory.buffer, header[H_BLOB] as number, blob.length)); // TextDecoder refuses shared views
    const [ids, payloads] = JSON.parse(new TextDecoder().decode(blob)) as [string[], IndexPayload[]];
    index.#ids = ids;
    index.#payloads = payloads;
    index.#count = ids.length;
    ids.forEach((id, row) => index.#rowOf.set(id, row));
    index.#frozen = true;
    return index;
  }

  /** Calls `fn` with each row's id, float32 values (a scratch array, valid during the call) and payload. */
  forEachRow(fn: (id: string, vector: Float32Array, payload: IndexPayload) => void): void {
    for (let row = 0; row < this.#count; row++) {
      this.#decode(row);
      fn(this.#ids[row] as string, this.#values, this.#payloads[row] as IndexPayload);
    }
  }

  #writable(): void {
    if (this.#frozen) throw new Error('VectorIndex: this index is frozen (read-only)');
  }

  /** Number of vectors held. */
  get size(): number {
    return this.#count;
  }

  /** Rows reserved in the buffer (doubles when full). */
  get capacity(): number {
    return this.#layout.capacity;
  }

  /** Whether the rows live in a shared memory (other workers can attach it once frozen). */
  get shared(): boolean {
    return this.#shared;
  }

  /** Whether searches use the WebAssembly SIMD kernel. */
  get simd(): boolean {
    return this.#dots !== undefined;
  }

  /** Bytes of the index's own buffer: vectors, norms, bounds and the search scratch. */
  get byteLength(): number {
    return this.#buffer.byteLength;
  }

  has(id: string): boolean {
    return this.#rowOf.has(id);
  }

  /** Adds or replaces the vector (kept as float32) and payload of `id`. */
  upsert(id: string, vector: ArrayLike<number>, payload: IndexPayload = {}): void {
    this.#writable();
    checkVector(vector, 'vector', this.dims);
    let row = this.#rowOf.get(id);
    if (row === undefined) {
      if (this.#count === this.capacity) this.#reserve(this.capacity * 2);
      row = this.#count++;
      this.#rowOf.set(id, row);
      this.#ids[row] = id;
    }
    this.#payloads[row] = payload;
    const dims = this.dims;
    const values = this.#values;
    const bits = this.#bits;
    let sq = 0;
    for (let j = 0; j < dims; j++) {
      values[j] = vector[j] as number;
      sq += (values[j] as number) * (values[j] as number);
    }
    if (sq === 0 || !Number.isFinite(sq)) {
      // Tiny values can underflow to zero in float32, huge ones overflow.
      this.remove(id);
      throw new ValidationError('vector: is zero or not finite once stored as float32', [
        { path: ['vector'], field: 'vector', message: 'must be representable as a non-zero float32 vector' },
      ]);
    }
    const hi = this.#hi;
    const lo = this.#lo;
    const hiBase = row * this.#stride;
    const loBase = row * dims;
    let rho = 0;
    for (let j = 0; j < dims; j++) {
      // bits + 0x8000 rounds the magnitude to 7 mantissa bits (a finite float32 stays below 2³²).
      const t = (bits[j] as number) + 0x8000;
      const high = t >>> 16;
      hi[hiBase + j] = high;
      lo[loBase + j] = t & 0xffff;
      this.#oneBits[0] = high * 65536;
      const d = (values[j] as number) - (this.#one[0] as number);
      rho += d * d;
    }
    for (let j = dims; j < this.#stride; j++) hi[hiBase + j] = 0;
    const norm = Math.sqrt(sq);
    this.#norms[row] = norm;
    // Near float32's limits (or where rounding made an infinite high half) the bound is not kept: always exact.
    this.#errs[row] = norm < TINY || norm > HUGE || !Number.isFinite(rho) ? Infinity : roundUp32(Math.sqrt(rho) / norm);
  }

  /** Removes `id` (the last row moves into its place); returns whether it was there. */
  remove(id: string): boolean {
    this.#writable();
    const row = this.#rowOf.get(id);
    if (row === undefined) return false;
    const last = --this.#count;
    this.#rowOf.delete(id);
    if (row !== last) {
      const lastId = this.#ids[last] as string;
      const stride = this.#stride;
      const dims = this.dims;
      this.#hi.copyWithin(row * stride, last * stride, (last + 1) * stride);
      this.#lo.copyWithin(row * dims, last * dims, (last + 1) * dims);
      this.#norms[row] = this.#norms[last] as number;
      this.#errs[row] = this.#errs[last] as number;
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
    this.#writable();
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
    const queryNorm = checkVector(query, 'query.vector', dims);
    const q = new Float64Array(dims);
    for (let j = 0; j < dims; j++) q[j] = query[j] as number;
    const k = Math.min(Math.max(0, Math.floor(options.topK)), this.#count);
    if (k === 0) return [];
    const filter = options.filter !== undefined && Object.keys(options.filter).length > 0 ? options.filter : undefined;
    const exclude = options.exclude !== undefined && options.exclude.size > 0 ? options.exclude : undefined;
    const ids = this.#ids;
    const payloads = this.#payloads;
    const eligible =
      filter === undefined && exclude === undefined
        ? undefined
        : (row: number) =>
            (exclude === undefined || !exclude.has(ids[row] as string)) &&
            (filter === undefined || matchesFilter((payloads[row] as IndexPayload).metadata, filter));
    const minScore = options.minScore ?? -Infinity;
    const heap = new TopK(k, this.#ids);
    const slot = this.#dots === undefined ? -1 : this.#claimSlot();
    if (slot >= 0) {
      try {
        this.#scan(slot, q, queryNorm, k, eligible, minScore, heap);
      } finally {
        this.#releaseSlot(slot);
      }
    } else {
      this.#lastExact = this.#count;
      for (let row = 0; row < this.#count; row++) {
        if (eligible !== undefined && !eligible(row)) continue;
        const score = this.#exact(row, q, queryNorm);
        if (score >= minScore) heap.offer(score, row);
      }
    }
    return heap.drain().map(({ score, row }) => ({
      id: this.#ids[row] as string,
      score,
      payload: this.#payloads[row] as IndexPayload,
    }));
  }

  /**
   * For tests and diagnostics: every row's approximate cosine from the kernel and its bound ε, in
   * row order (rows as `ids()` lists them); `exact` would differ from `approx` by at most `bound`.
   */
  approximateScores(query: ArrayLike<number>): { ids: string[]; approx: Float64Array; bound: Float64Array; exact: Float64Array } {
    const dims = this.dims;
    const queryNorm = checkVector(query, 'query.vector', dims);
    const q = Float64Array.from({ length: dims }, (_, j) => query[j] as number);
    const n = this.#count;
    const approx = new Float64Array(n);
    const bound = new Float64Array(n);
    const exact = new Float64Array(n);
    const slot = this.#dots === undefined ? -1 : this.#claimSlot();
    if (slot < 0) throw new Error('approximateScores needs the SIMD kernel and a free search slot');
    const { hi, slotBytes } = this.#layout;
    const qOffset = this.#layout.query + slot * slotBytes;
    const scores = this.#layout.scores + slot * slotBytes;
    const stride = this.#stride;
    for (let j = 0; j < stride; j++) this.#f32[qOffset / 4 + j] = j < dims ? (q[j] as number) / queryNorm : 0;
    const fixed = this.#fixedBound();
    const chunk = this.#layout.chunk;
    for (let start = 0; start < n; start += chunk) {
      const m = Math.min(chunk, n - start);
      (this.#dots as DotsKernel)(hi + start * stride * 2, qOffset, m, stride * 2, scores);
      for (let i = 0; i < m; i++) {
        approx[start + i] = (this.#f32[scores / 4 + i] as number) / (this.#norms[start + i] as number);
        bound[start + i] = (this.#errs[start + i] as number) + fixed;
      }
    }
    this.#releaseSlot(slot);
    for (let row = 0; row < n; row++) exact[row] = this.#exact(row, q, queryNorm);
    return { ids: this.#ids.slice(0, n), approx, bound, exact };
  }

  /** The part of ε that does not depend on the row (see the class comment). */
  #fixedBound(): number {
    const m = this.#stride;
    const gamma = (m * U) / (1 - m * U);
    return (1 + 2 ** -8) * (U + gamma * (1 + U)) + SLACK;
  }

  /** Rows scored exactly by the last search (for tests and diagnostics: how well the scan pruned). */
  get lastExactCount(): number {
    return this.#lastExact;
  }

  /** A free search slot of a shared index (0 on a private one), or -1 when every slot is taken. */
  #claimSlot(): number {
    if (!this.#shared) return 0;
    for (let s = 0; s < this.#layout.slots; s++) if (Atomics.compareExchange(this.#header, H_SLOT_LOCKS + s, 0, 1) === 0) return s;
    return -1; // more searches at once than slots: this one scores every row in JS
  }

  #releaseSlot(slot: number): void {
    if (this.#shared) Atomics.store(this.#header, H_SLOT_LOCKS + slot, 0);
  }

  /** Puts row's float32 values into the scratch `#values` (from its two halves). */
  #decode(row: number): void {
    const dims = this.dims;
    const hi = this.#hi;
    const lo = this.#lo;
    const bits = this.#bits;
    const hiBase = row * this.#stride;
    const loBase = row * dims;
    for (let j = 0; j < dims; j++) bits[j] = (((hi[hiBase + j] as number) << 16) | (lo[loBase + j] as number)) - 0x8000;
  }

  /** The exact cosine of a row, as the naive loop computes it: Σ v·q in order, / (|v|·|q|). */
  #exact(row: number, q: Float64Array, queryNorm: number): number {
    const dims = this.dims;
    const values = this.#values;
    this.#decode(row);
    let dot = 0;
    for (let j = 0; j < dims; j++) dot += (values[j] as number) * (q[j] as number);
    return dot / ((this.#norms[row] as number) * queryNorm);
  }

  /**
   * One pass of the kernel over every row, chunk by chunk, keeping the k-th best lower bound L and
   * the rows whose upper bound reaches max(L, minScore) so far (L only rises, so a row dropped
   * early stays dropped); then the exact scores of the candidates left (see the class comment).
   */
  #scan(slot: number, q: Float64Array, queryNorm: number, k: number, eligible: ((row: number) => boolean) | undefined, minScore: number, heap: TopK): void {
    const { hi, slotBytes } = this.#layout;
    const query = this.#layout.query + slot * slotBytes;
    const scores = this.#layout.scores + slot * slotBytes;
    const stride = this.#stride;
    const dims = this.dims;
    const f32 = this.#f32;
    const qBase = query / 4;
    for (let j = 0; j < stride; j++) f32[qBase + j] = j < dims ? (q[j] as number) / queryNorm : 0;
    const fixed = this.#fixedBound();
    const sBase = scores / 4;
    const norms = this.#norms;
    const errs = this.#errs;
    const dots = this.#dots as DotsKernel;
    const kth = new KthLargest(k);
    let cut = minScore;
    const rows: number[] = [];
    const ups: number[] = [];
    const count = this.#count;
    const chunk = this.#layout.chunk;
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start);
      dots(hi + start * stride * 2, query, n, stride * 2, scores);
      for (let i = 0; i < n; i++) {
        const row = start + i;
        const a = (f32[sBase + i] as number) / (norms[row] as number);
        const e = (errs[row] as number) + fixed;
        const up = a + e;
        if (!(up >= cut) && up === up) continue; // NaN (a row near float32's limits) goes on
        if (eligible !== undefined && !eligible(row)) continue;
        if (up !== up) {
          rows.push(row);
          ups.push(Infinity);
          continue;
        }
        kth.offer(a - e);
        if (kth.value > cut) cut = kth.value;
        if (up >= cut) {
          rows.push(row);
          ups.push(up);
        }
      }
    }
    let exactCount = 0;
    for (let c = 0; c < rows.length; c++) {
      if (!((ups[c] as number) >= cut)) continue;
      exactCount++;
      const row = rows[c] as number;
      const exact = this.#exact(row, q, queryNorm);
      if (exact >= minScore) heap.offer(exact, row);
    }
    this.#lastExact = exactCount;
  }

  /** Makes room for `capacity` rows: grows the buffer and moves the planes after the first. */
  #reserve(capacity: number): void {
    const from = this.#layout;
    const to = layoutFor(this.dims, this.#stride, capacity, from.slots, from.chunk);
    const n = this.#count;
    const dims = this.dims;
    const stride = this.#stride;
    if (this.#memory !== undefined) {
      const have = this.#memory.buffer.byteLength / PAGE;
      const needed = Math.ceil(to.bytes / PAGE);
      if (needed > have) this.#memory.grow(needed - have);
      this.#buffer = this.#memory.buffer;
      // New offsets are never lower: move the last region first (copyWithin is a memmove).
      const bytes = new Uint8Array(this.#buffer);
      bytes.copyWithin(to.errs, from.errs, from.errs + n * 4);
      bytes.copyWithin(to.norms, from.norms, from.norms + n * 8);
      bytes.copyWithin(to.lo, from.lo, from.lo + n * dims * 2);
    } else {
      const next = new ArrayBuffer(to.bytes);
      new Uint8Array(next, 0, HEADER_BYTES).set(new Uint8Array(this.#buffer, 0, HEADER_BYTES));
      const copy = (src: number, dst: number, length: number) => new Uint8Array(next, dst, length).set(new Uint8Array(this.#buffer, src, length));
      copy(from.hi, to.hi, n * stride * 2);
      copy(from.lo, to.lo, n * dims * 2);
      copy(from.norms, to.norms, n * 8);
      copy(from.errs, to.errs, n * 4);
      this.#buffer = next;
    }
    this.#layout = to;
    this.#views();
  }

  #views(): void {
    const { capacity, hi, lo, norms, errs } = this.#layout;
    this.#hi = new Uint16Array(this.#buffer, hi, capacity * this.#stride);
    this.#lo = new Uint16Array(this.#buffer, lo, capacity * this.dims);
    this.#norms = new Float64Array(this.#buffer, norms, capacity);
    this.#errs = new Float32Array(this.#buffer, errs, capacity);
    this.#f32 = new Float32Array(this.#buffer, 0, this.#layout.hi / 4);
    this.#header = new Int32Array(this.#buffer, 0, HEADER_BYTES / 4);
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
