/**
 * Dynamic batching: tasks of a batchable type (EmbeddingGeneration by default) for the same model
 * and backend that are ready together run as one batched call on one worker, and the batch's
 * result is split back into one outcome per task, each with its own metrics.
 */
import type { MeasuredMetrics, Task } from '@taskweave/core';
import type { BackendPreference } from '../shared/backendPreference.js';
import type { BatchJobResult, JobOutcome } from '../shared/protocol.js';

/** Dynamic batching options of the pool. */
export interface BatchingOptions {
  /** Task types that are batched (the worker needs a batch handler for them, else it runs them one by one). @default ['EmbeddingGeneration'] */
  types?: readonly string[];
  /** Most tasks in one batch. @default 32 */
  maxBatchSize?: number;
  /**
   * How long a free worker waits for more tasks to fill a batch, measured from the oldest queued
   * task of the batch. Tasks that arrive while every worker is busy wait anyway, so batches grow
   * under load at no cost to latency. @default 4
   */
  windowMs?: number;
}

/** `BatchingOptions` with defaults applied. */
export interface ResolvedBatching {
  types: ReadonlySet<string>;
  maxBatchSize: number;
  windowMs: number;
}

/** What the batcher needs to know about a queued job. */
export interface BatchCandidate {
  task: Task;
  backend: BackendPreference;
  /** `performance.now()` when the job joined the queue. */
  enqueuedAt: number;
}

/** The batcher's decision for one free worker. */
export type BatchDecision<J> = { jobs: J[] } | { waitUntil: number } | undefined;

/** Applies defaults; `false` turns batching off. */
export function resolveBatching(options: BatchingOptions | false | undefined): ResolvedBatching {
  if (options === false) return { types: new Set(), maxBatchSize: 1, windowMs: 0 };
  const maxBatchSize = options?.maxBatchSize ?? 32;
  const windowMs = options?.windowMs ?? 4;
  return { types: new Set(options?.types ?? ['EmbeddingGeneration']), maxBatchSize, windowMs };
}

/**
 * Picks what a free worker runs next from the queue (in the order the pool keeps it: priority,
 * deadline, arrival).
 *
 * @example
 * const batcher = new Batcher(resolveBatching({ maxBatchSize: 16 }))
 * const next = batcher.take(queue, performance.now())
 */
export class Batcher {
  readonly #options: ResolvedBatching;

  constructor(options: ResolvedBatching) {
    this.#options = options;
  }

  get maxBatchSize(): number {
    return this.#options.maxBatchSize;
  }

  /** Tasks with the same key may share a batch; undefined = never batched. */
  key(job: BatchCandidate): string | undefined {
    if (this.#options.maxBatchSize < 2 || !this.#options.types.has(job.task.type)) return undefined;
    return `${job.task.type}\u0000${job.task.modelId ?? ''}\u0000${job.backend}\u0000${job.task.metadata['dtype'] ?? ''}`;
  }

  /**
   * The first job in queue order that can run now: a job that is not batched, or a batch that is
   * full or whose window has passed. Batches still filling are skipped; if nothing can run,
   * `waitUntil` says when the earliest window closes.
   */
  take<J extends BatchCandidate>(queue: readonly J[], now: number): BatchDecision<J> {
    const held = new Set<string>();
    let waitUntil = Number.POSITIVE_INFINITY;
    for (const job of queue) {
      const key = this.key(job);
      if (key === undefined) return { jobs: [job] };
      if (held.has(key)) continue;
      const group: J[] = [];
      let oldest = Number.POSITIVE_INFINITY;
      for (const other of queue) {
        if (this.key(other) !== key) continue;
        group.push(other);
        oldest = Math.min(oldest, other.enqueuedAt);
        if (group.length === this.#options.maxBatchSize) break;
      }
      const closesAt = oldest + this.#options.windowMs;
      if (group.length >= this.#options.maxBatchSize || now >= closesAt) return { jobs: group };
      held.add(key);
      waitUntil = Math.min(waitUntil, closesAt);
    }
    return Number.isFinite(waitUntil) ? { waitUntil } : undefined;
  }
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
