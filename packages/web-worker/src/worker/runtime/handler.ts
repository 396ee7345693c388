/**
 * The contract between the worker runtime (runtime.ts, which serves the pool's jobs; started by
 * worker/entry.ts) and the task handlers: the built-in ones in worker/handlers/ and an app's own,
 * registered by task type (registry.ts). A handler runs inside a Web Worker, one job at a time per
 * worker (a batch handler gets a job's tasks together); `ModelHost` is what the runtime needs of
 * the model cache.
 */
import type { MeasuredMetrics, Task, TaskOutput, TaskResult } from '@taskweave/core';
import type { BackendPreference } from '../../shared/backendPreference.js';
import type { ModelEnvOptions } from '../../shared/modelEnvOptions.js';
import type { HandlerProgress } from '../../shared/modelProgress.js';
import type { WorkerHealth } from '../../shared/protocol.js';

/** What a handler gets for the call it runs (one task, or a batch), whatever its task type. */
export interface CallContext {
  /** Aborts on cancel/deadline; a handler that ignores it past the grace period gets its worker terminated. */
  signal: AbortSignal;
  /** Backend requested for this task (from `task.metadata.backend` or pool options). */
  backend: BackendPreference;
  /** Merge measured values into this attempt's metrics (backend, memoryBytes, networkBytes, …). */
  reportMetrics(metrics: MeasuredMetrics): void;
  /**
   * Reports progress, tagged by `kind`: a model loading (`kind: 'model'`, the model layer's), or
   * the task's own (`{ kind: 'task', done, total?, note? }`: one-task handlers; subscribers get a
   * `progress` event, at most every 100 ms).
   */
  progress(event: HandlerProgress): void;
  /** Buffers of the output to move (not copy) to the main thread. */
  transfer(...buffers: Transferable[]): void;
}

/** What a one-task handler gets: the call's context plus its task's own. */
export interface HandlerContext extends CallContext {
  /**
   * Results of the task's dependencies, in the order `task.dependencies` lists them (all
   * Completed): a step of a DAG reads the outputs of the steps before it here. Cloned into the
   * worker; empty for a task without dependencies.
   */
  dependencies: readonly TaskResult[];
  /**
   * A key that stays the same on every run of the task — retries, re-runs after a crash or a page
   * reload — for handlers with side effects outside taskweave's database, which run at least once:
   * pass it to the service you call so it can drop a repeat. It is the task id.
   */
  idempotencyKey: string;
  /**
   * A partial output, typed per task type (text for a generation, a page of documents for a
   * retrieval, committed ids for a storage task): it reaches the task's `stream` in every tab that
   * reads it, in order, coalesced to at most one message per 16 ms (or 4 KB) across the worker
   * boundary. Structured-cloneable.
   */
  emit(chunk: unknown): void;
  /**
   * Stores `state` with the task's record, so a run after a reload, `close()`, a leader handover
   * or a retry starts from it (`resumeFrom`); resolves once it is durable. Small and
   * structured-cloneable (token ids, a cursor, committed ids; at most the scheduler's
   * `maxCheckpointBytes`, 64 KiB by default): past that it rejects with a ValidationError
   * (`field: 'checkpoint'`). Announced as progress, not as a status change.
   */
  checkpoint(state: unknown): Promise<void>;
  /** The state of this task's last checkpoint when this run resumes an earlier one; undefined on a first run. */
  resumeFrom: unknown;
}

/** What a batch handler gets: the call's context plus each task's dependencies. */
export interface BatchHandlerContext extends CallContext {
  /**
   * `dependencies[i]` holds the results of `tasks[i]`'s dependencies, in the order that task lists
   * them (the same as `HandlerContext.dependencies` of a one-task handler). A batch handler's
   * idempotency key for a task is its `task.id`.
   */
  dependencies: readonly (readonly TaskResult[])[];
}

/** Runs one task. Throw a `TaskweaveError` (from @taskweave/core) for typed failures. */
export type TaskHandler = (task: Task, ctx: HandlerContext) => Promise<TaskOutput>;

/**
 * Runs several tasks of one type and model as one batched call (dynamic batching).
 * Returns one output, or one error, per task, in order.
 */
export type BatchHandler = (
  tasks: Task[],
  ctx: BatchHandlerContext,
) => Promise<Array<{ ok: true; output: TaskOutput; metrics?: MeasuredMetrics } | { ok: false; error: unknown }>>;

/**
 * What the worker runtime needs from the model cache (worker/models/models.ts) for warm-up, the pool's
 * model affinity and its stats. Registered once per worker with `registerModelHost()`.
 */
export interface ModelHost {
  /**
   * Sets the most models a worker keeps loaded (past it the least recently used is disposed) and
   * the model/ORT URLs from the pool's `modelEnv` option. Called before the first model loads.
   */
  configure(options: { maxModels: number } & ModelEnvOptions): void;
  /** Loads `modelId` (no-op when loaded), reporting progress through `ctx.progress`; resolves with the backend used. */
  warmUp(modelId: string, ctx: CallContext): Promise<{ backend: string }>;
  /** Ids of the models loaded now, least recently used first. */
  loadedModels(): string[];
  /** What the model runtime's failures so far mean for the pool (see `WorkerHealth`). */
  health(): WorkerHealth;
}
