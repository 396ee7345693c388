import type { TaskweaveError } from './errors.js';
import type { Task, TaskId, TaskPriorityName, TaskResult, TaskStatus } from './task.js';

/**
 * Counts a UI can render every frame: `getSnapshot()` is O(1) (counters kept incrementally).
 * `byStatus` counts every task this scheduler knows in this session; `byPriority` counts the
 * unfinished ones (Pending or Running).
 */
export interface QueueSnapshot {
  byStatus: Record<TaskStatus, number>;
  byPriority: Record<TaskPriorityName, number>;
  /** Pending tasks whose dependencies are all done, waiting for a slot. */
  ready: number;
  /** Pending tasks waiting on a dependency. */
  blocked: number;
  /** Pending tasks waiting out a retry delay. */
  retrying: number;
  running: number;
  concurrency: number;
}

/** Events of `TaskScheduler.subscribe`, tagged by `type`. */
export type SchedulerEvent =
  | {
      type: 'status';
      taskId: TaskId;
      status: TaskStatus;
      previousStatus: TaskStatus | undefined;
      task: Task;
      /** Present when `status` is terminal. */
      result?: TaskResult;
    }
  | {
      type: 'retry';
      taskId: TaskId;
      /** The retry number about to happen (1 = first retry). */
      retryCount: number;
      delayMs: number;
      error: TaskweaveError;
    }
  /**
   * How far a running task is (`ExecutionContext.progress`, or a checkpoint taken: `checkpoint`
   * true, the progress reported before it).
   */
  | { type: 'progress'; taskId: TaskId; done: number; total?: number; note?: string; checkpoint?: true }
  /** A partial output of a running task, `index` counting from 0 in emission order (a resumed run numbers on from its checkpoint). */
  | { type: 'chunk'; taskId: TaskId; index: number; chunk: unknown }
  /** Coalesced: at most one per microtask checkpoint, after the counts changed. */
  | { type: 'queue'; snapshot: QueueSnapshot }
  /** A background failure not tied to a caller (a status write the store refused, a quarantined record). */
  | { type: 'error'; error: TaskweaveError; taskId?: TaskId };

export type SchedulerListener = (event: SchedulerEvent) => void;
