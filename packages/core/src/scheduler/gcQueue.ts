import type { Clock } from '../ports.js';

/** Options of `GcQueue`. */
export interface GcQueueOptions<T> {
  /** How long an item stays after it was added; `Infinity` = until `maxItems` pushes it out. */
  gcTimeMs: number;
  /** Most items held; adding one more evicts the oldest at once. `Infinity` = no bound. */
  maxItems: number;
  clock: Clock;
  /** Called once for each item that leaves, oldest first. */
  evict(item: T): void;
}

/**
 * Finished work waiting to leave memory (query-core's `gcTime`, plus a count bound): items leave
 * in the order they came, once `gcTimeMs` has passed since they were added or when more than
 * `maxItems` are held. One clock timer at a time, armed for the oldest item, so the cost per item
 * is a push and a shift however many are held.
 *
 * @example
 * const gc = new GcQueue({ gcTimeMs: 60_000, maxItems: 1_000, clock: systemClock, evict: (id) => cache.delete(id) })
 * gc.add(id, Date.now())
 */
export class GcQueue<T> {
  readonly #gcTimeMs: number;
  readonly #maxItems: number;
  readonly #clock: Clock;
  readonly #evict: (item: T) => void;
  #items: (T | undefined)[] = [];
  #times: number[] = [];
  #head = 0;
  #last = Number.NEGATIVE_INFINITY;
  #timer: unknown;
  #closed = false;

  constructor(options: GcQueueOptions<T>) {
    this.#gcTimeMs = options.gcTimeMs;
    this.#maxItems = options.maxItems;
    this.#clock = options.clock;
    this.#evict = options.evict;
  }

  /** Items held now. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Holds `item`, added at `at` (epoch ms; kept non-decreasing, so nothing leaves early). */
  add(item: T, at: number): void {
    if (this.#closed) return;
    if (this.#maxItems <= 0) {
      this.#evict(item);
      return;
    }
    const time = at > this.#last ? at : this.#last;
    this.#last = time;
    this.#items.push(item);
    this.#times.push(time);
    while (this.size > this.#maxItems) this.#shift();
    this.#arm();
  }

  /** Evicts every item now. */
  clear(): void {
    while (this.size > 0) this.#shift();
  }

  /** Stops the timer and forgets the items without evicting them. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#items = [];
    this.#times = [];
    this.#head = 0;
  }

  #shift(): void {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined;
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#times = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
    this.#evict(item);
  }

  #arm(): void {
    if (this.#timer !== undefined || this.size === 0 || !Number.isFinite(this.#gcTimeMs)) return;
    const due = (this.#times[this.#head] as number) + this.#gcTimeMs;
    this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, due - this.#clock.now()));
    // A Node process is not kept alive for memory housekeeping alone.
    (this.#timer as { unref?: () => void } | null)?.unref?.();
  }

  #expire(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const now = this.#clock.now();
    while (this.size > 0 && (this.#times[this.#head] as number) + this.#gcTimeMs <= now) this.#shift();
    this.#arm();
  }
}
