/**
 * The two bounded heaps of the vector index's search: `TopK` keeps the k best (score, row) hits
 * with equal scores ordered by id, `KthLargest` only the k-th largest of a stream of numbers (the
 * index's pruning threshold).
 */

/** Bounded min-heap of (score, row): the root is the worst kept hit; equal scores rank by id. */
export class TopK {
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

/** The k-th largest of the numbers offered so far (-Infinity until k were offered). */
export class KthLargest {
  readonly #k: number;
  readonly #heap: Float64Array;
  #size = 0;
  /** The k-th largest so far; rises monotonically. */
  value = -Infinity;

  constructor(k: number) {
    this.#k = k;
    this.#heap = new Float64Array(k);
  }

  offer(x: number): void {
    const heap = this.#heap;
    if (this.#size < this.#k) {
      let i = this.#size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((heap[parent] as number) <= x) break;
        heap[i] = heap[parent] as number;
        i = parent;
      }
      heap[i] = x;
      if (this.#size === this.#k) this.value = heap[0] as number;
      return;
    }
    if (x <= (heap[0] as number)) return;
    const n = this.#size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (heap[r] as number) < (heap[l] as number) ? r : l;
      if ((heap[c] as number) >= x) break;
      heap[i] = heap[c] as number;
      i = c;
    }
    heap[i] = x;
    this.value = heap[0] as number;
  }
}
