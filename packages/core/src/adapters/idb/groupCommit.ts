/**
 * Group commit: many concurrent writers share one transaction. Items queued while a commit is
 * in flight go together into the next one, so under load the number of transactions stays
 * small while each caller is still acknowledged only once its own item is durable.
 *
 * The one write coalescer of taskweave: the scheduler hands each write to the store as it
 * happens, and a store that pays per transaction merges them here, where the cost is known.
 */
import { nextMacrotask } from './nextMacrotask.js';


/** Thrown by `commit` when some items alone are at fault: those are rejected, the rest retried. */
export class RejectItems extends Error {
  override name = 'RejectItems';
  /** Index in the batch → the error for that item's caller. */
  readonly failures: ReadonlyMap<number, unknown>;
  constructor(failures: ReadonlyMap<number, unknown>) {
    super(`${failures.size} item(s) of the batch were refused`);
    this.failures = failures;
  }
}

/** Options of `GroupCommit`. */
export interface GroupCommitOptions<T> {
  /**
   * Writes `items` atomically (one transaction) and resolves once durable. Rejecting fails every
   * caller in the batch; rejecting with `RejectItems` fails only the named ones and retries the rest.
   */
  commit(items: readonly T[]): Promise<void>;
  /** Upper bound of the summed `weight` of one batch (a single heavier item still goes alone). @default 2000 */
  maxBatchWeight?: number;
  /** Weight of an item (e.g. its record count). @default 1 */
  weight?(item: T): number;
  /**
   * Resolves when a batch should be taken: the items queued until then share it. @default one
   * macrotask (`nextMacrotask`), so the writes of the events right behind the first one (another
   * worker's results, the starts they free) join its transaction
   */
  gather?(): Promise<void>;
}

interface Pending<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Coalesces `enqueue` calls into few `commit` calls, in call order: a batch is taken one `gather`
 * (a macrotask) after its first item was queued, or after the commit before it settled, so the
 * writes of the same event and of the events right behind it share a transaction. Only one commit
 * runs at a time, so items are committed in the order they were queued. A batch that fails with
 * `RejectItems` fails only the named items and is committed again without them; any other failure
 * fails every item of it.
 *
 * @example
 * const gc = new GroupCommit({ commit: (rows) => writeAllInOneTx(rows) })
 * await Promise.all(rows.map((r) => gc.enqueue(r))) // one or two transactions, not rows.length
 */
export class GroupCommit<T> {
  readonly #commit: (items: readonly T[]) => Promise<void>;
  readonly #maxWeight: number;
  readonly #weight: (item: T) => number;
  readonly #gather: () => Promise<void>;
  #queue: Pending<T>[] = [];
  #busy = false;
  #commits = 0;
  #idle: (() => void)[] = [];

  constructor(options: GroupCommitOptions<T>) {
    this.#commit = options.commit;
    this.#maxWeight = options.maxBatchWeight ?? 2000;
    this.#weight = options.weight ?? (() => 1);
    this.#gather = options.gather ?? nextMacrotask;
  }

  /** Number of `commit` calls made so far. */
  get commits(): number {
    return this.#commits;
  }

  /** Items queued and not yet handed to `commit`. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues `item`; resolves once the transaction holding it completed, rejects if it failed. */
  enqueue(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  settled(): Promise<void> {
    if (!this.#busy && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (!this.#busy) void this.#run();
  }

  #takeBatch(): Pending<T>[] {
    let weight = 0;
    let n = 0;
    while (n < this.#queue.length) {
      const w = this.#weight((this.#queue[n] as Pending<T>).item);
      if (n > 0 && weight + w > this.#maxWeight) break;
      weight += w;
      n++;
    }
    return this.#queue.splice(0, n);
  }

  async #run(): Promise<void> {
    this.#busy = true;
    try {
      while (this.#queue.length > 0) {
        // Also after a commit: its callers' consequences (the next starts) join the next batch.
        await this.#gather();
        const batch = this.#takeBatch();
        this.#commits++;
        try {
          await this.#commit(batch.map((p) => p.item));
          for (const p of batch) p.resolve();
        } catch (error) {
          if (error instanceof RejectItems && error.failures.size > 0) {
            const retry: Pending<T>[] = [];
            batch.forEach((p, i) => {
              if (error.failures.has(i)) p.reject(error.failures.get(i));
              else retry.push(p);
            });
            this.#queue.unshift(...retry);
          } else {
            for (const p of batch) p.reject(error);
          }
        }
      }
    } finally {
      this.#busy = false;
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  }
}
