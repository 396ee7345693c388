/**
 * The read half of a compare-and-set inside a write transaction: whether each record's stored
 * task has an expected status, read with as few IndexedDB requests as the records allow.
 */
import type { TaskRecord } from '../../ports.js';
import { isTerminalStatus, TASK_STATUSES, type TaskStatus } from '../../task.js';

/** Fewest records a compare-and-set reads with one range request rather than one request each. */
const RANGE_READ_MIN = 8;

/** Whether each record's stored task has an expected status, once read: call it with what to do then. */
export type MatchRead = (done: (matches: boolean[]) => void) => void;

const UNFINISHED_COUNT = TASK_STATUSES.filter((status) => !isTerminalStatus(status)).length;

/** True when `expected` is exactly the statuses a task is not finished in: the rows of the `active` index. */
export function isUnfinishedSet(expected: ReadonlySet<TaskStatus>): boolean {
  let unfinished = 0;
  for (const status of expected) {
    if (isTerminalStatus(status)) return false;
    unfinished++;
  }
  return unfinished === UNFINISHED_COUNT;
}

/**
 * Starts reading, inside `store`'s transaction, whether each record's stored task has a status of
 * `expected` (false where there is none). IndexedDB's cost is per request and per value it clones
 * back, so:
 * - When `expected` is "not finished" (the scheduler's start and end), only keys are read: a task
 *   is unfinished exactly when its row is in the sparse `active` index, under its `seq`. Tasks
 *   started together mostly have neighbouring seqs: when theirs span at most twice their count,
 *   one `getAllKeys` over that range of the index answers all of them.
 * - When `expected` holds only unfinished statuses (a cancel expects Pending), one `getAll` over
 *   the same range of the `active` index reads their rows.
 * - Otherwise each is read by id. So is a task the range did not answer for (its stored row has
 *   another seq, or it is finished, or there is none).
 */
export function readMatches(store: IDBObjectStore, records: readonly TaskRecord[], expected: ReadonlySet<TaskStatus>): MatchRead {
  const matches: boolean[] = new Array<boolean>(records.length).fill(false);
  let ready = false;
  const waiting: ((matches: boolean[]) => void)[] = [];
  const done = () => {
    ready = true;
    for (const callback of waiting) callback(matches);
  };
  const byId = (indices: readonly number[]) => {
    let left = indices.length;
    if (left === 0) return done();
    for (const r of indices) {
      const request = store.get((records[r] as TaskRecord).task.id) as IDBRequest<{ status?: TaskStatus } | undefined>;
      request.onsuccess = () => {
        const status = request.result?.status;
        matches[r] = status !== undefined && expected.has(status);
        if (--left === 0) done();
      };
    }
  };
  const read: MatchRead = (callback) => {
    if (ready) callback(matches);
    else waiting.push(callback);
  };
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const record of records) {
    if (record.seq < min) min = record.seq;
    if (record.seq > max) max = record.seq;
  }
  const unfinished = isUnfinishedSet(expected);
  const dense = max - min < 2 * records.length;
  const onlyUnfinished = [...expected].every((status) => !isTerminalStatus(status));
  if (!(dense && onlyUnfinished && (unfinished || records.length >= RANGE_READ_MIN))) {
    byId(records.map((_, r) => r));
    return read;
  }
  const range = IDBKeyRange.bound(min, max);
  const found = new Map<unknown, boolean>();
  const answer = () => {
    const missing: number[] = [];
    records.forEach((record, r) => {
      const match = found.get(record.task.id);
      if (match === undefined) missing.push(r);
      else matches[r] = match;
    });
    byId(missing);
  };
  if (unfinished) {
    const request = store.index('active').getAllKeys(range);
    request.onsuccess = () => {
      for (const id of request.result) found.set(id, true);
      answer();
    };
  } else {
    const request = store.index('active').getAll(range) as IDBRequest<{ task?: { id?: unknown }; status?: TaskStatus }[]>;
    request.onsuccess = () => {
      for (const row of request.result) found.set(row.task?.id, row.status !== undefined && expected.has(row.status));
      answer();
    };
  }
  return read;
}
