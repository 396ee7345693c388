import type { TaskRecord, TaskStore } from '../ports.js';
import type { TaskStatus } from '../task.js';

const RESOLVED = Promise.resolve();

/** A compare-and-set queued in the buffer: its records, the statuses it expects, its caller. */
interface Conditional {
  records: readonly TaskRecord[];
  expected: readonly TaskStatus[];
  resolve(written: boolean[]): void;
  reject(error: unknown): void;
}

/** Who a write belongs to: one record, or several that must be stored together (a `submitMany`). */
export type WriteGroup = TaskRecord | readonly TaskRecord[];

/**
 * The refusals of one flush, by the first record of each refused group (records are fresh objects,
 * so identity is enough). `undefined` when everything was stored.
 */
export type WriteRefusals = ReadonlyMap<TaskRecord, unknown> | undefined;

/**
 * Group commit on the scheduler's side: every record written in the same microtask turn (or until
 * the store's `beforeWrite` resolves, when it has one) goes to the store in one `put`, in write
 * order, while each write keeps its own outcome.
 *
 * A write is a group: one record, or the records of one `submitMany`, stored all or nothing. The
 * store's `put` is atomic (a refused put leaves none of its records written), so when the merged
 * put of a turn is refused, each group of it is put again on its own, in order: only the groups
 * the store refuses alone fail; a bad record never takes down its neighbours of the same turn.
 * Flushes run one at a time, so a group put again never lands after a later write to the same id.
 * A compare-and-set (`writeIf`) keeps its place in that order: the groups before it go to the
 * store first, in the same turn, so a store with group commit still makes one transaction.
 */
export class WriteBuffer {
  readonly #store: TaskStore;
  readonly #onError: (error: unknown, records: readonly TaskRecord[]) => void;
  #records: TaskRecord[] = [];
  /** Index into `#records` where each group of the turn ends (exclusive). */
  #ends: number[] = [];
  /** Groups written with `writeThen`: their callbacks, and whether `onError` skips them. */
  #after: { first: TaskRecord; callback: (error: unknown) => void }[] = [];
  #batch: Promise<WriteRefusals> | undefined;
  #tail: Promise<unknown> = RESOLVED;
  /** Compare-and-sets queued this turn, each with the number of groups queued before it. */
  #conditionals: { at: number; write: Conditional }[] = [];
  #inFlight = 0;
  #drained: (() => void)[] = [];

  /** @param onError hears every refused group except those written with `writeThen` (their callback does) */
  constructor(store: TaskStore, onError: (error: unknown, records: readonly TaskRecord[]) => void) {
    this.#store = store;
    this.#onError = onError;
  }

  /** Queues a group; resolves once it is durable, rejects with the error the store gave for it. */
  write(group: WriteGroup): Promise<void> {
    const first = firstOf(group);
    if (first === undefined) return RESOLVED;
    return this.queue(group).then((refusals) => {
      if (refusals?.has(first)) throw refusals.get(first);
    });
  }

  /**
   * Queues a group without a promise of its own: resolves with the refusals of its flush (look the
   * group up by its first record). The cheap form for one record when many are written at once.
   */
  queue(group: WriteGroup): Promise<WriteRefusals> {
    if (Array.isArray(group)) {
      if (group.length === 0) return Promise.resolve(undefined);
      for (const record of group as readonly TaskRecord[]) this.#records.push(record);
    } else this.#records.push(group as TaskRecord);
    this.#ends.push(this.#records.length);
    return this.#schedule();
  }

  /**
   * Queues one record and calls `after` once its flush settled: with `undefined` when it is
   * durable, with the store's error when it was refused (`onError` is not called for it).
   */
  writeThen(record: TaskRecord, after: (error: unknown) => void): void {
    this.#records.push(record);
    this.#ends.push(this.#records.length);
    this.#after.push({ first: record, callback: after });
    void this.#schedule();
  }

  /**
   * Queues a compare-and-set (`TaskStore.putIfStatus`) after the groups queued so far; resolves
   * with one flag per record, `true` where it was written. A refusal also reaches `onError`.
   */
  writeIf(records: readonly TaskRecord[], expected: readonly TaskStatus[]): Promise<boolean[]> {
    return new Promise<boolean[]>((resolve, reject) => {
      this.#conditionals.push({ at: this.#ends.length, write: { records, expected, resolve, reject } });
      void this.#schedule();
    });
  }

