/**
 * The typed protocol between the pool (main thread) and the worker runtime, carried by comlink.
 * Everything here is structured-cloneable data: errors cross as `SerializedError` and are rebuilt
 * with `deserializeError` from `@taskweave/core`, because comlink keeps only name/message/stack.
 */
import type { MeasuredMetrics, SerializedError, Task, TaskOutput } from '@taskweave/core';
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

/** One task to run. */
export interface JobRequest {
  /** Unique per pool; `abort(jobId)` names it. */
  jobId: number;
  task: Task;
  backend: BackendPreference;
}

/** Several tasks of one type and model run as one batched call. */
export interface BatchJobRequest {
  jobId: number;
  tasks: Task[];
  backend: BackendPreference;
}

/** How a job ended: errors are data, never thrown across the boundary. */
export type JobOutcome =
  | { ok: true; output: TaskOutput; metrics: MeasuredMetrics }
  | { ok: false; error: SerializedError; metrics: MeasuredMetrics };

/** A job's outcome plus the worker's state after it (for model affinity). */
export interface JobResult {
  outcome: JobOutcome;
  /** Models loaded in the worker now, least recently used first. */
  models: string[];
  /** Bytes of WebAssembly memory the worker holds now (for recycling); absent when unknown. */
  wasmMemoryBytes?: number;
}

/** One task's outcome inside a batch; `metrics` holds only what the handler measured for that task. */
export type BatchItemOutcome =
  | { ok: true; output: TaskOutput; metrics?: MeasuredMetrics }
  | { ok: false; error: SerializedError; metrics?: MeasuredMetrics };

/**
 * Outcomes of a batch in task order, the metrics of the batched call as a whole (split per task by
 * `splitBatchResult` in main/pool/batcher.ts), and the worker's state after it.
 */
export interface BatchJobResult {
  outcomes: BatchItemOutcome[];
  shared: MeasuredMetrics;
  models: string[];
  /** Set when the batch failed as a whole (its handler threw): `outcomes` is then empty. */
  failed?: SerializedError;
  /** Bytes of WebAssembly memory the worker holds now (for recycling); absent when unknown. */
  wasmMemoryBytes?: number;
}

/** Result of warming a model in one worker. */
export interface WarmUpOutcome {
  ok: boolean;
  backend?: string;
  error?: SerializedError;
  durationMs: number;
  networkBytes: number;
  models: string[];
}

/** Progress callback passed as a `Comlink.proxy`. */
export type ProgressSink = (event: ModelProgress) => void;

/** Messages the runtime posts on the control port. */
export type ControlMessage = { type: 'closing' } | { type: 'unhandled-rejection'; error: SerializedError };

/** The API a worker exposes with `Comlink.expose`. One job runs at a time; the pool guarantees it. */
export interface WorkerApi {
  init(init: WorkerInit): Promise<WorkerHello>;
  run(request: JobRequest, progress?: ProgressSink): Promise<JobResult>;
  runBatch(request: BatchJobRequest, progress?: ProgressSink): Promise<BatchJobResult>;
  /** Aborts the running job's signal with `reason` (a `cancelled` / `timeout` error). */
  abort(jobId: number, reason: SerializedError): void;
  /** Loads a model before the first task. */
  warmUp(modelId: string, backend: BackendPreference, progress?: ProgressSink): Promise<WarmUpOutcome>;
  /** Heartbeat: answers as soon as the worker's event loop is free. */
  ping(): number;
}
