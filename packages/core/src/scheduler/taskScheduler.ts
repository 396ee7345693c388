import { CancelledError, TaskweaveError } from '../errors.js';
import type { QueueSnapshot, SchedulerListener } from '../events.js';
import type { PruneOptions } from '../ports.js';
import type { SubmitTaskOptions } from '../schemas.js';
import { TaskStatus, type Task, type TaskId, type TaskResult } from '../task.js';
import { Admission } from './admission.js';
import { Dispatch } from './dispatch.js';
import { resolveOptions, type TaskSchedulerOptions } from './options.js';
import { recover, type RecoveryReport } from './recovery.js';
import { Reports } from './reports.js';
import { Retention } from './retention.js';
import { NONE, Settlement } from './settlement.js';
import { createState, type SchedulerState } from './state.js';

/** A task as the scheduler sees it now. */
export type TaskState = Task & {
  status: TaskStatus;
  result?: TaskResult;
  /** Runs of it interrupted by a reload, `close()` or a handover (not attempts: no retry spent); absent when none. */
  interruptions?: number;
};

/** A task and where it is, from a stored record (or anything with the same fields). */
export function toTaskState(from: { task: Task; status: TaskStatus; result?: TaskResult | undefined; interruptions?: number | undefined }): TaskState {
  const state: TaskState = from.result === undefined ? { ...from.task, status: from.status } : { ...from.task, status: from.status, result: from.result };
  if (from.interruptions !== undefined && from.interruptions > 0) state.interruptions = from.interruptions;
  return state;
}

/**
 * The scheduler: validates, persists and orders tasks, runs them on an `Executor` with
 * bounded concurrency, retries, deadlines, dependencies and cancellation.
 *
 * It wires its parts over one state object and delegates: admission (submit, adopt), dispatch
 * (the pump and starts), settlement (ends, retries, deadlines), recovery and retention.
 *
 * @example
 * const scheduler = new TaskScheduler({ executor: createWorkerPool() })
 * const id = await scheduler.submit({ type: TaskType.TextProcessing, input: { kind: 'text', text: 'Hi' } })
 * const result = await scheduler.wait(id)
 */
export class TaskScheduler {
  readonly #s: SchedulerState;
  readonly #settlement: Settlement;
  readonly #admission: Admission;
  readonly #retention: Retention;
  readonly #ready: Promise<RecoveryReport>;
  readonly #stopListening: (() => void) | undefined;

