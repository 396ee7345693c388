/** The contract between a `taskweave-worker` process and the handlers it runs. */
import type { MeasuredMetrics, Task, TaskOutput, TaskResult } from '@taskweave/core';

export interface ServerHandlerContext {
  /** Aborts on cancel (relayed over Redis pub/sub) and on the task's deadline; `signal.reason` is the TaskweaveError. */
  signal: AbortSignal;
  /** Merge measured values into this attempt's metrics (`backend`, `networkBytes`, …). */
  reportMetrics(metrics: MeasuredMetrics): void;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /**
   * Results of the task's dependencies, in the order `task.dependencies` lists them (all
   * Completed: a task runs only after every dependency completed). Read from Redis for this
   * task's owner only (a dependency id names a task of the same owner); empty, and read from
   * nowhere, for a task without dependencies.
   */
  dependencies: readonly TaskResult[];
  /**
   * The task's job id (`jobIdOf(owner, task.id)`: unique across owners, who may reuse a task id):
   * the same on every run of the task (retries, a re-run after a worker died), for handlers with
   * side effects elsewhere, which run at least once.
   */
  idempotencyKey: string;
}

/**
 * Runs one task in a worker process. Throw a `TaskweaveError` for a typed failure (a
 * non-retryable one ends the task Failed at once; others are retried with backoff).
 * @example const echo: ServerTaskHandler = async (task) => ({ kind: 'custom', value: task.input })
 */
export type ServerTaskHandler = (task: Task, ctx: ServerHandlerContext) => Promise<TaskOutput>;
