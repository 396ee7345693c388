/**
 * zod schemas of the task shapes that cross a boundary: `submit()` input (`submitTaskSchema`,
 * with the input kinds each built-in type takes; scheduler/submission.ts), an executor's output
 * (`parseTaskOutput`; scheduler/settlement.ts), and tasks, results and records read back
 * (`taskRecordSchema`, which the IndexedDB adapter refines in adapters/idb/recordSchema.ts;
 * `taskSchema` and `taskResultSchema`, for tasks/seedCodec.ts). The scheduler's options and an
 * executor's batching policy are checked by hand where they are resolved (scheduler/options.ts,
 * queue/batching.ts).
 */
import { z } from 'zod';
import { findUncloneable } from './cloneable.js';
import { ValidationError } from './errors.js';
import {
  BUILTIN_TASK_TYPES,
  PLACEMENTS,
  TASK_STATUSES,
  type BuiltinTaskType,
  type TaskInputKind,
  type TaskOutput,
  type TaskResult,
  type Task,
  type TaskType,
} from './task.js';

const uuid = z.uuid({ error: 'must be a UUID string (RFC 9562)' });

/**
 * Any value the structured clone algorithm can copy: what IndexedDB stores and a worker receives.
 * A function or a symbol is refused here, naming the field, instead of failing the write later.
 */
const cloneable = z.unknown().superRefine((value, ctx) => {
  const bad = findUncloneable(value);
  if (bad !== undefined) {
    ctx.addIssue({ code: 'custom', path: bad.path, message: `is ${bad.what}, which cannot be stored or sent to a worker (structured clone)` });
  }
});

export const taskIdSchema = uuid;

export const taskPrioritySchema = z.literal([0, 1, 2, 3], {
  error: 'must be TaskPriority.Low (0), Normal (1), High (2) or Critical (3)',
});

export const taskStatusSchema = z.enum(TASK_STATUSES as [string, ...string[]], {
  error: `must be one of ${TASK_STATUSES.join(', ')}`,
});

export const taskTypeSchema = z.union(
  [z.enum(BUILTIN_TASK_TYPES as [BuiltinTaskType, ...BuiltinTaskType[]]), z.templateLiteral(['custom:', z.string().min(1)])],
  { error: `must be one of ${BUILTIN_TASK_TYPES.join(', ')} or TaskType.custom(name)` },
);

const filterValue = z.union([z.string(), z.number(), z.boolean()]);
const metadataFilter = z.record(z.string(), filterValue);

export const searchQuerySchema = z
  .strictObject({
    collection: z.string().min(1, 'must be a non-empty collection name'),
    vector: z.union([z.instanceof(Float32Array), z.array(z.number().refine(Number.isFinite, 'must be finite'))]).optional(),
    text: z.string().min(1, 'must be non-empty text').optional(),
    topK: z.int().min(1).max(10_000).default(10),
    filter: metadataFilter.optional(),
    minScore: z.number().min(-1).max(1).optional(),
  })
  .refine((q) => q.vector !== undefined || q.text !== undefined, {
    message: 'a query needs a vector or a text',
    path: ['vector'],
  });

const TENSOR_TYPES = ['float32', 'float64', 'int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'bool', 'float16', 'string'] as const;
const tensorValues = z.union([
  z.instanceof(Float32Array),
  z.instanceof(Float64Array),
  z.instanceof(BigInt64Array),
  z.instanceof(Int32Array),
  z.instanceof(Int16Array),
  z.instanceof(Int8Array),
  z.instanceof(Uint8Array),
  z.instanceof(Uint16Array),
  z.array(z.number()),
  z.array(z.bigint()),
  z.array(z.boolean()),
  z.array(z.string()),
]);

export const tensorDataSchema = z.strictObject({
  type: z.enum(TENSOR_TYPES),
  dims: z.array(z.int().min(0)),
  data: tensorValues,
});

export const modelInputSchema = z.discriminatedUnion('format', [
  z.strictObject({
    format: z.literal('tensors'),
    feeds: z.record(z.string().min(1), tensorDataSchema),
    outputNames: z.array(z.string().min(1)).optional(),
  }),
  z.strictObject({
    format: z.literal('pipeline'),
    pipeline: z.string().min(1, 'must name a transformers.js pipeline task'),
    inputs: z.union([z.string(), z.array(z.string())]),
    options: z.record(z.string(), cloneable).optional(),
  }),
]);

export const taskInputSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('text'), text: z.string() }),
    z.strictObject({ kind: z.literal('binary'), data: z.instanceof(Uint8Array, { error: 'must be a Uint8Array' }) }),
    z.strictObject({ kind: z.literal('query'), query: searchQuerySchema }),
    z.strictObject({ kind: z.literal('modelInput'), input: modelInputSchema }),
    z.strictObject({ kind: z.literal('custom'), value: cloneable }),
  ],
  { error: "must be a TaskInput with kind 'text', 'binary', 'query', 'modelInput' or 'custom'" },
);

