/** The contract between a `taskweave-worker` process and the handlers it runs. */
import type { MeasuredMetrics, Task, TaskOutput, TaskProgress, TaskResult } from '@taskweave/core';

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
  /**
   * Reports how far the task is (`done` of `total` units, a short note): published through BullMQ's
   * `job.updateProgress` at most every 100 ms (the latest value), read by `GET /v1/tasks/:id/events`
   * as `progress` events. Ignored once the run ended.
   */
  progress(progress: TaskProgress): void;
  /**
   * A partial output (plain JSON; typed arrays become number arrays), numbered per task from 0 in
   * emission order (a resumed run numbers on from its checkpoint): `chunk` events of
   * `GET /v1/tasks/:id/events`. Coalesced as in the browser (at most every 16 ms or per 4 KB).
   * Ignored once the run ended.
   */
  emit(chunk: unknown): void;
  /**
   * Stores `state` with the task in Redis (after the chunks emitted before it are published);
   * resolves once it is there. A retry, or a re-run after this process died, gets it as
   * `resumeFrom`. Rejects with a ValidationError (`field: 'checkpoint'`) past 64 KiB (as core's
   * `cloneSizeOf` counts), and with `cancelled` once the run ended.
   * @example await ctx.checkpoint({ tokens: generated.length })
   */
  checkpoint(state: unknown): Promise<void>;
  /** The state of the task's last checkpoint on a retry or a re-run after a worker died; undefined on a first run or without one. */
  readonly resumeFrom: unknown;
}

/**
 * Runs one task in a worker process. Throw a `TaskweaveError` for a typed failure (a
 * non-retryable one ends the task Failed at once; others are retried with backoff).
 * @example const echo: ServerTaskHandler = async (task) => ({ kind: 'custom', value: task.input })
 */
export type ServerTaskHandler = (task: Task, ctx: ServerHandlerContext) => Promise<TaskOutput>;
