/**
 * The seed's own serde JSON shape (snake_case fields, externally tagged enums, RFC 3339
 * times, `{ secs, nanos }` durations), so tasks and results can be exchanged with a service
 * built from the Rust seed. `to*` write it; `from*` read and validate it.
 *
 * The seed leaves `SearchQuery`, `ModelInput` and `TaskOutput` open; they are written the
 * same way (snake_case structs, externally tagged variants, `"None"` for an empty output).
 * Fields the seed lacks (`createdAt`, `queueWaitMs`, `backend`, `batchSize`, `errorCode`) are
 * not written; reading fills them with 0 / now / absent.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { parseOrThrow, taskResultSchema, taskSchema } from '../schemas.js';
import { TASK_PRIORITY_NAMES, isCustomTaskType, type ModelInput, type SearchQuery, type Task, type TaskInput, type TaskOutput, type TaskResult, type TensorData } from '../task.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** A `std::time::Duration` as serde writes it. */
export interface SeedDuration {
  secs: number;
  nanos: number;
}

export function msToSeedDuration(ms: number): SeedDuration {
  const secs = Math.floor(ms / 1000);
  return { secs, nanos: Math.round((ms - secs * 1000) * 1e6) };
}

export function seedDurationToMs(d: SeedDuration): number {
  return d.secs * 1000 + d.nanos / 1e6;
}

function toRfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

function fromRfc3339(value: string, field: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new ValidationError(`seed: invalid ${field} — not an RFC 3339 time`, [{ path: [field], field, message: 'must be an RFC 3339 time' }]);
  return ms;
}

const numbers = (values: ArrayLike<number | bigint | boolean | string>): Json[] =>
  Array.from(values as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : (v as Json)));

function tensorToSeed(t: TensorData): JsonObject {
  return { type: t.type, dims: t.dims, data: numbers(t.data) };
}

function tensorFromSeed(raw: JsonObject): TensorData {
  const type = raw['type'] as TensorData['type'];
  const values = raw['data'] as number[];
  const data =
    type === 'float32' ? Float32Array.from(values)
    : type === 'int64' ? BigInt64Array.from(values.map((v) => BigInt(v)))
    : type === 'int32' ? Int32Array.from(values)
    : type === 'uint8' ? Uint8Array.from(values)
    : (values as TensorData['data']);
  return { type, dims: raw['dims'] as number[], data };
}

function queryToSeed(q: SearchQuery): JsonObject {
  return {
    collection: q.collection,
    vector: q.vector === undefined ? null : numbers(q.vector),
    text: q.text ?? null,
    top_k: q.topK,
    filter: (q.filter ?? null) as Json,
    min_score: q.minScore ?? null,
  };
}

function queryFromSeed(raw: JsonObject): SearchQuery {
  return {
    collection: raw['collection'] as string,
    topK: raw['top_k'] as number,
    ...(raw['vector'] == null ? {} : { vector: Float32Array.from(raw['vector'] as number[]) }),
    ...(raw['text'] == null ? {} : { text: raw['text'] as string }),
    ...(raw['filter'] == null ? {} : { filter: raw['filter'] as SearchQuery['filter'] & object }),
    ...(raw['min_score'] == null ? {} : { minScore: raw['min_score'] as number }),
  };
}

function modelInputToSeed(m: ModelInput): JsonObject {
  if (m.format === 'tensors') {
    return {
      Tensors: {
        feeds: Object.fromEntries(Object.entries(m.feeds).map(([k, v]) => [k, tensorToSeed(v)])),
        output_names: m.outputNames ?? null,
      },
    };
  }
  return { Pipeline: { pipeline: m.pipeline, inputs: m.inputs, options: (m.options ?? null) as Json } };
}

function modelInputFromSeed(raw: JsonObject): ModelInput {
  const [tag, body] = single(raw, 'input.ModelInput') as [string, JsonObject];
  if (tag === 'Tensors') {
    const feeds = body['feeds'] as Record<string, JsonObject>;
    return {
      format: 'tensors',
      feeds: Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, tensorFromSeed(v)])),
      ...(body['output_names'] == null ? {} : { outputNames: body['output_names'] as string[] }),
    };
  }
  return {
    format: 'pipeline',
    pipeline: body['pipeline'] as string,
    inputs: body['inputs'] as string | string[],
    ...(body['options'] == null ? {} : { options: body['options'] as Record<string, unknown> }),
  };
}