/** Input kinds each built-in type accepts; custom types accept any. */
export const INPUT_KINDS_BY_TYPE: Readonly<Record<BuiltinTaskType, readonly TaskInputKind[]>> = {
  TextProcessing: ['text', 'custom'],
  EmbeddingGeneration: ['text', 'custom'],
  ModelInference: ['modelInput', 'text', 'binary', 'custom'],
  VectorSearch: ['query'],
  DataStorage: ['custom', 'text'],
  DataRetrieval: ['custom', 'query'],
};

const deadlineSchema = z
  .union([z.date(), z.number(), z.string()], { error: 'must be a Date, epoch milliseconds or an ISO 8601 time' })
  .transform((value, ctx) => {
    const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be a valid date (Date, epoch milliseconds or ISO 8601 string)' });
      return z.NEVER;
    }
    return ms;
  });

const metadataSchema = z.record(z.string(), z.string({ error: 'metadata values must be strings' }));

/**
 * The defaults of a task without dependencies or metadata: one frozen empty list and record shared
 * by all of them (tasks are never changed in place; a new object per task was two allocations of
 * every submit that carries neither).
 */
const NO_DEPENDENCIES = Object.freeze([]) as unknown as string[];
const NO_METADATA = Object.freeze({}) as Record<string, string>;

/** What `submit()` accepts. */
export const submitTaskSchema = z
  .strictObject({
    id: uuid.optional(),
    type: taskTypeSchema,
    input: taskInputSchema,
    priority: taskPrioritySchema.default(1),
    modelId: z.string().min(1, 'must be a non-empty model id').optional(),
    deadline: deadlineSchema.optional(),
    maxRetries: z.int({ error: 'must be a whole number' }).min(0, 'must be 0 or more').max(100, 'must be at most 100').default(3),
    dependencies: z.array(uuid).default(() => NO_DEPENDENCIES),
    metadata: metadataSchema.default(() => NO_METADATA),
  })
  .superRefine((task, ctx) => {
    const allowed = (INPUT_KINDS_BY_TYPE as Record<string, readonly TaskInputKind[] | undefined>)[task.type];
    if (allowed !== undefined && !allowed.includes(task.input.kind)) {
      ctx.addIssue({
        code: 'custom',
        path: ['input', 'kind'],
        message: `${task.type} takes input of kind ${allowed.map((k) => `'${k}'`).join(' or ')}, not '${task.input.kind}'`,
      });
    }
    if (task.dependencies.length < 2) return;
    const seen = new Set<string>();
    task.dependencies.forEach((dep, i) => {
      if (seen.has(dep)) ctx.addIssue({ code: 'custom', path: ['dependencies', i], message: `duplicate dependency ${dep}` });
      seen.add(dep);
    });
  });

/** The options object of `submit()` before defaults, as callers write it. */
export type SubmitTaskOptions = z.input<typeof submitTaskSchema> & { type: TaskType };
/** `submit()` input after validation and defaults. */
export type ResolvedSubmit = z.output<typeof submitTaskSchema>;

const searchHitSchema = z.object({
  id: z.string(),
  score: z.number(),
  text: z.string().optional(),
  metadata: metadataFilter.optional(),
});
const storedDocumentSchema = z.object({
  id: z.string(),
  text: z.string().optional(),
  vector: z.instanceof(Float32Array).optional(),
  metadata: metadataFilter.optional(),
});
const textChunkSchema = z.object({
  text: z.string(),
  start: z.number(),
  end: z.number(),
  tokens: z.number().optional(),
});

