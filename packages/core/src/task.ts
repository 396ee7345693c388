/**
 * The task model of the seed (`task-processing-spec.md`) as TypeScript values and types.
 * Runtime shapes are checked by the zod schemas in `schemas.ts`.
 */

declare const taskIdBrand: unique symbol;
/** A task identifier: a UUID string (RFC 9562, any version); the scheduler makes v4 ids (`crypto.randomUUID()`). */
export type TaskId = string & { readonly [taskIdBrand]: true };

/**
 * Task priority levels, ordered: a higher number runs first.
 * @example scheduler.submit({ type, input, priority: TaskPriority.High })
 */
export const TaskPriority = { Low: 0, Normal: 1, High: 2, Critical: 3 } as const;
export type TaskPriority = (typeof TaskPriority)[keyof typeof TaskPriority];
/** Priority names in ascending order, indexed by value. */
export const TASK_PRIORITY_NAMES = ['Low', 'Normal', 'High', 'Critical'] as const;
export type TaskPriorityName = (typeof TASK_PRIORITY_NAMES)[number];

/** The six statuses of the seed, and no others. */
export const TaskStatus = {
  Pending: 'Pending',
  Running: 'Running',
  Completed: 'Completed',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
  Timeout: 'Timeout',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];
export const TASK_STATUSES: readonly TaskStatus[] = Object.values(TaskStatus);
/** Statuses a task never leaves. */
export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set([
  TaskStatus.Completed,
  TaskStatus.Failed,
  TaskStatus.Cancelled,
  TaskStatus.Timeout,
]);
export function isTerminalStatus(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export type BuiltinTaskType =
  | 'TextProcessing'
  | 'ModelInference'
  | 'VectorSearch'
  | 'EmbeddingGeneration'
  | 'DataStorage'
  | 'DataRetrieval';
/** The seed's `Custom(String)`: handlers registered by name in the worker. */
export type CustomTaskType = `custom:${string}`;
export type TaskType = BuiltinTaskType | CustomTaskType;

/**
 * Task types. `TaskType.custom('resize')` names a custom handler (`'custom:resize'`).
 * @example scheduler.submit({ type: TaskType.EmbeddingGeneration, input: { kind: 'text', text } })
 */
export const TaskType = {
  TextProcessing: 'TextProcessing',
  ModelInference: 'ModelInference',
  VectorSearch: 'VectorSearch',
  EmbeddingGeneration: 'EmbeddingGeneration',
  DataStorage: 'DataStorage',
  DataRetrieval: 'DataRetrieval',
  custom<N extends string>(name: N): `custom:${N}` {
    return `custom:${name}`;
  },
} as const;
export const BUILTIN_TASK_TYPES: readonly BuiltinTaskType[] = [
  'TextProcessing',
  'ModelInference',
  'VectorSearch',
  'EmbeddingGeneration',
  'DataStorage',
  'DataRetrieval',
];
export function isCustomTaskType(type: string): type is CustomTaskType {
  return type.startsWith('custom:') && type.length > 'custom:'.length;
}

/** Metadata filter values for search and retrieval. */
export type FilterValue = string | number | boolean;

/** The seed's `SearchQuery`: exact top-k search over a named collection. */
export interface SearchQuery {
  collection: string;
  /** Query vector; or `text`, embedded with the task's `modelId` first. */
  vector?: Float32Array | number[];
  text?: string;
  /** @default 10 */
  topK: number;
  /** Metadata equality filter: every key must match. */
  filter?: Record<string, FilterValue>;
  /** Hits scoring below this cosine similarity are dropped. */
  minScore?: number;
}

export type TensorType = 'float32' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'uint16' | 'bool' | 'float16' | 'string';
export type TensorValues =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | number[]
  | bigint[]
  | boolean[]
  | string[];

/** One named tensor: element type, shape and row-major data. */
export interface TensorData {
  type: TensorType;
  dims: number[];
  data: TensorValues;
}

/** The seed's `ModelInput`: raw named tensors for an ONNX session, or a transformers.js pipeline call. */
export type ModelInput =
  | { format: 'tensors'; feeds: Record<string, TensorData>; outputNames?: string[] }
  | { format: 'pipeline'; pipeline: string; inputs: string | string[]; options?: Record<string, unknown> };

/** The seed's `TaskInput`, tagged by `kind`. */
export type TaskInput =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; data: Uint8Array }
  | { kind: 'query'; query: SearchQuery }
  | { kind: 'modelInput'; input: ModelInput }
  | { kind: 'custom'; value: unknown };
export type TaskInputKind = TaskInput['kind'];

