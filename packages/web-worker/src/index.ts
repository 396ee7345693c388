/**
 * @taskweave/web-worker — the worker pool (an `Executor` for `TaskScheduler`) and its protocol.
 * Worker-side API (handlers): `@taskweave/web-worker/worker`.
 *
 * Main-thread code lives in `main/`, worker code in `worker/`, and what both import (protocol,
 * option and event types) in `shared/`.
 */
export { createWorkerPool } from './main/workerPool.js';
export type { WorkerPool, WorkerPoolOptions } from './main/workerPool.js';
export type { WorkerSnapshot, PoolSnapshot, PoolEvent, WarmUpOptions, WarmUpReport } from './shared/poolEvents.js';
export type { BatchingOptions } from './main/batcher.js';
export type { WorkerEndReason, WorkerState } from './shared/workerState.js';
export type {
  WorkerApi,
  JobRequest,
  JobResult,
  JobOutcome,
  BatchJobRequest,
  BatchJobResult,
  BatchItemOutcome,
  SerializedError,
} from './shared/protocol.js';
export type { BackendPreference } from './shared/backendPreference.js';
export { BACKEND_PREFERENCES } from './shared/backendPreference.js';
export { MODEL_DTYPES } from './shared/modelDtype.js';
export type { ModelDtype } from './shared/modelDtype.js';
export { validateSubmission } from './shared/submitSchema.js';
export type { ModelProgress } from './shared/modelProgress.js';
export type { BatchHandler, HandlerContext, ModelHost, TaskHandler } from './worker/handler.js';
export { collectionSchema } from './shared/collectionSchema.js';
export type { CollectionsDB, DocumentRow, CollectionRow, CollectionChange } from './shared/collectionSchema.js';
export { createTaskweave } from './main/createTaskweave.js';
export type { Taskweave, TaskweaveOptions, TabRole } from './main/createTaskweave.js';
export { typedTasks } from './main/typedTasks.js';
export { createPlacementExecutor, PLACED_KEY } from './main/placementExecutor.js';
export { RemoteUnreachable } from './main/remoteExecutor.js';
export type { RemoteOptions } from './main/remoteExecutor.js';
export type { TaskHandle, TypedTasks, TaskSubmitter } from './main/typedTasks.js';
export type { TaskweaveEvent, TaskweaveListener } from './main/tabs/taskweaveEvent.js';
export { createModelAssets } from './main/modelAssets.js';
export type { ModelAssets, PersistResult, PrefetchOptions, StorageEstimate } from './main/modelAssets.js';
export { MODEL_CACHE_NAME, sha256 } from './shared/modelAssets.js';
export type { AssetDtype, AssetProgress, ModelAssetStatus, ModelDeclaration, ModelFileStatus } from './shared/modelAssets.js';