  /** Resolves once every record written so far has been handed to the store and settled. */
  drained(): Promise<void> {
    if (this.#inFlight === 0) return RESOLVED;
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  #schedule(): Promise<WriteRefusals> {
    if (this.#batch === undefined) {
      this.#inFlight++;
      // After the flush before it: a group put again on its own still lands before later writes.
      // A store that asks for it (`beforeWrite`) gets the writes a little later, and more at once.
      const store = this.#store;
      const batch = store.beforeWrite === undefined ? this.#tail.then(() => this.#flush()) : this.#tail.then(() => store.beforeWrite?.()).then(() => this.#flush());
      this.#batch = batch;
      this.#tail = batch;
    }
    return this.#batch;
  }

  async #flush(): Promise<WriteRefusals> {
    const records = this.#records;
    const ends = this.#ends;
    const after = this.#after;
    const conditionals = this.#conditionals;
    this.#records = [];
    this.#ends = [];
    this.#after = [];
    this.#conditionals = [];
    this.#batch = undefined;
    let refusals: Map<TaskRecord, unknown> | undefined;
    try {
      refusals = conditionals.length === 0 ? await this.#put(records, ends) : await this.#putInOrder(records, ends, conditionals);
      if (refusals !== undefined) {
        const quiet = new Set(after.map((a) => a.first));
        let start = 0;
        for (const end of ends) {
          const first = records[start] as TaskRecord;
          if (refusals.has(first) && !quiet.has(first)) this.#onError(refusals.get(first), records.slice(start, end));
          start = end;
        }
      }
    } finally {
      for (const { first, callback } of after) {
        try {
          callback(refusals?.get(first));
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
    return refusals;
  }

  /** Plain groups and compare-and-sets handed to the store in the order they were queued. */
  async #putInOrder(
    records: TaskRecord[],
    ends: readonly number[],
    conditionals: readonly { at: number; write: Conditional }[],
  ): Promise<Map<TaskRecord, unknown> | undefined> {
    const calls: Promise<Map<TaskRecord, unknown> | undefined>[] = [];
    let fromGroup = 0;
    const plain = (toGroup: number) => {
      if (toGroup <= fromGroup) return;
      const start = fromGroup === 0 ? 0 : (ends[fromGroup - 1] as number);
      const end = ends[toGroup - 1] as number;
      calls.push(this.#put(records.slice(start, end), ends.slice(fromGroup, toGroup).map((e) => e - start)));
      fromGroup = toGroup;
    };
    for (const { at, write } of conditionals) {
      plain(at);
      const cas = this.#store.putIfStatus(write.records, write.expected);
      cas.then(write.resolve, (error: unknown) => {
        this.#onError(error, write.records);
        write.reject(error);
      });
      calls.push(cas.then(() => undefined, () => undefined));
    }
    plain(ends.length);
    let refusals: Map<TaskRecord, unknown> | undefined;
    for (const part of await Promise.all(calls)) {
      if (part === undefined) continue;
      for (const [first, error] of part) (refusals ??= new Map()).set(first, error);
    }
    return refusals;
  }

  /** One put for the turn; when refused, one put per group, so only the refused groups fail. */
  async #put(records: TaskRecord[], ends: readonly number[]): Promise<Map<TaskRecord, unknown> | undefined> {
    try {
      await this.#store.put(records);
      return undefined;
    } catch (error) {
      if (ends.length === 1) return new Map([[records[0] as TaskRecord, error]]);
    }
    // Nothing of the merged put was written (the port's contract). Concurrent puts apply in call
    // order, and a store with its own group commit turns these back into few transactions.
    const groups: TaskRecord[][] = [];
    let start = 0;
    for (const end of ends) {
      groups.push(records.slice(start, end));
      start = end;
    }
    const outcomes = await Promise.allSettled(groups.map((group) => this.#store.put(group)));
    let refusals: Map<TaskRecord, unknown> | undefined;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'rejected') (refusals ??= new Map()).set((groups[i] as TaskRecord[])[0] as TaskRecord, outcome.reason);
    });
    return refusals;
  }
}

function firstOf(group: WriteGroup): TaskRecord | undefined {
  return Array.isArray(group) ? (group as readonly TaskRecord[])[0] : (group as TaskRecord);
}
