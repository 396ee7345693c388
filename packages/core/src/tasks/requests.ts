/**
 * The API a user writes first: one builder per built-in task type that turns plain arguments into
 * `submit()` options, the type → output map, and `outputOf`, which turns a `TaskResult` into the
 * typed output or the task's `TaskweaveError`. Pure data, so the scheduler, the browser handle
 * (`tw.embed(…)`, `tw.store(…)`, …) and a remote client share them.
 */
import { TaskweaveError, deserializeError, type TaskweaveErrorCode } from '../errors.js';
import type { SubmitTaskOptions } from '../schemas.js';
import {
  TaskStatus,
  TaskType,
  type FilterValue,
  type TaskOutput,
  type TaskResult,
} from '../task.js';

type SubmitInput = SubmitTaskOptions['input'];
/** A search query as `submit` takes it. */
type QueryInput = Extract<SubmitInput, { kind: 'query' }>['query'];
/** A model input as `submit` takes it (`ModelInput`, with the buffers zod accepts). */
export type ModelInputRequest = Extract<SubmitInput, { kind: 'modelInput' }>['input'];

/** Options every builder takes: anything `submit` takes, except what the builder sets itself. */
export type RequestOptions = Omit<SubmitTaskOptions, 'type' | 'input'>;

/** The output a built-in request resolves with, by request. */
export interface RequestOutputs {
  embed: Extract<TaskOutput, { kind: 'embedding' }>;
  embedMany: Extract<TaskOutput, { kind: 'embeddings' }>;
  store: Extract<TaskOutput, { kind: 'stored' }>;
  search: Extract<TaskOutput, { kind: 'searchResults' }>;
  retrieve: Extract<TaskOutput, { kind: 'documents' }>;
  process: Extract<TaskOutput, { kind: 'text' }>;
  infer: Extract<TaskOutput, { kind: 'tensors' } | { kind: 'custom' }>;
  generate: Extract<TaskOutput, { kind: 'text' }> & { finishReason: 'stop' | 'length' };
}
export type RequestName = keyof RequestOutputs;

/** The output kinds each request accepts as its result. */
export const REQUEST_OUTPUT_KINDS: { readonly [R in RequestName]: readonly RequestOutputs[R]['kind'][] } = {
  embed: ['embedding'],
  embedMany: ['embeddings'],
  store: ['stored'],
  search: ['searchResults'],
  retrieve: ['documents'],
  process: ['text'],
  infer: ['tensors', 'custom'],
  generate: ['text'],
};

/** Options of `requests.generate`: the model, how many tokens, and how to pick them (greedy unless `doSample`). */
export interface GenerateOptions extends RequestOptions {
  model: string;
  /** @default 64 */
  maxNewTokens?: number;
  minNewTokens?: number;
  doSample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  noRepeatNgramSize?: number;
  /** `text2text-generation` for an encoder-decoder model. @default 'text-generation' */
  pipeline?: 'text-generation' | 'text2text-generation';
}

/** A document to store: an id (else `<task id>:<index>`), text and/or a vector, metadata. */
export interface DocumentInput {
  id?: string;
  text?: string;
  vector?: Float32Array | number[];
  metadata?: Record<string, FilterValue>;
}

/** Options of `requests.process`: the TextProcessing operation. */
export interface ProcessOptions extends RequestOptions {
  /** @default 'chunk' */
  op?: 'normalize' | 'chunk' | 'tokens';
  /** @default 'sentence' */
  by?: 'sentence' | 'paragraph';
  /** @default 512 */
  chunkSize?: number;
  /** @default 0 */
  overlap?: number;
  /** @default 'chars' ('tokens' needs `modelId`) */
  sizeUnit?: 'chars' | 'tokens';
}

/** What `requests.search` looks for: a vector, or a text embedded with `modelId` first. */
export type SearchFor = Pick<QueryInput, 'vector'> & { vector: NonNullable<QueryInput['vector']> } | { text: string };

