/**
 * How tasks end: an attempt's outcome (success, failure, retry by the rules), deadlines, cancels,
 * and the end itself — written to the store, announced only once durable, and passed on to the
 * dependents.
 */
import { findUncloneable } from '../cloneable.js';
import { DependencyFailedError, TaskweaveError, TimeoutError, toTaskweaveError } from '../errors.js';
import type { TaskRecord } from '../ports.js';
import { parseTaskOutput } from '../schemas.js';
import { TaskStatus, isTerminalStatus, type TaskMetrics, type TaskOutput, type TaskResult } from '../task.js';
import type { Attempt } from './attempt.js';
import type { Entry } from './entry.js';
import { emitStatus, maybeIdle, move, record, type SchedulerState } from './state.js';
import { transition } from './transition.js';

export const NONE: TaskOutput = { kind: 'none' };
/** Stored statuses under which this scheduler may still write a task's start or end. */
export const UNFINISHED: readonly TaskStatus[] = [TaskStatus.Pending, TaskStatus.Running];

/** Ends tasks and hands their ends on; dispatch, admission and the public API call it. */
export class Settlement {
  readonly #s: SchedulerState;

  constructor(state: SchedulerState) {
    this.#s = state;
  }

  /** The executor returned an output for this attempt. */
  onSuccess(entry: Entry, ctx: Attempt, raw: TaskOutput): void {
    if (this.#s.closed || entry.phase !== 'running' || entry.current !== ctx) return;
    let output: TaskOutput;
    try {
      output = parseTaskOutput(raw);
    } catch (error) {
      this.settle(entry, TaskStatus.Failed, NONE, error as TaskweaveError);
      return;
    }
    this.settle(entry, TaskStatus.Completed, output);
  }

  /** The executor threw or rejected for this attempt. */
  onFailure(entry: Entry, ctx: Attempt, raw: unknown): void {
    if (this.#s.closed || entry.phase !== 'running' || entry.current !== ctx) return;
    const error = toTaskweaveError(raw);
    // Cancelled while it ran, and the executor did not complete it first: it ends Cancelled — with
    // the executor's own cancel error when it gave one (it says what was done before it stopped).
    if (ctx.cancel !== undefined) {
      this.settle(entry, TaskStatus.Cancelled, NONE, error.code === 'cancelled' ? error : ctx.cancel.error);
      return;
    }
    // Handed back unrun (its placement changed): back in line, no attempt spent.
    if (error.code === 'not-started') move(this.#s, entry, { type: 'split', at: this.#s.options.clock.now() });
    else this.failAttempt(entry, error);
  }

  /** A failed attempt (handler error, a crash while it ran alone): retry by the rules or fail. */
  failAttempt(entry: Entry, error: TaskweaveError): void {
    const s = this.#s;
    const { clock, retryer } = s.options;
    const task = entry.task;
    const now = clock.now();
    entry.lastDurationMs = Math.max(0, now - entry.startedAt);
    const decision = retryer.decide(error, task.retryCount, task.maxRetries, now, task.deadline);
    if (!decision.retry) {
      const note =
        decision.reason === 'deadline'
          ? ` (not retried: a retry could not start before the deadline)`
          : decision.reason === 'exhausted' && task.maxRetries > 0
            ? ` (after ${task.retryCount} retries)`
            : '';
      const final = note === '' ? error : new TaskweaveError(error.code, error.message + note, { cause: error, retryable: false, ...(error.details === undefined ? {} : { details: error.details }) });
      this.settle(entry, TaskStatus.Failed, NONE, final);
      return;
    }
    move(s, entry, { type: 'retry', error, delayMs: decision.delayMs });
    s.events.emit({
      type: 'retry',
      taskId: task.id,
      retryCount: entry.task.retryCount,
      delayMs: decision.delayMs,
      error,
    });
    entry.timer = clock.setTimeout(() => {
      entry.timer = undefined;
      if (entry.phase === 'retrying' && !s.closed) move(s, entry, { type: 'enqueue', at: clock.now() });
    }, decision.delayMs);
  }

  onDeadline(entry: Entry): void {
    if (entry.phase === 'done') return;
    const running = entry.phase === 'running';
    const error = new TimeoutError(
      running
        ? `Task ${entry.task.id} was still running at its deadline`
        : `Task ${entry.task.id} reached its deadline before it started`,
    );
    this.settle(entry, TaskStatus.Timeout, NONE, error);
  }

  /**
   * Cancels a running task whose executor settles it by its outcome: its signal aborts now, and it
   * ends when the executor answers — Cancelled, or Completed where its effect committed first.
   * Resolves with whether it ended Cancelled.
   */
  cancelRunning(entry: Entry, ctx: Attempt, error: TaskweaveError): Promise<boolean> {
    return new Promise((answer) => {
      if (ctx.cancel === undefined) ctx.cancel = { error, answers: [] };
      ctx.cancel.answers.push(answer);
      ctx.abort(error);
    });
  }

  /**
   * Another writer ended this task in the store (a tab cancelled it before it started): it ends
   * here with that stored result, is not run, and nothing is written for it again. Its
   * dependents follow by the usual rules.
   */
  takeEnd(entry: Entry, stored: TaskRecord): void {
    const result = stored.result;
    if (result === undefined || entry.phase === 'done') return;
    const error = result.error === undefined ? undefined : new TaskweaveError((result.errorCode ?? 'execution') as TaskweaveError['code'], result.error, { retryable: false });
    this.settle(entry, stored.status, result.output, error, result);
  }

  /**
   * Ends a task: in memory now, in the store by one write. Its end is announced (status event,
   * `wait`) and its dependents are released or cancelled only once that write is durable. With
   * `stored`, the end is one another writer already put in the store: it is taken as it is and not
   * written again.
   */
  settle(entry: Entry, s: TaskStatus, o: TaskOutput, e?: TaskweaveError, stored?: TaskResult): void {
    if (entry.phase === 'done') return;
    const state = this.#s;
    const now = state.options.clock.now();
    const wasRunning = entry.phase === 'running';
    // Only a task the executor has is Running in the store for sure; any other may have been
    // ended there by another writer (a tab's cancel), and its end is written only if not.
    const contested = !(wasRunning && entry.current?.handed === true);
    if (entry.item !== undefined) state.queue.remove(entry.item);
    entry.item = undefined;
    if (entry.batchKey !== undefined) state.former?.drop(entry.batchKey);
    entry.batchKey = undefined;
    if (entry.timer !== undefined) state.options.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.cancelDeadline?.();
    entry.cancelDeadline = undefined;
    if (wasRunning && s !== TaskStatus.Completed && s !== TaskStatus.Failed) {
      entry.current?.abort(e);
    }
    entry.current?.end();
    entry.depResults = undefined;
    state.graph.drop(entry.task.id);

    const reported = entry.current?.reported;
    const metrics: TaskMetrics = {
      durationMs: reported?.durationMs ?? (wasRunning ? Math.max(0, now - entry.startedAt) : entry.lastDurationMs),
      queueWaitMs: entry.queueWaitMs + (reported?.queueWaitMs ?? 0),
      memoryBytes: reported?.memoryBytes ?? 0,
      cpuUsage: reported?.cpuUsage ?? 0,
      networkBytes: reported?.networkBytes ?? 0,
      retryCount: entry.task.retryCount,
    };
    if (reported?.backend !== undefined) metrics.backend = reported.backend;
    if (reported?.batchSize !== undefined) metrics.batchSize = reported.batchSize;
    if (reported?.placement !== undefined) metrics.placement = reported.placement;
    let result: TaskResult | undefined = stored;
    if (result === undefined) {
      result = { taskId: entry.task.id, status: s, output: o, metrics, timestamp: now };
      if (e !== undefined) {
        result.error = e.message;
        result.errorCode = e.code;
        // Kept so a reader in any tab rebuilds the error whole (a validation error's issues and field).
        if (e.details !== undefined && findUncloneable(e.details) === undefined) result.errorDetails = e.details;
      }
    }
    const previous = entry.status;
    entry.result = result;
    const cancel = entry.current?.cancel;
    if (cancel !== undefined) for (const answer of cancel.answers) answer(s === TaskStatus.Cancelled);
    entry.current = undefined;
    move(state, entry, { type: 'settle', status: s });
    // A result seen is never produced again after a reload, and no dependent runs on a result
    // that a reload could take back: both wait for the durable write.
    state.unannounced++;
    if (state.closed || stored !== undefined) {
      this.#ended(entry, previous, undefined);
      return;
    }
    if (contested) {
      const ended = (error: unknown) => this.#ended(entry, previous, error);
      state.writes.writeIf([record(entry, now, result)], UNFINISHED).then(
        ([written]) => (written === true ? ended(undefined) : this.#lostEnd(entry, () => ended(undefined))),
        ended, // refused by the store: reported through onError, as for any status write
      );
      // Not contested: the executor had it, so it was Running (`#endedRunning`, no closure per task).
    } else state.writes.writeThen(record(entry, now, result), this.#endedRunning, entry);
  }

  /** The end of a task the executor had (so Running before it) is durable or was refused. */
  readonly #endedRunning = (error: unknown, entry: Entry): void => {
    this.#ended(entry, TaskStatus.Running, error);
  };

  /** Enqueues the dependents `entry` was the last to wait for, or cancels them all. */
  releaseDependents(entry: Entry, storeError: TaskweaveError | undefined): void {
    const s = this.#s;
    const id = entry.task.id;
    const { dependents, nowReady } = s.graph.finish(id);
    if (dependents.length === 0) return;
    const now = s.options.clock.now();
    if (entry.status === TaskStatus.Completed && storeError === undefined) {
      const result = entry.result as TaskResult;
      for (const dependentId of dependents) {
        const dependent = s.entries.get(dependentId);
        if (dependent !== undefined && dependent.phase !== 'done') (dependent.depResults ??= new Map()).set(id, result);
      }
      for (const dependentId of nowReady) {
        const dependent = s.entries.get(dependentId);
        if (dependent !== undefined && dependent.phase === 'blocked') move(s, dependent, { type: 'enqueue', at: now });
      }
      return;
    }
    const error =
      storeError === undefined
        ? new DependencyFailedError(id, entry.status)
        : new DependencyFailedError(id, `${entry.status}, but its result could not be stored`, { cause: storeError });
    for (const dependentId of dependents) {
      const dependent = s.entries.get(dependentId);
      if (dependent !== undefined && dependent.phase !== 'done') this.settle(dependent, TaskStatus.Cancelled, NONE, error);
    }
  }

  /** The terminal write of `entry` is durable (`error` undefined) or was refused. */
  #ended(entry: Entry, previous: TaskStatus, error: unknown): void {
    const s = this.#s;
    s.unannounced--;
    const waiters = entry.waiters;
    const failWaiters = entry.failWaiters;
    entry.waiters = undefined;
    entry.failWaiters = undefined;
    let storeError: TaskweaveError | undefined;
    if (error === undefined) {
      entry.announced = true;
      emitStatus(s, entry, previous);
      if (waiters !== undefined) for (const resolve of waiters) resolve(entry.result as TaskResult);
    } else {
      // Never reported as ended: the store keeps what it had (a later scheduler resumes it).
      storeError = toTaskweaveError(error);
      entry.storeError = storeError;
      s.events.emit({ type: 'error', error: storeError, taskId: entry.task.id });
      if (failWaiters !== undefined) for (const reject of failWaiters) reject(storeError);
    }
    this.releaseDependents(entry, storeError);
    // Its dependents hold its result now: from here on memory may let it go (to the store).
    s.finished.add(entry, (entry.result as TaskResult).timestamp);
    maybeIdle(s);
  }

  /**
   * This scheduler ended a task the executor did not have, but another writer had ended it in the
   * store first: the stored end is the one everybody sees, so it replaces this one before it is
   * announced.
   */
  #lostEnd(entry: Entry, announce: () => void): void {
    const s = this.#s;
    s.options.store.get(entry.task.id).then(
      (stored) => {
        if (stored?.result !== undefined && isTerminalStatus(stored.status) && stored.status !== entry.status) {
          s.counters.relabel(entry.status, stored.status);
          transition(entry, { type: 'relabel', status: stored.status });
        }
        if (stored?.result !== undefined) entry.result = stored.result;
        announce();
      },
      announce,
    );
  }
}
