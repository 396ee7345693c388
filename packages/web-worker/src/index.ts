/**
 * @taskweave/web-worker — the page's API: `createTaskweave` (scheduler, store, pool and tabs wired
 * together) and `typedTasks`, the worker pool (`createWorkerPool`, an `Executor` for
 * `TaskScheduler`), placement between the pool and a taskweave server (`createPlacementExecutor`,
 * `RemoteUnreachable`), the model cache (`createModelAssets`, `sha256`), the submit-time check
 * (`validateSubmission`), the collections' IndexedDB stores (`collectionSchema`), and the types an
 * app writes against. Worker-side API (handlers): `@taskweave/web-worker/worker`. The
 * pool↔worker wire protocol (`shared/protocol.ts`) is internal: an app's worker module needs only
 * the handler contract exported here and from `./worker`.
 *
 * Main-thread code lives in `main/` (taskweave/, pool/, remote/), worker code in `worker/`
 * (runtime/, models/, handlers/, collections/, search/), and what both import in `shared/`.
 */
export { createWorkerPool } from './main/pool/workerPool.js';
export type { WorkerPool, WorkerPoolOptions } from './main/pool/workerPool.js';
export type { WorkerSnapshot, PoolSnapshot, PoolEvent, WarmUpOptions, WarmUpReport } from './main/pool/poolEvents.js';
export type { BatchingOptions } from './main/pool/batcher.js';
export type { WorkerEndReason, WorkerState } from './main/pool/workerState.js';
export type { BackendPreference } from './shared/backendPreference.js';
export { BACKEND_PREFERENCES } from './shared/backendPreference.js';
export { MODEL_DTYPES } from './shared/modelDtype.js';
export type { ModelDtype } from './shared/modelDtype.js';
export { validateSubmission } from './main/taskweave/submitSchema.js';
export type { ModelProgress, HandlerProgress, TaskProgressReport } from './shared/modelProgress.js';
export type { BatchHandler, BatchHandlerContext, CallContext, HandlerContext, ModelHost, TaskHandler } from './worker/runtime/handler.js';
export { collectionSchema } from './shared/collectionSchema.js';
export type { CollectionsDB, DocumentRow, CollectionRow, CollectionChange } from './shared/collectionSchema.js';
export { createTaskweave } from './main/taskweave/createTaskweave.js';
export type { Taskweave, TaskweaveOptions, TaskweaveSnapshot, TabRole } from './main/taskweave/taskweave.js';
export { typedTasks } from './main/taskweave/typedTasks.js';
export { createPlacementExecutor, PLACED_KEY } from './main/pool/placementExecutor.js';
export { RemoteUnreachable } from './main/remote/remoteHttp.js';
export type { RemoteOptions } from './main/remote/remoteHttp.js';
export type { TaskHandle, TypedTasks, TaskSubmitter } from './main/taskweave/typedTasks.js';
export type { TaskweaveEvent, TaskweaveListener } from './main/taskweave/tabs/taskweaveEvent.js';
export { createModelAssets } from './main/taskweave/modelAssets.js';
export type { ModelAssets, PersistResult, PrefetchOptions, StorageEstimate } from './main/taskweave/modelAssets.js';
export { MODEL_CACHE_NAME, sha256 } from './shared/modelAssets.js';
export type { AssetDtype, AssetProgress, ModelAssetStatus, ModelDeclaration, ModelFileStatus } from './shared/modelAssets.js';
