/**
 * The typed protocol between the pool (main thread) and the worker runtime, carried by comlink.
 * Everything here is structured-cloneable data: errors cross as `SerializedError` and are rebuilt
 * with `deserializeError` from `@taskweave/core`, because comlink keeps only name/message/stack.
 */
import type { MeasuredMetrics, SerializedError, Task, TaskOutput, TaskProgress, TaskResult } from '@taskweave/core';
import type { BackendPreference } from './backendPreference.js';
import type { ModelEnvOptions } from './modelEnvOptions.js';
import type { ModelProgress } from './modelProgress.js';

export type { SerializedError };

/** Sent once by the pool when a worker starts. */
export interface WorkerInit {
  /** Stable slot index in the pool (a replacement gets the same index). */
  index: number;
  /** Most models the worker keeps loaded (LRU beyond it). */
  maxModels: number;
  /** Where models and ORT files come from (absolute URLs), remote models, ORT threads. */
  modelEnv: ModelEnvOptions;
  /** Database name of the storage/search collections (the taskweave name). */
  database: string;
  /**
   * The worker's end of a control channel. The runtime posts `{ type: 'closing' }` on it when the
   * worker calls `self.close()`, so the pool notices at once (comlink never tells).
   */
  control: MessagePort;
  /**
   * Name of a Web Lock the worker takes and holds for its whole life. The pool then asks for the
   * same lock: it is granted the moment the worker is gone (terminated, closed, crashed), even when
   * nothing else tells.
   */
  lifeLock?: string;
  /**
   * The worker's port to the page's registry of shared collection snapshots
   * (`main/pool/collectionRegistry.ts`); absent where the page is not cross-origin isolated.
   */
  collections?: MessagePort;
}

/** What a started worker reports. */
export interface WorkerHello {
  /** Task types with a handler (built-in and custom). */
  types: string[];
  /** Task types with a batch handler. */
  batchTypes: string[];
}

/**
 * A call: one task, or several of one type and model run as one batched call. One task is a batch
 * of one (the same request, runtime path and result).
 */
export interface JobRequest {
  /** Unique per pool; `abort(jobId)` names it. */
  jobId: number;
  tasks: Task[];
  backend: BackendPreference;
  /**
   * Each task's dependencies' results, in task order, each in the order its task lists them:
   * absent when no task of the call has a dependency (a call without pays nothing for them).
   */
  dependencies?: (readonly TaskResult[])[];
  /** Each task's last checkpoint state (`ctx.resumeFrom`), in task order: absent when no task of the call has one. */
  resumeFrom?: unknown[];
}

/** How one task ended: errors are data, never thrown across the boundary. */
export type JobOutcome =
  | { ok: true; output: TaskOutput; metrics: MeasuredMetrics }
  | { ok: false; error: SerializedError; metrics: MeasuredMetrics };

/** One task's outcome in a call; `metrics` holds only what was measured for that task. */
export type ItemOutcome =
  | { ok: true; output: TaskOutput; metrics?: MeasuredMetrics }
  | { ok: false; error: SerializedError; metrics?: MeasuredMetrics };

/**
 * Outcomes of a call in task order, the metrics of the call as a whole (split per task by
 * `splitJobResult` in main/pool/batcher.ts), and the worker's state after it (for model affinity
 * and recycling).
 */
export interface JobResult {
  outcomes: ItemOutcome[];
  shared: MeasuredMetrics;
  /** Models loaded in the worker now, least recently used first. */
  models: string[];
  /**
   * Set when a batch of several failed as a whole (its batch handler threw): `outcomes` is then
   * empty. A call of one task never fails as a whole: its error is its outcome.
   */
  failed?: SerializedError;
  /** Bytes of WebAssembly memory the worker holds now (for recycling); absent when unknown. */
  wasmMemoryBytes?: number;
  /** What the worker's failures so far mean: replace it, run later jobs on WASM. */
  health?: WorkerHealth;
}

/**
 * A worker's word on its own state after a job or warm-up. `replace`: its model runtime refuses
 * every later call (why), so the pool replaces it after this job; `webgpuFailed`: a model call
 * failed on WebGPU (why), so the pool runs later jobs on WASM.
 */
export interface WorkerHealth {
  replace?: string;
  webgpuFailed?: string;
}

/** Result of warming a model in one worker. */
export interface WarmUpOutcome {
  ok: boolean;
  backend?: string;
  error?: SerializedError;
  durationMs: number;
  networkBytes: number;
  models: string[];
  health?: WorkerHealth;
}

/** Progress callback passed as a `Comlink.proxy`. */
export type ProgressSink = (event: ModelProgress) => void;

/** What one task of a call reported since the last flush: its chunks in order, its latest progress. */
export interface TaskReports {
  /** The task's index in the call. */
  task: number;
  chunks?: unknown[];
  progress?: TaskProgress;
}

/**
 * The pool's end of a running call, passed as a `Comlink.proxy`: model-loading progress, the
 * tasks' coalesced reports (worker/runtime/outbox.ts), and checkpoints, which answer once durable
 * (errors as data: comlink keeps only an error's name and message).
 */
export interface JobSink {
  model(event: ModelProgress): void;
  reports(batch: TaskReports[]): void;
  checkpoint(task: number, state: unknown): Promise<SerializedError | undefined>;
}

/** Messages the runtime posts on the control port. */
export type ControlMessage = { type: 'closing' } | { type: 'unhandled-rejection'; error: SerializedError };

/** The API a worker exposes with `Comlink.expose`. One job runs at a time; the pool guarantees it. */
export interface WorkerApi {
  init(init: WorkerInit): Promise<WorkerHello>;
  run(request: JobRequest, sink?: JobSink): Promise<JobResult>;
  /** Aborts the running job's signal with `reason` (a `cancelled` / `timeout` error). */
  abort(jobId: number, reason: SerializedError): void;
  /** Loads a model before the first task. */
  warmUp(modelId: string, backend: BackendPreference, progress?: ProgressSink): Promise<WarmUpOutcome>;
  /** Heartbeat: answers as soon as the worker's event loop is free. */
  ping(): number;
}