/** The seed's `Task`. `deadline` and `createdAt` are epoch milliseconds. */
export interface Task {
  id: TaskId;
  type: TaskType;
  priority: TaskPriority;
  input: TaskInput;
  modelId?: string;
  deadline?: number;
  retryCount: number;
  maxRetries: number;
  dependencies: TaskId[];
  metadata: Record<string, string>;
  createdAt: number;
}

/** One hit of a vector search. */
export interface SearchHit {
  id: string;
  score: number;
  text?: string;
  metadata?: Record<string, FilterValue>;
}

/** A document of a storage collection. */
export interface StoredDocument {
  id: string;
  text?: string;
  vector?: Float32Array;
  metadata?: Record<string, FilterValue>;
}

/** One chunk of a text-processing result, with its character span in the normalised text. */
export interface TextChunk {
  text: string;
  start: number;
  end: number;
  tokens?: number;
}

/**
 * The seed's `TaskOutput`, tagged by `kind`. Failed, cancelled and timed-out tasks carry `{ kind: 'none' }`.
 *
 * `truncated: true` (absent otherwise) says the model read only the first part of a text input —
 * as many tokens as it reads (its `model_max_length`); `truncatedIndices` says which of the texts.
 * `tokens` on an embedding is the number of tokens the model read (special tokens included),
 * summed over the texts, where the handler counts them (`@taskweave/server`'s workers do).
 */
export type TaskOutput =
  | { kind: 'none' }
  | { kind: 'text'; text: string; chunks?: TextChunk[]; tokens?: number; finishReason?: 'stop' | 'length' }
  | { kind: 'binary'; data: Uint8Array }
  | { kind: 'embedding'; vector: Float32Array; dims: number; truncated?: boolean; tokens?: number }
  | { kind: 'embeddings'; vectors: Float32Array[]; dims: number; truncated?: boolean; truncatedIndices?: number[]; tokens?: number }
  | { kind: 'tensors'; tensors: Record<string, TensorData>; truncated?: boolean }
  | { kind: 'searchResults'; hits: SearchHit[] }
  | { kind: 'documents'; documents: StoredDocument[]; nextCursor?: string }
  | { kind: 'stored'; ids: string[] }
  | { kind: 'custom'; value: unknown; truncated?: boolean };
export type TaskOutputKind = TaskOutput['kind'];

/**
 * The seed's `TaskMetrics`, measured, never invented: a value the executor cannot measure is 0.
 * - `durationMs`: execution time of the final attempt (measured in the worker when the executor reports it, else around `execute`).
 * - `queueWaitMs`: time from ready (dependencies done) to the final attempt's start, plus the
 *   time the executor reports it held the task before running it (the worker pool's own queue).
 * - `memoryBytes`, `cpuUsage` (0–1 busy share), `networkBytes`: reported by the executor.
 * - `retryCount`: attempts after the first.
 */
export interface TaskMetrics {
  durationMs: number;
  queueWaitMs: number;
  memoryBytes: number;
  cpuUsage: number;
  networkBytes: number;
  retryCount: number;
  /** Backend that ran the task (`'webgpu'`, `'wasm'`, …), when the executor reports one. */
  backend?: string;
  /** Number of tasks run together in one batched call, when batched. */
  batchSize?: number;
  /** Where the final attempt ran: on this device or on a taskweave server, when the executor reports it. */
  placement?: Placement;
}

/** Every place a task may run: this device, or a server (`@taskweave/server` or an OpenAI-compatible endpoint). */
export const PLACEMENTS = ['local', 'remote'] as const;

/** Where a task runs: this device, or a server (`@taskweave/server` or an OpenAI-compatible endpoint). */
export type Placement = (typeof PLACEMENTS)[number];

/** The seed's `TaskResult`. `timestamp` is epoch milliseconds of the terminal transition. */
export interface TaskResult {
  taskId: TaskId;
  status: TaskStatus;
  output: TaskOutput;
  error?: string;
  /** The `TaskweaveErrorCode` of `error`. */
  errorCode?: string;
  /**
   * The error's `details` (a validation error's `issues`, a missing model's `modelId` and `url`),
   * when it had any that can be stored. Absent in records written before it existed.
   */
  errorDetails?: Record<string, unknown>;
  metrics: TaskMetrics;
  timestamp: number;
}

/** Zeroed metrics. */
export function emptyMetrics(): TaskMetrics {
  return { durationMs: 0, queueWaitMs: 0, memoryBytes: 0, cpuUsage: 0, networkBytes: 0, retryCount: 0 };
}
