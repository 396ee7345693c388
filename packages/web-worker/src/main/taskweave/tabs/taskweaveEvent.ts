/**
 * The events of `Taskweave.subscribe`: one shape in every tab, whichever runs the tasks.
 *
 * A status event carries ids and statuses, never payloads: it is the store's change feed, so it
 * says what is durable (`Running` once the start is written, an end once its result is), in the
 * tab that wrote it and in every other. Read the task or its result when you need them:
 * `await tw.get(event.taskId)` (or `getMany`, or `wait`).
 */
import type { QueueSnapshot, TaskId, TaskStatus, TaskweaveError } from '@taskweave/core';

/**
 * An event of `Taskweave.subscribe`, tagged by `type`.
 *
 * @example
 * tw.subscribe(async (event) => {
 *   if (event.type === 'status' && event.status === 'Completed') show(await tw.get(event.taskId))
 * })
 */
export type TaskweaveEvent =
  /** A task's record changed in the store (any tab wrote it). */
  | { type: 'status'; taskId: TaskId; status: TaskStatus; seq: number; updatedAt: number }
  /** The tab that runs tasks will retry this one after `delayMs`. */
  | { type: 'retry'; taskId: TaskId; retryCount: number; delayMs: number; error: TaskweaveError }
  /**
   * How far a running task is, as its handler reports it (at most every 100 ms per task), in every
   * tab; `checkpoint: true` when the task's checkpoint was written (durable) with this progress.
   */
  | { type: 'progress'; taskId: TaskId; done: number; total?: number; note?: string; checkpoint?: true }
  /** The running tab's counts (at most every `snapshotIntervalMs` in the other tabs). */
  | { type: 'queue'; snapshot: QueueSnapshot }
  /** A background failure: of the running tab's scheduler, or of this tab (a failed takeover). */
  | { type: 'error'; error: TaskweaveError; taskId?: TaskId };

export type TaskweaveListener = (event: TaskweaveEvent) => void;