function single(raw: unknown, field: string): [string, Json] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length !== 1) {
    throw new ValidationError(`seed: invalid ${field} — expected an externally tagged enum { Variant: value }`, [
      { path: field.split('.'), field, message: 'expected { Variant: value }' },
    ]);
  }
  const [entry] = Object.entries(raw as JsonObject);
  return entry as [string, Json];
}

function inputToSeed(input: TaskInput): JsonObject {
  switch (input.kind) {
    case 'text':
      return { Text: input.text };
    case 'binary':
      return { Binary: numbers(input.data) };
    case 'query':
      return { Query: queryToSeed(input.query) };
    case 'modelInput':
      return { ModelInput: modelInputToSeed(input.input) };
    case 'custom':
      return { Custom: input.value as Json };
  }
}

function inputFromSeed(raw: unknown): TaskInput {
  const [tag, body] = single(raw, 'input');
  switch (tag) {
    case 'Text':
      return { kind: 'text', text: body as string };
    case 'Binary':
      return { kind: 'binary', data: Uint8Array.from(body as number[]) };
    case 'Query':
      return { kind: 'query', query: queryFromSeed(body as JsonObject) };
    case 'ModelInput':
      return { kind: 'modelInput', input: modelInputFromSeed(body as JsonObject) };
    case 'Custom':
      return { kind: 'custom', value: body };
    default:
      throw new ValidationError(`seed: invalid input — unknown TaskInput variant ${tag}`, [{ path: ['input'], field: 'input', message: `unknown variant ${tag}` }]);
  }
}

function outputToSeed(output: TaskOutput): Json {
  switch (output.kind) {
    case 'none':
      return 'None';
    case 'text':
      return { Text: { text: output.text, chunks: (output.chunks ?? null) as Json, tokens: output.tokens ?? null } };
    case 'binary':
      return { Binary: numbers(output.data) };
    case 'embedding':
      return { Embedding: { vector: numbers(output.vector), dims: output.dims } };
    case 'embeddings':
      return { Embeddings: { vectors: output.vectors.map((v) => numbers(v)), dims: output.dims } };
    case 'tensors':
      return { Tensors: Object.fromEntries(Object.entries(output.tensors).map(([k, v]) => [k, tensorToSeed(v)])) };
    case 'searchResults':
      return { SearchResults: output.hits as unknown as Json };
    case 'documents':
      return {
        Documents: {
          documents: output.documents.map((d) => ({ ...d, vector: d.vector === undefined ? null : numbers(d.vector) })) as unknown as Json,
          next_cursor: output.nextCursor ?? null,
        },
      };
    case 'stored':
      return { Stored: output.ids };
    case 'custom':
      return { Custom: output.value as Json };
  }
}

function outputFromSeed(raw: unknown): TaskOutput {
  if (raw === 'None') return { kind: 'none' };
  const [tag, body] = single(raw, 'output');
  const b = body as JsonObject;
  switch (tag) {
    case 'Text':
      return {
        kind: 'text',
        text: b['text'] as string,
        ...(b['chunks'] == null ? {} : { chunks: b['chunks'] as never }),
        ...(b['tokens'] == null ? {} : { tokens: b['tokens'] as number }),
      };
    case 'Binary':
      return { kind: 'binary', data: Uint8Array.from(body as number[]) };
    case 'Embedding':
      return { kind: 'embedding', vector: Float32Array.from(b['vector'] as number[]), dims: b['dims'] as number };
    case 'Embeddings':
      return { kind: 'embeddings', vectors: (b['vectors'] as number[][]).map((v) => Float32Array.from(v)), dims: b['dims'] as number };
    case 'Tensors':
      return { kind: 'tensors', tensors: Object.fromEntries(Object.entries(b).map(([k, v]) => [k, tensorFromSeed(v as JsonObject)])) };
    case 'SearchResults':
      return { kind: 'searchResults', hits: body as never };
    case 'Documents':
      return {
        kind: 'documents',
        documents: (b['documents'] as JsonObject[]).map((d) => {
          const { vector, ...rest } = d;
          return vector == null ? rest : { ...rest, vector: Float32Array.from(vector as number[]) };
        }) as never,
        ...(b['next_cursor'] == null ? {} : { nextCursor: b['next_cursor'] as string }),
      };
    case 'Stored':
      return { kind: 'stored', ids: body as string[] };
    case 'Custom':
      return { kind: 'custom', value: body };
    default:
      throw new ValidationError(`seed: invalid output — unknown TaskOutput variant ${tag}`, [{ path: ['output'], field: 'output', message: `unknown variant ${tag}` }]);
  }
}

