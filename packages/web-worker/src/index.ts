/**
 * @taskweave/web-worker — the worker pool (an `Executor` for `TaskScheduler`) and its protocol.
 * Worker-side API (handlers): `@taskweave/web-worker/worker`.
 */
export { createWorkerPool } from './workerPool.js';
export type {
  WorkerPool,
  WorkerPoolOptions,
  WorkerSnapshot,
  PoolSnapshot,
  PoolEvent,
  WarmUpOptions,
  WarmUpReport,
} from './workerPool.js';
export type { BatchingOptions } from './batcher.js';
export type { WorkerEndReason, WorkerState } from './workerSlot.js';
export type {
  WorkerApi,
  JobRequest,
  JobResult,
  JobOutcome,
  BatchJobRequest,
  BatchJobResult,
  BatchItemOutcome,
  SerializedError,
} from './protocol.js';
export type { BackendPreference, BatchHandler, HandlerContext, ModelHost, ModelProgress, TaskHandler } from './worker/handler.js';
export { createTaskweave } from './createTaskweave.js';
export type { Taskweave, TaskweaveOptions, TabRole } from './createTaskweave.js';