export const taskOutputSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('none') }),
    z.object({
      kind: z.literal('text'),
      text: z.string(),
      chunks: z.array(textChunkSchema).optional(),
      tokens: z.number().optional(),
      /** A generation's end: `stop` (the model ended the text) or `length` (it reached max_new_tokens). */
      finishReason: z.enum(['stop', 'length']).optional(),
    }),
    z.object({ kind: z.literal('binary'), data: z.instanceof(Uint8Array) }),
    z.object({
      kind: z.literal('embedding'),
      vector: z.instanceof(Float32Array),
      dims: z.int().min(0),
      truncated: z.boolean().optional(),
      tokens: z.int().min(0).optional(),
    }),
    z.object({
      kind: z.literal('embeddings'),
      vectors: z.array(z.instanceof(Float32Array)),
      dims: z.int().min(0),
      truncated: z.boolean().optional(),
      truncatedIndices: z.array(z.int().min(0)).optional(),
      tokens: z.int().min(0).optional(),
    }),
    z.object({ kind: z.literal('tensors'), tensors: z.record(z.string(), tensorDataSchema), truncated: z.boolean().optional() }),
    z.object({ kind: z.literal('searchResults'), hits: z.array(searchHitSchema) }),
    z.object({
      kind: z.literal('documents'),
      documents: z.array(storedDocumentSchema),
      nextCursor: z.string().optional(),
    }),
    z.object({ kind: z.literal('stored'), ids: z.array(z.string()) }),
    z.object({ kind: z.literal('custom'), value: cloneable, truncated: z.boolean().optional() }),
  ],
  { error: 'must be a TaskOutput with a known kind' },
);

export const taskMetricsSchema = z.object({
  durationMs: z.number().min(0),
  queueWaitMs: z.number().min(0),
  memoryBytes: z.number().min(0),
  cpuUsage: z.number().min(0),
  networkBytes: z.number().min(0),
  retryCount: z.int().min(0),
  backend: z.string().optional(),
  batchSize: z.int().min(1).optional(),
  placement: z.enum(PLACEMENTS).optional(),
});

export const taskSchema = z.object({
  id: uuid,
  type: taskTypeSchema,
  priority: taskPrioritySchema,
  input: taskInputSchema,
  modelId: z.string().min(1).optional(),
  deadline: z.number().optional(),
  retryCount: z.int().min(0),
  maxRetries: z.int().min(0),
  dependencies: z.array(uuid),
  metadata: metadataSchema,
  createdAt: z.number(),
});

export const taskResultSchema = z.object({
  taskId: uuid,
  status: taskStatusSchema,
  output: taskOutputSchema,
  error: z.string().optional(),
  errorCode: z.string().optional(),
  errorDetails: z.record(z.string(), z.unknown()).optional(),
  metrics: taskMetricsSchema,
  timestamp: z.number(),
});

/** A stored record (see `TaskRecord` in ports.ts); stores validate what they read back with it. */
export const taskRecordSchema = z.object({
  task: taskSchema,
  status: taskStatusSchema,
  seq: z.int().min(0),
  updatedAt: z.number(),
  result: taskResultSchema.optional(),
  interruptions: z.int().min(0).optional(),
  checkpoint: z
    .object({
      state: z.unknown(),
      chunks: z.int().min(0),
      at: z.number(),
      progress: z.object({ done: z.number(), total: z.number().optional(), note: z.string().optional() }).optional(),
    })
    .optional(),
  wrote: z.literal('checkpoint').optional(),
});

/**
 * Parses `value` with `schema` or throws a ValidationError naming the field.
 * @example const task = parseOrThrow(taskSchema, raw, 'stored task')
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw ValidationError.fromZod(where, parsed.error.issues);
  return parsed.data;
}

/** Checks an executor's output; a malformed one is a non-retryable validation error. */
export function parseTaskOutput(value: unknown): TaskOutput {
  return parseOrThrow(taskOutputSchema, value, 'executor output') as TaskOutput;
}

/** Checks a task read back from storage or received from elsewhere. */
export function parseTask(value: unknown): Task {
  return parseOrThrow(taskSchema, value, 'task') as Task;
}

/** Checks a result read back from storage or received from elsewhere. */
export function parseTaskResult(value: unknown): TaskResult {
  return parseOrThrow(taskResultSchema, value, 'task result') as TaskResult;
}
