/**
 * Exact cosine top-k over one collection's vectors. Each float32 value is kept once, exactly, as
 * an int8 code and a 24-bit remainder (one WebAssembly memory); a SIMD scan of the codes (a
 * quarter of the float32 bytes) bounds every row's score, and only the rows whose bound can still
 * reach the top k are rebuilt and scored exactly. Pure: no IndexedDB, no DOM.
 */
import { ValidationError, type FilterValue } from '@taskweave/core';
import { matchesFilter } from './metadataFilter.js';
import { POW2, POW2_BIAS, decodeRow, encodeRow, roundUp32, scaleExponent, storedBits } from './rowCodec.js';
import { quantiseQuery } from './queryCodes.js';
import { checkVector } from './vectorCheck.js';
import { KERNEL_STEP, dotKernelModule, instantiateDotKernel, type DotsKernel } from './dotKernel.js';
import { KthLargest, TopK } from './topK.js';
import {
  ESCAPES,
  HEADER_BYTES,
  H_BLOB,
  H_BLOB_LENGTH,
  H_CAPACITY,
  H_CHUNK,
  H_COUNT,
  H_DIMS,
  H_ID,
  H_MAGIC,
  H_SLOTS,
  H_SLOT_LOCKS,
  H_VERSION_BYTE,
  MAGIC,
  MAX_SLOTS,
  REGIONS,
  align,
  layoutFor,
  type Layout,
} from './indexLayout.js';

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
/** Rows scored per kernel call at most (their int32 scores are a small scratch area); at least MIN_CHUNK. */
const CHUNK = 4096;
const MIN_CHUNK = 256;
/** Added to every bound for the double-precision steps (norms, scales, the exact score): their error is below 1e-13. */
const SLACK = 1e-10;
/**
 * The in-memory index of one collection.
 *
 * Storage, each float32 value once, exactly: a row v gets a scale S = 2^e, the smallest power of
 * two with max|vⱼ| ≤ 127·S; each value is split into an int8 code cⱼ = round(vⱼ / S) and the
 * remainder vⱼ − cⱼ·S in units of S·2⁻²⁴, a 24-bit integer (for |cⱼ| ≥ 1 the value's own
 * precision is that fine; the rare tiny value off that grid keeps code 0 and is stored whole, its
 * top 24 bits in place and its low 8 bits in one of the row's escape slots). Code and remainder
 * give the float32 back bit for bit: 4 bytes a value plus about 40 a row (see `indexLayout.ts`).
 *
 * Search: the SIMD kernel (`dotKernel.ts`) scores every row as the exact integer dot product
 * I = Σ cⱼ·kⱼ of its codes with the unit query q̂ quantised to int16, kⱼ = round(q̂ⱼ / s); the
 * approximate cosine a = S·s·I / |v| is within
 *   ε(v) = ρ/|v| + (1 + ρ/|v|)·δ + 10⁻¹⁰,   ρ = |v − S·c|,  δ = |q̂ − s·k|
 * of the exact one (Cauchy–Schwarz twice, |S·c| ≤ |v| + ρ; 10⁻¹⁰ covers the double-precision
 * steps). Let L be the k-th largest lower bound a − ε among eligible rows: k rows then score at
 * least L, so a row whose upper bound a + ε is below L (or below minScore) cannot be in the top k;
 * every other row is rebuilt and scored exactly, and the exact top k of those is the answer — the
 * same rows, and the same scores to the last bit, as a naive double-precision loop over every
 * vector: dot(v, query) / (|v| · |query|), each sum taken in index order. Equal scores are ordered
 * by id, so results do not depend on the order rows were inserted or removed in. Without
 * WebAssembly SIMD every row is scored exactly in JS.
 *
 * @example
 * const index = new VectorIndex(384)
 * index.upsert('a', vectorA, { text: 'first' })
 * const hits = index.search(query, { topK: 10 })
 */
