import type { TaskRecord, TaskStore } from './ports.js';
import type { TaskStatus } from './task.js';

const RESOLVED = Promise.resolve();

/** A compare-and-set queued in the buffer: its records, the statuses it expects, its caller. */
interface Conditional {
  records: readonly TaskRecord[];
  expected: readonly TaskStatus[];
  resolve(written: boolean[]): void;
  reject(error: unknown): void;
}

/**
 * Group commit on the scheduler's side: every record written in the same microtask turn goes
 * to the store in one `put`, in write order. A submit waits for its batch's promise (durable
 * when it resolves); status writes are fire-and-forget and report failures to `onError`.
 * A compare-and-set (`writeIf`) keeps its place in that order: the records before it go to the
 * store first, in the same turn, so a store with group commit still makes one transaction.
 */
export class WriteBuffer {
  readonly #store: TaskStore;
  readonly #onError: (error: unknown, records: readonly TaskRecord[]) => void;
  #pending: TaskRecord[] = [];
  /** Compare-and-sets queued this turn, each with the number of plain records queued before it. */
  #conditionals: { at: number; write: Conditional }[] = [];
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

  /**
   * Queues a compare-and-set (`TaskStore.putIfStatus`) after the records queued so far; resolves
   * with one flag per record, `true` where it was written. A refusal also reaches `onError`.
   */
  writeIf(records: readonly TaskRecord[], expected: readonly TaskStatus[]): Promise<boolean[]> {
    return new Promise<boolean[]>((resolve, reject) => {
      this.#conditionals.push({ at: this.#pending.length, write: { records, expected, resolve, reject } });
      void this.#schedule();
    });
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
    const conditionals = this.#conditionals;
    const after = this.#after;
    this.#pending = [];
    this.#conditionals = [];
    this.#after = [];
    this.#batch = undefined;
    try {
      if (conditionals.length === 0) {
        await this.#put(records);
        return;
      }
      // Plain runs and compare-and-sets handed over in their order, all in this turn.
      const calls: Promise<unknown>[] = [];
      let from = 0;
      for (const { at, write } of conditionals) {
        if (at > from) calls.push(this.#put(records.slice(from, at)));
        from = at;
        const cas = this.#store.putIfStatus(write.records, write.expected);
        cas.then(write.resolve, (error: unknown) => {
          this.#onError(error, write.records);
          write.reject(error);
        });
        calls.push(cas.catch(() => undefined));
      }
      if (records.length > from) calls.push(this.#put(records.slice(from)));
      const settled = await Promise.allSettled(calls);
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
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

  async #put(records: TaskRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.#store.put(records);
    } catch (error) {
      this.#onError(error, records);
      throw error;
    }
  }
}
