/**
 * The scheduler's bookkeeping for one task (`Entry`, made by `newEntry`) and the actions that
 * change it (`Action`, applied by `transition` in transition.ts). Its `status` is one of the seed's
 * six; `phase` says where the scheduler holds it: blocked on a dependency, ready, or waiting out a
 * retry (all three Pending), running, or done.
 */
import type { Attempt } from './attempt.js';
import type { TaskCheckpoint, TaskProgress } from '../ports.js';
import type { TaskweaveError } from '../errors.js';
import { TaskStatus, type Task, type TaskId, type TaskResult } from '../task.js';
import type { QueueItem } from '../queue/taskQueue.js';

export type Phase = 'blocked' | 'ready' | 'retrying' | 'running' | 'done';

export interface Entry {
  task: Task;
  status: TaskStatus;
  phase: Phase;
  seq: number;
  readyAt: number;
  item: QueueItem<Entry> | undefined;
  /** The running (or last) attempt's context. */
  current: Attempt | undefined;
  /** Batch key while ready (undefined: runs alone). */
  batchKey: string | undefined;
  /** Runs alone from now on: it was in a batch that failed as a whole, or it failed an attempt. */
  solo: boolean;
  /** Runs interrupted by a reload, `close()` or a tab handover (stored with the record). */
  interruptions: number;
  /** The last checkpoint taken (stored with the record until the task ends). */
  checkpoint: TaskCheckpoint | undefined;
  /** The index of the next chunk the running attempt emits. */
  chunks: number;
  /** The last progress the running attempt reported. */
  progress: TaskProgress | undefined;
  attempt: number;
  startedAt: number;
  queueWaitMs: number;
  lastDurationMs: number;
  timer: unknown;
  cancelDeadline: (() => void) | undefined;
  result: TaskResult | undefined;
  /** The terminal record is durable and the end was announced. */
  announced: boolean;
  /** The store refused the terminal record: the end was not announced, `wait` rejects with this. */
  storeError: TaskweaveError | undefined;
  /**
   * Results of finished dependencies, taken when each one's end was durable, so the task still
   * has them after the dependency left memory. Dropped when the task ends.
   */
  depResults: Map<TaskId, TaskResult> | undefined;
  waiters: ((result: TaskResult) => void)[] | undefined;
  failWaiters: ((error: unknown) => void)[] | undefined;
}

/**
 * The only ways an entry's `status` and `phase` change: `transition(entry, action)` (transition.ts)
 * is their one writer; `move` (state.ts) applies an action through it and keeps the ready queue,
 * counters, events and store in step with what changed.
 */
export type Action =
  | { type: 'enqueue'; at: number }
  | { type: 'start'; at: number }
  /** Back to ready, uncharged: its batch failed as a whole and it runs again alone. */
  | { type: 'split'; at: number }
  | { type: 'retry'; error: TaskweaveError; delayMs: number }
  /** Ended with `status`; the result and error are the entry's (`settle` set them). */
  | { type: 'settle'; status: TaskStatus }
  /** A new entry for a task read from the store (finished, or a dependency still to adopt). */
  | { type: 'remember'; status: TaskStatus }
  /** Ended, but another writer's end reached the store first: that stored status is the one shown. */
  | { type: 'relabel'; status: TaskStatus };

/** A new Pending entry, blocked until the scheduler enqueues it. */
export function newEntry(task: Task, seq: number): Entry {
  return {
    task,
    status: TaskStatus.Pending,
    phase: 'blocked',
    seq,
    readyAt: 0,
    item: undefined,
    current: undefined,
    batchKey: undefined,
    solo: false,
    interruptions: 0,
    checkpoint: undefined,
    chunks: 0,
    progress: undefined,
    attempt: 0,
    startedAt: 0,
    queueWaitMs: 0,
    lastDurationMs: 0,
    timer: undefined,
    cancelDeadline: undefined,
    result: undefined,
    announced: false,
    storeError: undefined,
    depResults: undefined,
    waiters: undefined,
    failWaiters: undefined,
  };
}
