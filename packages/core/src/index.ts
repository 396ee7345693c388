/**
 * `@taskweave/core`: the scheduler, the task model and its validation, the ports an app plugs in
 * (`Executor`, `TaskStore`, `Clock`), and what the built-in task types share with the server.
 * Every name is listed: what an app, the worker package or the server uses, nothing internal.
 */

// The task model.
export {
  TaskPriority,
  TASK_PRIORITY_NAMES,
  TaskStatus,
  TASK_STATUSES,
  TERMINAL_STATUSES,
  isTerminalStatus,
  TaskType,
  BUILTIN_TASK_TYPES,
  PLACEMENTS,
  isCustomTaskType,
  emptyMetrics,
} from './task.js';
export type {
  TaskId,
  TaskPriorityName,
  BuiltinTaskType,
  CustomTaskType,
  FilterValue,
  SearchQuery,
  TensorType,
  TensorValues,
  TensorData,
  ModelInput,
  TaskInput,
  TaskInputKind,
  Task,
  SearchHit,
  StoredDocument,
  TextChunk,
  TaskOutput,
  TaskOutputKind,
  TaskMetrics,
  Placement,
  TaskResult,
} from './task.js';

// Errors.
export {
  TaskweaveError,
  ValidationError,
  CancelledError,
  TimeoutError,
  DependencyFailedError,
  WorkerCrashedError,
  PersistenceError,
  isTaskweaveError,
  serializeError,
  deserializeError,
  toTaskweaveError,
} from './errors.js';
export type { TaskweaveErrorCode, TaskweaveErrorOptions, ValidationIssue, SerializedError } from './errors.js';

// Validation at the boundary.
export { modelInputSchema, searchQuerySchema, parseTask, parseTaskOutput, parseTaskResult } from './schemas.js';
export type { SubmitTaskOptions, ResolvedSubmit } from './schemas.js';
export { parseSubmission, parseSubmissions, prepareSubmissions, newTaskRecord, MAX_SUBMIT_BATCH } from './scheduler/submission.js';
export type { SubmissionContext, SubmitIssue, SubmitValidator } from './scheduler/submission.js';

// Ports.
export type {
  MeasuredMetrics,
  ExecutionContext,
  TaskProgress,
  TaskCheckpoint,
  BatchPolicy,
  BatchOutcome,
  Executor,
  FreeWorkers,
  TaskRecord,
  StoreSnapshot,
  PruneOptions,
  TaskStore,
  Clock,
} from './ports.js';
export { systemClock } from './clock.js';
export { cloneSizeOf } from './cloneable.js';
export { CHUNK_BYTES, CHUNK_EVERY_MS, PROGRESS_EVERY_MS } from './reportPace.js';
export { MemoryTaskStore } from './adapters/memoryTaskStore.js';

// The scheduler.
export { TaskScheduler, toTaskState } from './scheduler/taskScheduler.js';
export type { TaskState } from './scheduler/taskScheduler.js';
export type { TaskSchedulerOptions, RetentionOptions } from './scheduler/options.js';
export type { RecoveryReport } from './scheduler/recovery.js';
export type { RetryOptions, RetryDelay } from './scheduler/retryer.js';
export type { QueueSnapshot, SchedulerEvent, SchedulerListener } from './events.js';
export { Subscribable } from './subscribable.js';
export { cancelStored } from './store/storedCancel.js';
export type { TaskListQuery, TaskListPage } from './store/taskList.js';
export type { StoredCancelOutcome } from './store/storedCancel.js';

// What built-in task types share with the server.
export { toSeedTask, fromSeedTask, toSeedResult, fromSeedResult } from './tasks/seedCodec.js';
export type { SeedDuration } from './tasks/seedCodec.js';
export { requests, outputOf } from './tasks/requests.js';
export type { RequestOptions, RequestOutputs, RequestName, GenerateOptions, ModelInputRequest, DocumentInput, ProcessOptions, SearchFor, SearchOptions, RetrieveWhat } from './tasks/requests.js';
export { readTextOptions, normalizeText, checkTextOptions, textOutput, textProcessingIssues } from './tasks/textChunking.js';
export type { TextTaskFields } from './tasks/textChunking.js';
export type { TextOptions, Span } from './tasks/textChunking.js';
export { PLACEMENT_REQUESTS, decidePlacement, isPlacementRequest, localWaitEstimate } from './tasks/placement.js';
export type { PlacementFacts, PlacementRequest } from './tasks/placement.js';
export { fitText, fitToModel } from './tasks/fitToModel.js';
export { GENERATION_PIPELINES, generationOptionsSchema, generationCallIssues, generationIssues, generateText, CHECKPOINT_EVERY_MS, YIELD_EVERY_MS } from './tasks/textGeneration.js';
export type { GenerationOptions, GenerationRuntime, GenerationPipeline, GenerationContext, GenerationOutput } from './tasks/textGeneration.js';
export type { TokenizerLike, FittedTexts, FitOptions } from './tasks/fitToModel.js';
export { extractFeatures } from './tasks/featureExtraction.js';
export { toPlainJson, outputFromPlainJson, resultFromPlainJson } from './tasks/plainJson.js';
export type { ExtractedFeatures, FeatureModelParts, MeanPooling, TensorLike } from './tasks/featureExtraction.js';