/** Writes a Task in the seed's JSON shape. */
export function toSeedTask(task: Task): JsonObject {
  return {
    id: task.id,
    task_type: isCustomTaskType(task.type) ? { Custom: task.type.slice('custom:'.length) } : task.type,
    priority: TASK_PRIORITY_NAMES[task.priority],
    input: inputToSeed(task.input),
    model_id: task.modelId ?? null,
    deadline: task.deadline === undefined ? null : toRfc3339(task.deadline),
    retry_count: task.retryCount,
    max_retries: task.maxRetries,
    dependencies: task.dependencies,
    metadata: task.metadata,
  };
}

const seedTaskShape = z.object({
  id: z.string(),
  task_type: z.union([z.string(), z.object({ Custom: z.string() })]),
  priority: z.enum(TASK_PRIORITY_NAMES),
  input: z.unknown(),
  model_id: z.string().nullable().optional(),
  deadline: z.string().nullable().optional(),
  retry_count: z.int().min(0),
  max_retries: z.int().min(0),
  dependencies: z.array(z.string()),
  metadata: z.record(z.string(), z.string()),
});

/**
 * Reads a Task from the seed's JSON shape (validated; errors name the seed's field).
 * @param createdAt epoch ms to record as submission time @default Date.now()
 */
export function fromSeedTask(json: unknown, createdAt = Date.now()): Task {
  const raw = parseOrThrow(seedTaskShape, json, 'seed task');
  const task = {
    id: raw.id,
    type: typeof raw.task_type === 'string' ? raw.task_type : `custom:${raw.task_type.Custom}`,
    priority: TASK_PRIORITY_NAMES.indexOf(raw.priority),
    input: inputFromSeed(raw.input),
    retryCount: raw.retry_count,
    maxRetries: raw.max_retries,
    dependencies: raw.dependencies,
    metadata: raw.metadata,
    createdAt,
    ...(raw.model_id == null ? {} : { modelId: raw.model_id }),
    ...(raw.deadline == null ? {} : { deadline: fromRfc3339(raw.deadline, 'deadline') }),
  };
  return parseOrThrow(taskSchema, task, 'seed task') as Task;
}

/** Writes a TaskResult in the seed's JSON shape. */
export function toSeedResult(result: TaskResult): JsonObject {
  return {
    task_id: result.taskId,
    status: result.status,
    output: outputToSeed(result.output),
    error: result.error ?? null,
    metrics: {
      duration: msToSeedDuration(result.metrics.durationMs) as unknown as Json,
      memory_bytes: result.metrics.memoryBytes,
      cpu_usage: result.metrics.cpuUsage,
      network_bytes: result.metrics.networkBytes,
      retry_count: result.metrics.retryCount,
    },
    timestamp: toRfc3339(result.timestamp),
  };
}

const seedResultShape = z.object({
  task_id: z.string(),
  status: z.string(),
  output: z.unknown(),
  error: z.string().nullable().optional(),
  metrics: z.object({
    duration: z.object({ secs: z.int().min(0), nanos: z.int().min(0).max(999_999_999) }),
    memory_bytes: z.number().min(0),
    cpu_usage: z.number().min(0),
    network_bytes: z.number().min(0),
    retry_count: z.int().min(0),
  }),
  timestamp: z.string(),
});

/** Reads a TaskResult from the seed's JSON shape (validated). */
export function fromSeedResult(json: unknown): TaskResult {
  const raw = parseOrThrow(seedResultShape, json, 'seed result');
  const result = {
    taskId: raw.task_id,
    status: raw.status,
    output: outputFromSeed(raw.output),
    metrics: {
      durationMs: seedDurationToMs(raw.metrics.duration),
      queueWaitMs: 0,
      memoryBytes: raw.metrics.memory_bytes,
      cpuUsage: raw.metrics.cpu_usage,
      networkBytes: raw.metrics.network_bytes,
      retryCount: raw.metrics.retry_count,
    },
    timestamp: fromRfc3339(raw.timestamp, 'timestamp'),
    ...(raw.error == null ? {} : { error: raw.error }),
  };
  return parseOrThrow(taskResultSchema, result, 'seed result') as TaskResult;
}