  constructor(options: TaskSchedulerOptions) {
    const state = (this.#s = createState(resolveOptions(options)));
    const ready = () => this.#ready;
    this.#settlement = new Settlement(state);
    const dispatch = new Dispatch(state, this.#settlement, new Reports(state));
    this.#admission = new Admission(state, this.#settlement, ready);
    this.#retention = new Retention(state, ready);
    this.#stopListening = state.options.executor.onAvailable?.(() => dispatch.schedule());
    this.#ready = recover(state, this.#admission, this.#settlement);
    // A failed recovery is reported by every call that awaits it; keep it from being unhandled.
    this.#ready.then(() => this.#retention.start(), () => undefined);
  }

  /** Resolves once the tasks found in the store are queued again, with what was found. */
  ready(): Promise<RecoveryReport> {
    return this.#ready;
  }

  /**
   * Validates, persists (durable before it resolves) and queues one task; returns its id.
   * Rejects with a ValidationError naming the field, or `unknown-dependency`, `cycle`,
   * `duplicate-id`, `closed`, `persistence` errors; nothing is stored when it rejects.
   */
  submit(options: SubmitTaskOptions): Promise<TaskId> {
    return this.#admission.submit(options);
  }

  /**
   * Like `submit` for several tasks in one durable write; tasks may depend on each other by
   * giving their own `id`s. All or nothing: one bad task refuses the batch, and nothing is stored
   * before every task was checked. Works in slices of about 8 ms that yield to the event loop, so
   * a long batch never blocks the page for long.
   */
  submitMany(options: readonly SubmitTaskOptions[]): Promise<TaskId[]> {
    return this.#admission.submitMany(options);
  }

  /**
   * Takes in what another writer (a follower tab) stored for these ids: a Pending task it
   * submitted is queued (its unfinished dependencies found in the store are adopted first), and
   * a task it ended in the store (a cancel written there) ends here too, without running and
   * without writing again. Unknown ids and ids already held as they are stored are skipped. Reads
   * the store once per level of dependencies (`getMany`). Returns the ids queued.
   */
  adopt(ids: readonly TaskId[]): Promise<TaskId[]> {
    return this.#admission.adopt(ids);
  }

  /** Resolves with the TaskResult when the task ends, whatever its terminal status. */
  async wait(id: TaskId): Promise<TaskResult> {
    await this.#ready;
    const s = this.#s;
    const entry = s.entries.get(id);
    if (entry !== undefined) {
      if (entry.announced) return entry.result as TaskResult;
      if (entry.storeError !== undefined) throw entry.storeError;
      if (s.closed) throw new TaskweaveError('closed', `Scheduler closed before task ${id} ended`);
      return new Promise<TaskResult>((resolve, reject) => {
        (entry.waiters ??= []).push(resolve);
        (entry.failWaiters ??= []).push(reject);
      });
    }
    const stored = await s.options.store.get(id);
    if (stored?.result !== undefined) return stored.result;
    throw new TaskweaveError('not-found', `No task with id ${id}`, { details: { taskId: id } });
  }

  /**
   * Whether this scheduler holds the task in memory and has not announced its end yet: its end
   * will come as a `status` event with the result (so a caller can wait for that instead of
   * reading the store). False for tasks it never saw, or that ended.
   */
  holds(id: TaskId): boolean {
    const entry = this.#s.entries.get(id);
    return entry !== undefined && !entry.announced && entry.storeError === undefined && !this.#s.closed;
  }

  /** The task as it is now, or undefined when unknown. */
  async get(id: TaskId): Promise<TaskState | undefined> {
    await this.#ready;
    const entry = this.#s.entries.get(id);
    // An end the store refused is not the truth: the store is.
    if (entry !== undefined && entry.storeError === undefined) return toTaskState(entry);
    const stored = await this.#s.options.store.get(id);
    return stored === undefined ? undefined : toTaskState(stored);
  }

  /**
   * Cancels a task that has not ended; its dependents are cancelled too. A queued task ends
   * Cancelled at once and never runs. A running task has its signal aborted and ends Cancelled at
   * once — unless the executor settles its cancel by its outcome (`cancelWaitsForOutcome`: a task
   * whose effect commits atomically, such as a DataStorage write): then it ends when the executor
   * answers, Cancelled, or Completed where its effect committed first. Resolves with whether the
   * task ended Cancelled (false when it had already ended, or completed first).
   */
  async cancel(id: TaskId): Promise<boolean> {
    await this.#ready;
    const entry = this.#s.entries.get(id);
    if (entry === undefined || entry.phase === 'done') return false;
    const error = new CancelledError(`Task ${id} was cancelled`);
    const ctx = entry.current;
    if (entry.phase === 'running' && ctx?.handed === true && this.#s.options.executor.cancelWaitsForOutcome?.(entry.task) === true) {
      return this.#settlement.cancelRunning(entry, ctx, error);
    }
    this.#settlement.settle(entry, TaskStatus.Cancelled, NONE, error);
    return true;
  }

  /**
   * Listens to status changes, retries, progress, chunks (partial outputs), queue snapshots and
   * background errors.
   * @returns the unsubscribe function
   */
  subscribe(listener: SchedulerListener): () => void {
    return this.#s.events.subscribe(listener);
  }

  /** Counts by status and priority; O(1), fine to call every animation frame. */
  getSnapshot(): QueueSnapshot {
    return this.#s.counters.snapshot(this.#s.options.concurrency);
  }

  /** Resolves when no task is Pending or Running, none is being submitted, and their writes are done. */
  async onIdle(): Promise<void> {
    await this.#ready;
    const s = this.#s;
    // A closed scheduler runs nothing more: its unfinished tasks stay in the store as they are.
    if (!s.closed && (s.active > 0 || s.unannounced > 0 || s.submitting > 0)) {
      await new Promise<void>((resolve) => s.idleWaiters.add(resolve));
    }
    await s.writes.drained();
  }

  /**
   * Removes finished tasks from the store by age or count (default: the `retention` rule), in a
   * few bulk writes, and lets every finished task leave memory (they are read back from the store
   * when asked for). Returns how many records were removed.
   *
   * @example await scheduler.prune({ olderThanMs: 7 * 86_400_000, keepLast: 10_000 })
   */
  prune(options?: PruneOptions): Promise<number> {
    return this.#retention.prune(options);
  }

  /**
   * Stops: no new submissions, running attempts are aborted, pending `wait`s reject with a
   * `closed` error. Unfinished tasks stay in the store as they are, so a scheduler on the same
   * store resumes them (a task that was running counts as interrupted). Closes the executor,
   * and the store only when the scheduler made it (a store you pass in stays yours to close).
   */
  async close(): Promise<void> {
    const s = this.#s;
    if (s.closed) return;
    s.closed = true;
    await this.#ready.catch(() => undefined);
    const closedError = new TaskweaveError('closed', 'The scheduler was closed');
    for (const entry of s.entries.values()) {
      if (entry.phase === 'done') continue;
      if (entry.timer !== undefined) s.options.clock.clearTimeout(entry.timer);
      entry.cancelDeadline?.();
      entry.current?.abort(closedError);
      // A cancel waiting on the executor's outcome: the task stays unfinished in the store.
      for (const answer of entry.current?.cancel?.answers ?? []) answer(false);
      for (const reject of entry.failWaiters ?? []) reject(closedError);
      entry.waiters = undefined;
      entry.failWaiters = undefined;
    }
    for (const resolve of s.idleWaiters) resolve();
    s.idleWaiters.clear();
    s.former?.close();
    s.finished.close();
    this.#retention.stop();
    this.#stopListening?.();
    await s.writes.drained();
    await s.options.executor.close?.();
    if (s.options.ownsStore) await s.options.store.close();
  }
}
