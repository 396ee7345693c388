import type { TaskRecord, TaskStore } from './ports.js';

const RESOLVED = Promise.resolve();

/**
 * Group commit on the scheduler's side: every record written in the same microtask turn goes
 * to the store in one `put`, in write order. A submit waits for its batch's promise (durable
 * when it resolves); status writes are fire-and-forget and report failures to `onError`.
 */
export class WriteBuffer {
  readonly #store: TaskStore;
  readonly #onError: (error: unknown, records: readonly TaskRecord[]) => void;
  #pending: TaskRecord[] = [];
  #batch: Promise<void> | undefined;
  #inFlight = 0;
  #drained: (() => void)[] = [];

  constructor(store: TaskStore, onError: (error: unknown, records: readonly TaskRecord[]) => void) {
    this.#store = store;
    this.#onError = onError;
  }

  /** Queues records; the promise settles when their batch is durable (or refused). */
  write(records: readonly TaskRecord[]): Promise<void> {
    for (const record of records) this.#pending.push(record);
    if (this.#batch === undefined) {
      this.#inFlight++;
      const batch = RESOLVED.then(() => this.#flush());
      this.#batch = batch;
      // Failures reach callers of write() through `batch`; the onError path covers the rest.
      batch.catch(() => undefined);
    }
    return this.#batch;
  }

  /** Resolves once every record written so far has been handed to the store and settled. */
  drained(): Promise<void> {
    if (this.#inFlight === 0) return RESOLVED;
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  async #flush(): Promise<void> {
    const records = this.#pending;
    this.#pending = [];
    this.#batch = undefined;
    try {
      await this.#store.put(records);
    } catch (error) {
      this.#onError(error, records);
      throw error;
    } finally {
      if (--this.#inFlight === 0) {
        const waiters = this.#drained;
        this.#drained = [];
        for (const resolve of waiters) resolve();
      }
    }
  }
}