export class VectorIndex {
  readonly dims: number;
  /** Codes per row: dims rounded up to the kernel's step (zero padding). */
  readonly #stride: number;
  #layout: Layout;
  readonly #memory: WebAssembly.Memory | undefined;
  readonly #dots: DotsKernel | undefined;
  #buffer: ArrayBufferLike;
  readonly #shared: boolean;
  /** Set by `freeze()` (and on an attached index): no more writes. */
  #frozen = false;
  #header: Int32Array<ArrayBufferLike> = new Int32Array(0);
  #codes: Int8Array<ArrayBufferLike> = new Int8Array(0);
  #norms: Float64Array<ArrayBufferLike> = new Float64Array(0);
  #errs: Float32Array<ArrayBufferLike> = new Float32Array(0);
  #exps: Int16Array<ArrayBufferLike> = new Int16Array(0);
  #escIdx: Uint16Array<ArrayBufferLike> = new Uint16Array(0);
  #escCount: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  #escLow: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  #rest: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  #bytes: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  #count = 0;
  #ids: string[] = [];
  #payloads: IndexPayload[] = [];
  readonly #rowOf = new Map<string, number>();
  /** Escapes past a row's ESCAPES slots, by id: [position, low byte, …]. */
  #overflow = new Map<string, number[]>();
  #lastExact = 0;
  /** One row's float32 values and their bit patterns (one buffer), and the row rebuilt in double. */
  readonly #values: Float32Array;
  readonly #bits: Uint32Array;
  readonly #row: Float64Array;
  readonly #oneBits = new Uint32Array(1);
  readonly #one = new Float32Array(this.#oneBits.buffer);