/** Options of `requests.search`. */
export interface SearchOptions extends RequestOptions {
  /** @default 10 */
  topK?: number;
  filter?: Record<string, FilterValue>;
  minScore?: number;
}

/** What `requests.retrieve` reads: documents by id, or a (filtered) listing page. */
export type RetrieveWhat =
  | { ids: string[]; filter?: Record<string, FilterValue>; includeVectors?: boolean }
  | { filter?: Record<string, FilterValue>; limit?: number; cursor?: string; includeVectors?: boolean };

function withModel(options: RequestOptions & { model?: string }): RequestOptions {
  const { model, ...rest } = options;
  return model === undefined ? rest : { ...rest, modelId: model };
}

/**
 * Builders of `submit()` options for the built-in task types.
 *
 * @example
 * const id = await scheduler.submit(requests.embed('a cat sits on the mat', { model: 'use-lite' }))
 */
export const requests = {
  /** EmbeddingGeneration of one text → `{ kind: 'embedding', vector, dims }`. */
  embed(text: string, options: RequestOptions & { model: string }): SubmitTaskOptions {
    return { ...withModel(options), type: TaskType.EmbeddingGeneration, input: { kind: 'text', text } };
  },
  /** EmbeddingGeneration of several texts in one task → `{ kind: 'embeddings', vectors, dims }`. */
  embedMany(texts: readonly string[], options: RequestOptions & { model: string }): SubmitTaskOptions {
    return { ...withModel(options), type: TaskType.EmbeddingGeneration, input: { kind: 'custom', value: { texts: [...texts] } } };
  },
  /**
   * DataStorage: upserts `documents` (and deletes `options.delete`) in `collection` → `{ kind: 'stored', ids }`,
   * committing `options.chunkSize` documents at a time (default 256), each commit with its receipt.
   */
  store(
    collection: string,
    documents: readonly DocumentInput[],
    options: RequestOptions & { model?: string; delete?: readonly string[]; chunkSize?: number } = {},
  ): SubmitTaskOptions {
    const { delete: deletes, chunkSize, ...rest } = options;
    const value = {
      collection,
      documents: [...documents],
      ...(deletes === undefined ? {} : { delete: [...deletes] }),
      ...(chunkSize === undefined ? {} : { chunkSize }),
    };
    return { ...withModel(rest), type: TaskType.DataStorage, input: { kind: 'custom', value } };
  },
  /** VectorSearch: exact cosine top-k in `collection` → `{ kind: 'searchResults', hits }`. */
  search(collection: string, query: SearchFor, options: SearchOptions & { model?: string } = {}): SubmitTaskOptions {
    const { topK, filter, minScore, ...rest } = options;
    return {
      ...withModel(rest),
      type: TaskType.VectorSearch,
      input: {
        kind: 'query',
        query: {
          collection,
          topK: topK ?? 10,
          ...query,
          ...(filter === undefined ? {} : { filter }),
          ...(minScore === undefined ? {} : { minScore }),
        },
      },
    };
  },
  /** DataRetrieval: documents by id or a listing page → `{ kind: 'documents', documents, nextCursor? }`. */
  retrieve(collection: string, what: RetrieveWhat = {}, options: RequestOptions = {}): SubmitTaskOptions {
    return { ...options, type: TaskType.DataRetrieval, input: { kind: 'custom', value: { collection, ...what } } };
  },
  /** TextProcessing: normalise, chunk or count tokens → `{ kind: 'text', text, chunks?, tokens? }`. */
  process(text: string, options: ProcessOptions & { model?: string } = {}): SubmitTaskOptions {
    const { op, by, chunkSize, overlap, sizeUnit, ...rest } = options;
    const value = {
      text,
      ...(op === undefined ? {} : { op }),
      ...(by === undefined ? {} : { by }),
      ...(chunkSize === undefined ? {} : { chunkSize }),
      ...(overlap === undefined ? {} : { overlap }),
      ...(sizeUnit === undefined ? {} : { sizeUnit }),
    };
    return { ...withModel(rest), type: TaskType.TextProcessing, input: { kind: 'custom', value } };
  },
  /** ModelInference: raw tensors or a pipeline call → `{ kind: 'tensors' }` or `{ kind: 'custom' }`. */
  infer(input: ModelInputRequest, options: RequestOptions & { model: string }): SubmitTaskOptions {
    return { ...withModel(options), type: TaskType.ModelInference, input: { kind: 'modelInput', input } };
  },
  /**
   * ModelInference, text generation streamed token by token → `{ kind: 'text', text, tokens, finishReason }`
   * (the options in transformers.js' names: `max_new_tokens`, `do_sample`, …).
   */
  generate(prompt: string, options: GenerateOptions): SubmitTaskOptions {
    const { maxNewTokens, minNewTokens, doSample, temperature, topK, topP, repetitionPenalty, noRepeatNgramSize, pipeline, ...rest } = options;
    const named: Record<string, number | boolean | undefined> = {
      max_new_tokens: maxNewTokens,
      min_new_tokens: minNewTokens,
      do_sample: doSample,
      temperature,
      top_k: topK,
      top_p: topP,
      repetition_penalty: repetitionPenalty,
      no_repeat_ngram_size: noRepeatNgramSize,
    };
    const generation: Record<string, number | boolean> = {};
    for (const [key, value] of Object.entries(named)) if (value !== undefined) generation[key] = value;
    return {
      ...withModel(rest),
      type: TaskType.ModelInference,
      input: { kind: 'modelInput', input: { format: 'pipeline', pipeline: pipeline ?? 'text-generation', inputs: prompt, options: generation } },
    };
  },
} as const;

