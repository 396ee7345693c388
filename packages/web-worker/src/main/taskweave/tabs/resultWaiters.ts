/**
 * `wait(id)` in a tab: a map from task id to the callers waiting for it, fed by the store's change
 * feed (an id that ended is read back from the store, durable) and, in the running tab, by its
 * scheduler (the result is in memory). An event costs one map lookup, whatever the number of
 * waiters; reads asked in the same turn share one `getMany`.
 */
import { TaskweaveError, type TaskId, type TaskRecord, type TaskResult } from '@taskweave/core';

interface Waiter {
  resolve(result: TaskResult): void;
  reject(error: unknown): void;
}

const RESOLVED = Promise.resolve();

/**
 * Waiters by task id, settled from the store or from a result handed in.
 *
 * @example
 * const waiters = new ResultWaiters((ids) => store.getMany(ids))
 * store.subscribe((c) => c.type === 'put' && c.records.forEach((r) => waiters.changed(r.id)))
 * const result = await waiters.wait(id)
 */
export class ResultWaiters {
  readonly #read: (ids: readonly TaskId[]) => Promise<(TaskRecord | undefined)[]>;
  readonly #waiting = new Map<TaskId, Waiter[]>();
  #toRead = new Set<TaskId>();
  #readScheduled = false;

  constructor(read: (ids: readonly TaskId[]) => Promise<(TaskRecord | undefined)[]>) {
    this.#read = read;
  }

  /**
   * Resolves with the task's result once it is in the store; rejects `not-found` when there is no
   * such task. With `read: false` the store is not read now: the caller knows the end has not
   * happened and will be handed in (`settle`) or announced (`changed`).
   */
  wait(id: TaskId, read = true): Promise<TaskResult> {
    return new Promise<TaskResult>((resolve, reject) => {
      const list = this.#waiting.get(id);
      if (list === undefined) this.#waiting.set(id, [{ resolve, reject }]);
      else list.push({ resolve, reject });
      // Listening first, then reading: an end written before is in the store, a later one is announced.
      if (read) this.#schedule(id);
    });
  }

  /** The store says this task changed (it ended): read it back if anyone waits. O(1) otherwise. */
  changed(id: TaskId): void {
    if (this.#waiting.has(id)) this.#schedule(id);
  }

  /** A durable result known here (the running tab's scheduler announced it). */
  settle(id: TaskId, result: TaskResult): void {
    const list = this.#waiting.get(id);
    if (list === undefined) return;
    this.#waiting.delete(id);
    for (const waiter of list) waiter.resolve(result);
  }

  /** Reads every awaited task again (after a hand-over, an announcement may have been lost with its tab). */
  recheck(): void {
    for (const id of this.#waiting.keys()) this.#schedule(id);
  }

  /** Rejects every wait (the tab closed). */
  rejectAll(error: unknown): void {
    const all = [...this.#waiting.values()];
    this.#waiting.clear();
    this.#toRead.clear();
    for (const list of all) for (const waiter of list) waiter.reject(error);
  }

  get size(): number {
    return this.#waiting.size;
  }

  #schedule(id: TaskId): void {
    this.#toRead.add(id);
    if (this.#readScheduled) return;
    this.#readScheduled = true;
    void RESOLVED.then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    this.#readScheduled = false;
    const ids = [...this.#toRead].filter((id) => this.#waiting.has(id));
    this.#toRead = new Set();
    if (ids.length === 0) return;
    let records: (TaskRecord | undefined)[];
    try {
      records = await this.#read(ids);
    } catch (error) {
      for (const id of ids) this.#fail(id, error);
      return;
    }
    ids.forEach((id, i) => {
      const record = records[i];
      if (record === undefined) this.#fail(id, new TaskweaveError('not-found', `No task with id ${id}`, { details: { taskId: id } }));
      else if (record.result !== undefined) this.settle(id, record.result);
    });
  }

  #fail(id: TaskId, error: unknown): void {
    const list = this.#waiting.get(id);
    if (list === undefined) return;
    this.#waiting.delete(id);
    for (const waiter of list) waiter.reject(error);
  }
}
