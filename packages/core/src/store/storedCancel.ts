/**
 * Cancelling a task in a shared store, for a writer that runs no scheduler (a tab that does not
 * run tasks): a compare-and-set from Pending to Cancelled. It wins exactly when it commits before
 * the running scheduler's durable start, which is itself a compare-and-set (`TaskScheduler`
 * starts nothing the store holds as ended); that scheduler learns of it through `adopt(ids)`.
 */
import type { TaskRecord, TaskStore } from '../ports.js';
import { TaskStatus, emptyMetrics, isTerminalStatus, type TaskId, type TaskResult } from '../task.js';

/**
 * What `cancelStored` found: `cancelled` (the Cancelled record is durable, the task will not
 * start), `running` (a scheduler started it first: ask that one to abort it), `ended` (it had
 * already ended), `unknown` (no such task).
 */
export type StoredCancelOutcome = 'cancelled' | 'running' | 'ended' | 'unknown';

/** The Cancelled form of a stored, not yet started task. */
export function cancelledRecord(record: TaskRecord, now: number): TaskRecord {
  const id = record.task.id;
  const result: TaskResult = {
    taskId: id,
    status: TaskStatus.Cancelled,
    output: { kind: 'none' },
    metrics: { ...emptyMetrics(), retryCount: record.task.retryCount },
    timestamp: now,
    error: `Task ${id} was cancelled`,
    errorCode: 'cancelled',
  };
  return { ...record, status: TaskStatus.Cancelled, updatedAt: now, result };
}

/**
 * Cancels a Pending task directly in `store` (compare-and-set on its status). Dependents are left
 * to the scheduler that runs the tasks, which cancels them when it adopts this end.
 *
 * @example
 * const outcome = await cancelStored(store, id)
 * if (outcome === 'running') askTheLeaderToAbort(id)
 */
export async function cancelStored(store: TaskStore, id: TaskId, now: () => number = Date.now): Promise<StoredCancelOutcome> {
  // A few rounds: between the read and the write the task may start, or go back to Pending (a retry).
  for (let round = 0; round < 3; round++) {
    const record = await store.get(id);
    if (record === undefined) return 'unknown';
    if (isTerminalStatus(record.status)) return 'ended';
    if (record.status === TaskStatus.Running) return 'running';
    const [written] = await store.putIfStatus([cancelledRecord(record, now())], [TaskStatus.Pending]);
    if (written === true) return 'cancelled';
  }
  return 'running';
}