// A record over the union, so a code added to TaskweaveErrorCode must be added here too.
const ERROR_CODES: ReadonlySet<string> = new Set(
  Object.keys({
    validation: true,
    'unknown-dependency': true,
    cycle: true,
    'duplicate-id': true,
    'not-found': true,
    cancelled: true,
    timeout: true,
    'dependency-failed': true,
    closed: true,
    execution: true,
    'worker-crashed': true,
    interrupted: true,
    'not-configured': true,
    persistence: true,
    'model-not-found': true,
    'not-started': true,
  } satisfies Record<TaskweaveErrorCode, true>),
);

/**
 * The `TaskweaveError` a task that did not complete ended with: its code, message, task id and the
 * details its result kept (a validation error's `issues`, so its `field` too).
 */
export function resultError(result: TaskResult): TaskweaveError {
  const fallback: TaskweaveErrorCode =
    result.status === TaskStatus.Cancelled ? 'cancelled' : result.status === TaskStatus.Timeout ? 'timeout' : 'execution';
  const code = result.errorCode !== undefined && ERROR_CODES.has(result.errorCode) ? (result.errorCode as TaskweaveErrorCode) : fallback;
  // The subclass of the code (TimeoutError, CancelledError, …), as an error that crossed from a worker.
  return deserializeError({
    name: 'TaskweaveError',
    code,
    message: result.error ?? `Task ${result.taskId} ended ${result.status}`,
    retryable: false,
    details: { ...result.errorDetails, taskId: result.taskId, status: result.status },
  });
}

/**
 * The typed output of a request's result, or the task's `TaskweaveError` when it ended other than
 * `Completed` (or completed with an output of another kind than the request gives).
 *
 * @example const { vector } = outputOf('embed', await scheduler.wait(id))
 */
export function outputOf<R extends RequestName>(request: R, result: TaskResult): RequestOutputs[R] {
  if (result.status !== TaskStatus.Completed) throw resultError(result);
  const kinds = REQUEST_OUTPUT_KINDS[request] as readonly string[];
  if (!kinds.includes(result.output.kind)) {
    throw new TaskweaveError('execution', `Task ${result.taskId} completed with a '${result.output.kind}' output, not ${kinds.map((k) => `'${k}'`).join(' or ')}`, {
      retryable: false,
      details: { taskId: result.taskId },
    });
  }
  return result.output as RequestOutputs[R];
}
