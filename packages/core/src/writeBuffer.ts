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
  #after: (() => void)[] = [];
  #batch: Promise<void> | undefined;
  #inFlight = 0;
  #drained: (() => void)[] = [];

  constructor(store: TaskStore, onError: (error: unknown, records: readonly TaskRecord[]) => void) {
    this.#store = store;
    this.#onError = onError;
  }

  /** Queues records; the promise settles when their batch is durable (or refused). */
  write(records: TaskRecord | readonly TaskRecord[]): Promise<void> {
    if (Array.isArray(records)) for (const record of records) this.#pending.push(record);
    else this.#pending.push(records as TaskRecord);
    return this.#schedule();
  }

  /**
   * Queues one record and calls `after` once its batch is settled, durable or refused (the
   * refusal reaches `onError`). Cheaper than a promise per record when nobody awaits it.
   */
  writeThen(record: TaskRecord, after: () => void): void {
    this.#pending.push(record);
    this.#after.push(after);
    void this.#schedule();
  }

  #schedule(): Promise<void> {
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
    const after = this.#after;
    this.#pending = [];
    this.#after = [];
    this.#batch = undefined;
    try {
      await this.#store.put(records);
    } catch (error) {
      this.#onError(error, records);
      throw error;
    } finally {
      for (const callback of after) {
        try {
          callback();
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
      if (--this.#inFlight === 0) {
        const waiters = this.#drained;
        this.#drained = [];
        for (const resolve of waiters) resolve();
      }
    }
  }
}
