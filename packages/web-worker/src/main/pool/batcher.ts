/**
 * Dynamic batching, the pool's side: which tasks may share a batch (the policy by which the
 * scheduler, which owns the one ready queue, forms batches) and how a batched call's result is
 * split back into one outcome per task, each with its own metrics.
 */
import type { BatchPolicy, MeasuredMetrics, Task } from '@taskweave/core';
import { parseTaskBackend, type BackendPreference } from '../../shared/backendPreference.js';
import type { JobOutcome, JobResult } from '../../shared/protocol.js';
import { MAX_CHEAP_BATCH, type TaskCosts } from './taskCosts.js';

/** Dynamic batching options of the pool. */
export interface BatchingOptions {
  /** Task types that are batched (the worker needs a batch handler for them, else it runs them one by one). @default ['EmbeddingGeneration'] */
  types?: readonly string[];
  /** Most tasks in one batch. @default 64 */
  maxBatchSize?: number;
  /**
   * Most characters one batch of texts holds, padded: its member count × its longest text (each
   * counted up to `MAX_TEXT_SIZE`). Short texts fill `maxBatchSize`; long ones batch fewer at a
   * time, so a batch of them takes no longer than 32 texts of 512 characters (a model's context).
   * @default 16384
   */
  maxBatchChars?: number;
  /**
   * How long a batch that could run now waits for more tasks, from the moment its oldest task
   * became ready. Tasks that arrive while every worker is busy wait anyway, so batches grow under
   * load at no cost to latency; other ready work runs meanwhile. @default 4
   */
  windowMs?: number;
  /**
   * Tasks without a model whose type takes less than this in a worker, on average of what the
   * workers measured, are batched too: run one after the other in one call, so one durable start
   * write and one message each way serve many of them. 0 turns it off. @default 1
   */
  cheapTaskMs?: number;
}

/** `BatchingOptions` with defaults applied. */
export interface ResolvedBatching {
  types: ReadonlySet<string>;
  maxBatchSize: number;
  maxBatchChars: number;
  windowMs: number;
  cheapTaskMs: number;
}

/**
 * Padded characters a batch holds by default: 32 texts of 512 characters (about 128 tokens, all a
 * small embedding model reads), or 64 of 256. Measured for use-lite in WebAssembly, a call costs
 * about as much as 140 characters of text more, so 64 short texts per call rather than 32 save
 * about a tenth of the time, while a batch of long texts stays as long as before.
 */
export const DEFAULT_MAX_BATCH_CHARS = 16_384;

/** Applies defaults; `false` turns batching off. */
export function resolveBatching(options: BatchingOptions | false | undefined): ResolvedBatching {
  if (options === false) return { types: new Set(), maxBatchSize: 1, maxBatchChars: DEFAULT_MAX_BATCH_CHARS, windowMs: 0, cheapTaskMs: 0 };
  const maxBatchSize = options?.maxBatchSize ?? 64;
  const maxBatchChars = options?.maxBatchChars ?? DEFAULT_MAX_BATCH_CHARS;
  const windowMs = options?.windowMs ?? 4;
  const cheapTaskMs = options?.cheapTaskMs ?? 1;
  return { types: new Set(options?.types ?? ['EmbeddingGeneration']), maxBatchSize, maxBatchChars, windowMs, cheapTaskMs };
}

/** Key prefix of the tasks without a model, grouped by type (`maxSizeOf` says whether they share calls). */
const CHEAP = 'cheap\u0000';

/** The backend a task runs on: its `metadata.backend`, else the pool's (also when it names none: such a task fails alone). */
export function taskBackend(task: Task, fallback: BackendPreference): BackendPreference {
  const backend = parseTaskBackend(task, fallback);
  return typeof backend === 'string' ? backend : fallback;
}

/**
 * The pool's batching policy, handed to the scheduler: tasks of a batched type share a batch when
 * they name the same model, backend and dtype; tasks without a model of a type `costs` finds
 * cheap share a batch with their own type, at most `room()` (what a free worker may still run
 * before it is recycled) at a time.
 *
 * @example poolBatchPolicy(resolveBatching({ maxBatchSize: 16 }), 'auto', new TaskCosts(1)).key(task)
 */
