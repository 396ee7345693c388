/**
 * What a worker searches for one collection: a frozen base index (a snapshot, shared by every
 * worker of the page when the page is cross-origin isolated) and a small private delta of the
 * writes since that snapshot. A base row replaced or deleted since is hidden; search runs on both
 * layers and merges the two exact top-k lists (score descending, then id), so the result is the
 * exact top k of the collection as it is now.
 */
import { VectorIndex, type IndexHit, type IndexPayload, type IndexSearchOptions } from '../search/vectorIndex.js';

/** The base and the delta of one collection in this worker. */
export class CollectionView {
  readonly dims: number;
  /** The frozen snapshot (undefined: everything is in the delta). */
  readonly base: VectorIndex | undefined;
  readonly #delta: VectorIndex;
  /** Base ids replaced or deleted since the snapshot. */
  readonly #hidden = new Set<string>();

  constructor(dims: number, base?: VectorIndex) {
    this.dims = dims;
    this.base = base;
    this.#delta = new VectorIndex(dims, { initialCapacity: 16 });
  }

  /** Documents with a vector, now. */
  get size(): number {
    return (this.base?.size ?? 0) - this.#hidden.size + this.#delta.size;
  }

  /** Writes since the snapshot (delta rows plus hidden base rows): what a fresh snapshot would fold in. */
  get pending(): number {
    return this.#delta.size + this.#hidden.size;
  }

  /** Bytes of this worker's own delta (the base may be shared with other workers). */
  get deltaBytes(): number {
    return this.#delta.byteLength;
  }

  upsert(id: string, vector: ArrayLike<number>, payload: IndexPayload = {}): void {
    this.#delta.upsert(id, vector, payload);
    if (this.base?.has(id) === true) this.#hidden.add(id);
  }

  remove(id: string): boolean {
    let removed = this.#delta.remove(id);
    if (this.base?.has(id) === true && !this.#hidden.has(id)) {
      this.#hidden.add(id);
      removed = true;
    }
    return removed;
  }

  search(query: ArrayLike<number>, options: IndexSearchOptions): IndexHit[] {
    const fromBase = this.base === undefined ? [] : this.base.search(query, { ...options, exclude: this.#hidden });
    if (this.#delta.size === 0) return fromBase;
    const fromDelta = this.#delta.search(query, options);
    if (fromBase.length === 0) return fromDelta;
    const merged: IndexHit[] = [];
    let i = 0;
    let j = 0;
    while (merged.length < options.topK && (i < fromBase.length || j < fromDelta.length)) {
      const a = fromBase[i];
      const b = fromDelta[j];
      const takeA = b === undefined || (a !== undefined && (a.score > b.score || (a.score === b.score && a.id < b.id)));
      if (takeA) {
        merged.push(a as IndexHit);
        i++;
      } else {
        merged.push(b);
        j++;
      }
    }
    return merged;
  }

  /** A frozen index of everything the view holds now (shared when the page can share), at `version`. */
  snapshot(version: number): VectorIndex {
    const index = new VectorIndex(this.dims, { initialCapacity: Math.max(1, this.size), shared: VectorIndex.canShare });
    this.base?.forEachRow((id, vector, payload) => {
      if (!this.#hidden.has(id)) index.upsert(id, vector, payload);
    });
    this.#delta.forEachRow((id, vector, payload) => index.upsert(id, vector, payload));
    index.freeze(version);
    return index;
  }
}