  constructor(dims: number, options: VectorIndexOptions | number = {}, attachTo?: WebAssembly.Memory) {
    if (!Number.isInteger(dims) || dims < 1 || dims > 65535) {
      throw new ValidationError('VectorIndex: dims must be a whole number from 1 to 65535', [{ path: ['dims'], field: 'dims', message: 'must be 1 to 65535' }]);
    }
    const opts = typeof options === 'number' ? { initialCapacity: options } : options;
    this.dims = dims;
    this.#stride = Math.ceil(dims / KERNEL_STEP) * KERNEL_STEP;
    this.#values = new Float32Array(dims);
    this.#bits = new Uint32Array(this.#values.buffer);
    this.#row = new Float64Array(dims);
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
      const blob = new TextEncoder().encode(JSON.stringify([this.#ids, this.#payloads, [...this.#overflow]]));
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
    const [ids, payloads, overflow] = JSON.parse(new TextDecoder().decode(blob)) as [string[], IndexPayload[], [string, number[]][]];
    index.#ids = ids;
    index.#payloads = payloads;
    index.#overflow = new Map(overflow);
    index.#count = ids.length;
    ids.forEach((id, row) => index.#rowOf.set(id, row));
    index.#frozen = true;
    return index;
  }

  /** Calls `fn` with each row's id, float32 values (a scratch array, valid during the call) and payload. */
  forEachRow(fn: (id: string, vector: Float32Array, payload: IndexPayload) => void): void {
    for (let row = 0; row < this.#count; row++) {
      this.#decode(row);
      this.#values.set(this.#row);
      fn(this.#ids[row] as string, this.#values, this.#payloads[row] as IndexPayload);
    }
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

  /** Rows scored exactly by the last search (for tests and diagnostics: how well the scan pruned). */
  get lastExactCount(): number {
    return this.#lastExact;
  }

  has(id: string): boolean {
    return this.#rowOf.has(id);
  }

  #writable(): void {
    if (this.#frozen) throw new Error('VectorIndex: this index is frozen (read-only)');
  }

  /** Adds or replaces the vector (kept as float32) and payload of `id`. */
  upsert(id: string, vector: ArrayLike<number>, payload: IndexPayload = {}): void {
    this.#writable();
    checkVector(vector, 'vector', this.dims);
    const dims = this.dims;
    const values = this.#values;
    const bits = this.#bits;
    let sq = 0;
    let max = 0;
    for (let j = 0; j < dims; j++) {
      values[j] = vector[j] as number;
      const v = values[j] as number;
      sq += v * v;
      if (Math.abs(v) > max) max = Math.abs(v);
    }
    if (sq === 0 || !Number.isFinite(sq)) {
      // Tiny values can underflow to zero in float32, huge ones overflow.
      this.remove(id);
      throw new ValidationError('vector: is zero or not finite once stored as float32', [
        { path: ['vector'], field: 'vector', message: 'must be representable as a non-zero float32 vector' },
      ]);
    }
    let row = this.#rowOf.get(id);
    if (row === undefined) {
      if (this.#count === this.capacity) this.#reserve(this.capacity * 2);
      row = this.#count++;
      this.#rowOf.set(id, row);
      this.#ids[row] = id;
    }
    this.#payloads[row] = payload;
    const e = scaleExponent(max);
    const codeBase = row * this.#stride;
    const escapes: number[] = [];
    const rho = encodeRow(values, bits, dims, e, this.#codes, codeBase, this.#rest, row * dims * 3, escapes);
    for (let j = dims; j < this.#stride; j++) this.#codes[codeBase + j] = 0;
    const kept = Math.min(ESCAPES, escapes.length / 2);
    for (let i = 0; i < kept; i++) {
      this.#escIdx[row * ESCAPES + i] = escapes[2 * i] as number;
      this.#escLow[row * ESCAPES + i] = escapes[2 * i + 1] as number;
    }
    this.#escCount[row] = kept;
    if (escapes.length > 2 * ESCAPES) this.#overflow.set(id, escapes.slice(2 * ESCAPES));
    else this.#overflow.delete(id);
    const norm = Math.sqrt(sq);
    this.#norms[row] = norm;
    this.#exps[row] = e;
    this.#errs[row] = roundUp32(Math.sqrt(rho) / norm);
  }

  /** Removes `id` (the last row moves into its place); returns whether it was there. */
  remove(id: string): boolean {
    this.#writable();
    const row = this.#rowOf.get(id);
    if (row === undefined) return false;
    const last = --this.#count;
    this.#rowOf.delete(id);
    this.#overflow.delete(id);
    if (row !== last) {
      const lastId = this.#ids[last] as string;
      const bytes = this.#bytes;
      for (const name of REGIONS) {
        const { offset, perRow } = this.#layout.regions[name];
        bytes.copyWithin(offset + row * perRow, offset + last * perRow, offset + (last + 1) * perRow);
      }
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
    this.#overflow.clear();
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
   * For tests and diagnostics: every row's approximate cosine from the kernel, its bound ε and its
   * exact score, in row order; `exact` differs from `approx` by at most `bound`.
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
    try {
      const { queryScale, delta } = quantiseQuery(this.#queryCodes(slot), q, queryNorm, this.dims);
      const scores = new Int32Array(this.#buffer, this.#layout.scores + slot * this.#layout.slotBytes, this.#layout.chunk);
      for (let start = 0; start < n; start += this.#layout.chunk) {
        const m = Math.min(this.#layout.chunk, n - start);
        this.#kernel(slot, start, m);
        for (let i = 0; i < m; i++) {
          const row = start + i;
          const err = this.#errs[row] as number;
          approx[row] = ((scores[i] as number) * queryScale * (POW2[(this.#exps[row] as number) + POW2_BIAS] as number)) / (this.#norms[row] as number);
          bound[row] = err + (1 + err) * delta + SLACK;
        }
      }
    } finally {
      this.#releaseSlot(slot);
    }
    for (let row = 0; row < n; row++) exact[row] = this.#exact(row, q, queryNorm);
    return { ids: this.#ids.slice(0, n), approx, bound, exact };
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

  /** `slot`'s int16 query codes, one per padded dimension. */
  #queryCodes(slot: number): Int16Array<ArrayBufferLike> {
    return new Int16Array(this.#buffer, this.#layout.query + slot * this.#layout.slotBytes, this.#stride);
  }

  /** Scores rows start..start+n into `slot`'s int32 scores. */
  #kernel(slot: number, start: number, n: number): void {
    const { regions, query, scores, slotBytes } = this.#layout;
    (this.#dots as DotsKernel)(regions.codes.offset + start * this.#stride, query + slot * slotBytes, n, this.#stride, scores + slot * slotBytes);
  }

  /** Rebuilds row's float32 values (exactly) into the scratch `#row`. */
  #decode(row: number): void {
    const dims = this.dims;
    const out = this.#row;
    const rest = this.#rest;
    const restBase = row * dims * 3;
    decodeRow(out, dims, this.#exps[row] as number, this.#codes, row * this.#stride, rest, restBase);
    const whole = (j: number, low: number) => {
      this.#oneBits[0] = storedBits(rest, restBase, j) * 256 + low;
      out[j] = this.#one[0] as number;
    };
    const kept = this.#escCount[row] as number;
    for (let i = 0; i < kept; i++) whole(this.#escIdx[row * ESCAPES + i] as number, this.#escLow[row * ESCAPES + i] as number);
    if (kept === ESCAPES) {
      const more = this.#overflow.get(this.#ids[row] as string);
      if (more !== undefined) for (let i = 0; i < more.length; i += 2) whole(more[i] as number, more[i + 1] as number);
    }
  }

  /** The exact cosine of a row, as the naive loop computes it: Σ v·q in order, / (|v|·|q|). */
  #exact(row: number, q: Float64Array, queryNorm: number): number {
    const dims = this.dims;
    const values = this.#row;
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
    const { queryScale, delta } = quantiseQuery(this.#queryCodes(slot), q, queryNorm, this.dims);
    const chunk = this.#layout.chunk;
    const scores = new Int32Array(this.#buffer, this.#layout.scores + slot * this.#layout.slotBytes, chunk);
    const norms = this.#norms;
    const errs = this.#errs;
    const exps = this.#exps;
    const kth = new KthLargest(k);
    let cut = minScore;
    const rows: number[] = [];
    const ups: number[] = [];
    const count = this.#count;
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start);
      this.#kernel(slot, start, n);
      for (let i = 0; i < n; i++) {
        const row = start + i;
        const a = ((scores[i] as number) * queryScale * (POW2[(exps[row] as number) + POW2_BIAS] as number)) / (norms[row] as number);
        const err = errs[row] as number;
        const e = err + (1 + err) * delta + SLACK;
        const up = a + e;
        if (up < cut) continue;
        if (eligible !== undefined && !eligible(row)) continue;
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
      if ((ups[c] as number) < cut) continue;
      exactCount++;
      const row = rows[c] as number;
      const exact = this.#exact(row, q, queryNorm);
      if (exact >= minScore) heap.offer(exact, row);
    }
    this.#lastExact = exactCount;
  }

  /** Makes room for `capacity` rows: grows the buffer and moves the regions after the first. */
  #reserve(capacity: number): void {
    const from = this.#layout;
    const to = layoutFor(this.dims, this.#stride, capacity, from.slots, from.chunk);
    const n = this.#count;
    if (this.#memory !== undefined) {
      const have = this.#memory.buffer.byteLength / PAGE;
      const needed = Math.ceil(to.bytes / PAGE);
      if (needed > have) this.#memory.grow(needed - have);
      this.#buffer = this.#memory.buffer;
      // New offsets are never lower: move the last region first (copyWithin is a memmove).
      const bytes = new Uint8Array(this.#buffer);
      for (const name of [...REGIONS].reverse()) {
        const { offset, perRow } = from.regions[name];
        bytes.copyWithin(to.regions[name].offset, offset, offset + n * perRow);
      }
    } else {
      const next = new Uint8Array(to.bytes);
      const old = new Uint8Array(this.#buffer);
      next.set(old.subarray(0, HEADER_BYTES));
      for (const name of REGIONS) {
        const { offset, perRow } = from.regions[name];
        next.set(old.subarray(offset, offset + n * perRow), to.regions[name].offset);
      }
      this.#buffer = next.buffer;
    }
    this.#layout = to;
    this.#views();
  }

  #views(): void {
    const { capacity, regions } = this.#layout;
    const b = this.#buffer;
    this.#header = new Int32Array(b, 0, HEADER_BYTES / 4);
    this.#bytes = new Uint8Array(b);
    this.#codes = new Int8Array(b, regions.codes.offset, capacity * this.#stride);
    this.#norms = new Float64Array(b, regions.norms.offset, capacity);
    this.#errs = new Float32Array(b, regions.errs.offset, capacity);
    this.#exps = new Int16Array(b, regions.exps.offset, capacity);
    this.#escIdx = new Uint16Array(b, regions.escIdx.offset, capacity * ESCAPES);
    this.#escCount = new Uint8Array(b, regions.escCount.offset, capacity);
    this.#escLow = new Uint8Array(b, regions.escLow.offset, capacity * ESCAPES);
    this.#rest = new Uint8Array(b, regions.rest.offset, capacity * this.dims * 3);
  }
}