export function poolBatchPolicy(
  options: ResolvedBatching,
  backend: BackendPreference,
  costs: TaskCosts,
  room: () => number = () => Number.POSITIVE_INFINITY,
): BatchPolicy {
  const batched = (options.maxBatchSize > 1 && options.types.size > 0) || options.cheapTaskMs > 0;
  return {
    maxBatchSize: batched ? Math.max(options.maxBatchSize, options.cheapTaskMs > 0 ? MAX_CHEAP_BATCH : 1) : 1,
    windowMs: options.windowMs,
    key: (task) => {
      if (!batched) return undefined;
      if (options.types.has(task.type)) return `${task.type}\u0000${task.modelId ?? ''}\u0000${taskBackend(task, backend)}\u0000${task.metadata['dtype'] ?? ''}`;
      // Grouped by type from the start; how many share a call is decided when one forms (below).
      return options.cheapTaskMs > 0 && task.modelId === undefined ? `${CHEAP}${task.type}` : undefined;
    },
    // A type without a model shares calls only once the workers measured it cheap; until then
    // (and when it is not) each of its tasks runs alone, without waiting for a window.
    // Never more than a worker may still run before it is recycled (`recycle.afterTasks`).
    maxSizeOf: (key) => (key.startsWith(CHEAP) ? Math.max(1, Math.min(costs.batchSize(key.slice(CHEAP.length)), room())) : options.maxBatchSize),
    sizeHint: textSize,
    maxPaddedSize: options.maxBatchChars,
  };
}

/**
 * Characters past which a text's size stops counting: a model reads at most its context (512
 * tokens for the BERT family, about 2,000 characters; use-lite reads 128), so a 5 MB text pads a
 * batch no more than a text of this length, and long texts batch together instead of each alone.
 */
export const MAX_TEXT_SIZE = 2_048;

/**
 * A task's size for length-aware batching: the character length of its text (the longest of its
 * `texts`), up to `MAX_TEXT_SIZE`, which the padded input tensor of a batch grows with. The core
 * cannot tokenize; characters track tokens closely enough to group by.
 */
export function textSize(task: Task): number {
  const { input } = task;
  let longest = 0;
  if (input.kind === 'text') longest = input.text.length;
  else if (input.kind === 'custom' && typeof input.value === 'object' && input.value !== null) {
    const texts = (input.value as { texts?: unknown }).texts;
    if (Array.isArray(texts)) for (const text of texts) if (typeof text === 'string' && text.length > longest) longest = text.length;
  }
  return Math.min(longest, MAX_TEXT_SIZE);
}

/**
 * Splits a call's result into one outcome per task. Each task's metrics: the call's `durationMs`,
 * `cpuUsage` and `backend` (every task waited for the whole call), its share of `memoryBytes` and
 * `networkBytes` (divided evenly, so the sum over the call is the call's total), `batchSize` (for
 * a batch of several), and then whatever was measured for that task alone.
 */
export function splitJobResult(result: JobResult, count: number): JobOutcome[] {
  const shared = result.shared;
  const base: MeasuredMetrics = {
    ...shared,
    ...(count > 1 ? { batchSize: count } : {}),
    ...(shared.memoryBytes === undefined ? {} : { memoryBytes: Math.round(shared.memoryBytes / count) }),
    ...(shared.networkBytes === undefined ? {} : { networkBytes: Math.round(shared.networkBytes / count) }),
  };
  const outcomes: JobOutcome[] = [];
  for (let i = 0; i < count; i++) {
    const item = result.outcomes[i];
    if (item === undefined) {
      outcomes.push({
        ok: false,
        error: { name: 'TaskweaveError', code: 'execution', message: `Batch result has no outcome for task ${i}`, retryable: false },
        metrics: base,
      });
      continue;
    }
    const metrics = count > 1 ? { ...base, ...item.metrics, batchSize: count } : { ...base, ...item.metrics };
    outcomes.push(item.ok ? { ok: true, output: item.output, metrics } : { ok: false, error: item.error, metrics });
  }
  return outcomes;
}
