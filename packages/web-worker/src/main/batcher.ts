/**
 * Dynamic batching, the pool's side: which tasks may share a batch (the policy by which the
 * scheduler, which owns the one ready queue, forms batches) and how a batched call's result is
 * split back into one outcome per task, each with its own metrics.
 */
import type { BatchPolicy, MeasuredMetrics, Task } from '@taskweave/core';
import type { BackendPreference } from '../shared/backendPreference.js';
import type { BatchJobResult, JobOutcome } from '../shared/protocol.js';

/** Dynamic batching options of the pool. */
export interface BatchingOptions {
  /** Task types that are batched (the worker needs a batch handler for them, else it runs them one by one). @default ['EmbeddingGeneration'] */
  types?: readonly string[];
  /** Most tasks in one batch. @default 32 */
  maxBatchSize?: number;
  /**
   * How long a batch that could run now waits for more tasks, from the moment its oldest task
   * became ready. Tasks that arrive while every worker is busy wait anyway, so batches grow under
   * load at no cost to latency; other ready work runs meanwhile. @default 4
   */
  windowMs?: number;
}

/** `BatchingOptions` with defaults applied. */
export interface ResolvedBatching {
  types: ReadonlySet<string>;
  maxBatchSize: number;
  windowMs: number;
}

/** Applies defaults; `false` turns batching off. */
export function resolveBatching(options: BatchingOptions | false | undefined): ResolvedBatching {
  if (options === false) return { types: new Set(), maxBatchSize: 1, windowMs: 0 };
  const maxBatchSize = options?.maxBatchSize ?? 32;
  const windowMs = options?.windowMs ?? 4;
  return { types: new Set(options?.types ?? ['EmbeddingGeneration']), maxBatchSize, windowMs };
}

/** The backend a task runs on: its `metadata.backend`, else the pool's. */
export function taskBackend(task: Task, fallback: BackendPreference): BackendPreference {
  const requested = task.metadata['backend'];
  return requested === 'auto' || requested === 'webgpu' || requested === 'wasm' ? requested : fallback;
}

/**
 * The pool's batching policy, handed to the scheduler: tasks of a batched type share a batch when
 * they name the same model, backend and dtype.
 *
 * @example poolBatchPolicy(resolveBatching({ maxBatchSize: 16 }), 'auto').key(task)
 */
export function poolBatchPolicy(options: ResolvedBatching, backend: BackendPreference): BatchPolicy {
  const batched = options.maxBatchSize > 1 && options.types.size > 0;
  return {
    maxBatchSize: batched ? options.maxBatchSize : 1,
    windowMs: options.windowMs,
    key: (task) =>
      batched && options.types.has(task.type)
        ? `${task.type}\u0000${task.modelId ?? ''}\u0000${taskBackend(task, backend)}\u0000${task.metadata['dtype'] ?? ''}`
        : undefined,
    sizeHint: textSize,
  };
}

/**
 * A task's size for length-aware batching: the character length of its text (the longest of its
 * `texts`), which the padded input tensor of a batch grows with. The core cannot tokenize;
 * characters track tokens closely enough to group by.
 */
export function textSize(task: Task): number {
  const { input } = task;
  if (input.kind === 'text') return input.text.length;
  if (input.kind === 'custom' && typeof input.value === 'object' && input.value !== null) {
    const texts = (input.value as { texts?: unknown }).texts;
    if (Array.isArray(texts)) {
      let longest = 0;
      for (const text of texts) if (typeof text === 'string' && text.length > longest) longest = text.length;
      return longest;
    }
  }
  return 0;
}

/**
 * Splits a batched call's result into one outcome per task. Each task's metrics: the batch's
 * `durationMs`, `cpuUsage` and `backend` (every task waited for the whole call), its share of
 * `memoryBytes` and `networkBytes` (divided evenly, so the sum over the batch is the batch's
 * total), `batchSize`, and then whatever the handler measured for that task alone.
 */
export function splitBatchResult(result: BatchJobResult, count: number): JobOutcome[] {
  const shared = result.shared;
  const base: MeasuredMetrics = {
    ...shared,
    batchSize: count,
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
    const metrics = { ...base, ...item.metrics, batchSize: count };
    outcomes.push(item.ok ? { ok: true, output: item.output, metrics } : { ok: false, error: item.error, metrics });
  }
  return outcomes;
}
