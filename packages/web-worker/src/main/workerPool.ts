/**
 * The worker pool: an `Executor` for `TaskScheduler` that runs tasks in N module Web Workers.
 */
import * as Comlink from 'comlink';
import {
  TaskweaveError,
  ValidationError,
  WorkerCrashedError,
  deserializeError,
  serializeError,
  toTaskweaveError,
  type ExecutionContext,
  type Executor,
  type MeasuredMetrics,
  type Task,
  type TaskOutput,
} from '@taskweave/core';
import { Batcher, splitBatchResult } from './batcher.js';
import type { PoolEvent, PoolSnapshot, WarmUpOptions, WarmUpReport, WorkerSnapshot } from '../shared/poolEvents.js';
import { BACKENDS, positiveInt, resolvePoolOptions, type ResolvedPoolOptions, type WorkerPoolOptions } from './poolOptions.js';
import type { JobOutcome } from '../shared/protocol.js';
import type { BackendPreference } from '../shared/backendPreference.js';
import type { ModelProgress } from '../shared/modelProgress.js';
import { WorkerEndedSignal, WorkerSlot, type WorkerEndReason } from './workerSlot.js';

export type { PoolEvent, PoolSnapshot, WarmUpOptions, WarmUpReport, WorkerSnapshot } from '../shared/poolEvents.js';
export type { WorkerPoolOptions } from './poolOptions.js';

/** The pool: an `Executor` plus warm-up, stats, events and shutdown. */
export interface WorkerPool extends Executor {
  readonly capacity: number;
  readonly size: number;
  /** Loads `modelId` in the workers before the first task (each worker waits until it is free). Rejects only if every worker failed. */
  warmUp(modelId: string, options?: WarmUpOptions): Promise<WarmUpReport>;
  /** Workers, their models, backend and state now. */
  snapshot(): PoolSnapshot;
  /** @returns the unsubscribe function */
  subscribe(listener: (event: PoolEvent) => void): () => void;
  /** Terminates every worker; queued and running tasks reject with a `closed` error. */
  close(): Promise<void>;
}

interface Job {
  id: number;
  task: Task;
  backend: BackendPreference;
  ctx: ExecutionContext;
  enqueuedAt: number;
  slot: WorkerSlot | undefined;
  settled: boolean;
  resolve(output: TaskOutput): void;
  reject(error: unknown): void;
  detach(): void;
}

interface Running {
  jobId: number;
  jobs: Job[];
  graceTimer: ReturnType<typeof setTimeout> | undefined;
  warm?: WarmJob;
}

interface WarmJob {
  index: number;
  modelId: string;
  backend: BackendPreference;
  options: WarmUpOptions;
  done(entry: WarmUpReport['workers'][number]): void;
}

class Pool implements WorkerPool {
  readonly size: number;
  readonly capacity: number;
  /** Tasks wait in the pool's own queue; `ctx.started()` marks when a worker takes one. */
  readonly reportsStart = true;
  readonly #options: ResolvedPoolOptions;
  readonly #batcher: Batcher;
  readonly #slots: WorkerSlot[] = [];
  readonly #running = new Map<WorkerSlot, Running>();
  readonly #queue: Job[] = [];
  readonly #warmQueue: WarmJob[] = [];
  readonly #listeners = new Set<(event: PoolEvent) => void>();
  /** Models warmed with `warmUp`, and the backend asked for, for re-warming replacements. */
  readonly #warmed = new Map<string, BackendPreference>();
  #nextJobId = 1;
  #nextWorkerId = 1;
  #replaced = 0;
  #startFailures = 0;
  #broken: TaskweaveError | undefined;
  #closed = false;
  #windowTimer: ReturnType<typeof setTimeout> | undefined;
  #pumpScheduled = false;

  constructor(options: WorkerPoolOptions) {
    const resolved = resolvePoolOptions(options);
    this.#options = resolved;
    this.size = resolved.size;
    this.capacity = resolved.capacity;
    this.#batcher = new Batcher(resolved.batching);
    for (let i = 0; i < this.size; i++) this.#spawn(i);
  }

  // ── Executor ──────────────────────────────────────────────────────────────

  execute(task: Task, ctx: ExecutionContext): Promise<TaskOutput> {
    if (this.#closed) return Promise.reject(new TaskweaveError('closed', 'The worker pool is closed'));
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason);
    const requested = task.metadata?.['backend'];
    if (requested !== undefined && !BACKENDS.includes(requested)) {
      return Promise.reject(
        new ValidationError(`Task ${task.id}: metadata.backend must be 'auto', 'webgpu' or 'wasm', got ${requested}`, [
          { path: ['metadata', 'backend'], field: 'metadata.backend', message: "must be 'auto', 'webgpu' or 'wasm'" },
        ]),
      );
    }
    return new Promise<TaskOutput>((resolve, reject) => {
      const onAbort = () => this.#onAbort(job);
      const job: Job = {
        id: this.#nextJobId++,
        task,
        backend: (requested as BackendPreference | undefined) ?? this.#options.backend,
        ctx,
        enqueuedAt: performance.now(),
        slot: undefined,
        settled: false,
        resolve,
        reject,
        detach: () => ctx.signal.removeEventListener('abort', onAbort),
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      this.#enqueue(job);
    });
  }

  // ── public extras ─────────────────────────────────────────────────────────

  warmUp(modelId: string, options: WarmUpOptions = {}): Promise<WarmUpReport> {
    if (typeof modelId !== 'string' || modelId === '') {
      return Promise.reject(
        new ValidationError('warmUp: modelId must be a non-empty string', [{ path: ['modelId'], field: 'modelId', message: 'must be a non-empty string' }]),
      );
    }
    if (this.#closed) return Promise.reject(new TaskweaveError('closed', 'The worker pool is closed'));
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    let count: number;
    try {
      count = Math.min(this.size, positiveInt(options.workers, 'workers', this.size, 'warmUp'));
    } catch (error) {
      return Promise.reject(error);
    }
    const backend = options.backend ?? this.#options.backend;
    const entries: Promise<WarmUpReport['workers'][number]>[] = [];
    for (let index = 0; index < count; index++) {
      entries.push(
        new Promise((done) => {
          this.#warmQueue.push({ index, modelId, backend, options, done });
        }),
      );
    }
    this.#schedulePump();
    return Promise.all(entries).then((workers) => {
      const failed = workers.filter((w) => !w.ok);
      if (failed.length === workers.length && failed[0]?.error !== undefined) throw failed[0].error;
      this.#warmed.set(modelId, backend);
      return { modelId, workers };
    });
  }

  snapshot(): PoolSnapshot {
    return {
      size: this.size,
      queued: this.#queue.length,
      workers: this.#slots.map((slot) => this.#describe(slot)),
      replaced: this.#replaced,
    };
  }

  subscribe(listener: (event: PoolEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#windowTimer !== undefined) clearTimeout(this.#windowTimer);
    const error = new TaskweaveError('closed', 'The worker pool was closed');
    for (const job of this.#queue.splice(0)) this.#settle(job, undefined, error);
    for (const warm of this.#warmQueue.splice(0)) warm.done({ index: warm.index, ok: false, durationMs: 0, networkBytes: 0, error });
    for (const slot of [...this.#slots]) slot.end('pool-closed', 'the pool was closed');
  }

  // ── queue and dispatch ────────────────────────────────────────────────────

  #enqueue(job: Job): void {
    // Keep the queue in the scheduler's order: priority, then deadline, then arrival.
    const deadline = (j: Job) => j.task.deadline ?? Number.POSITIVE_INFINITY;
    let at = this.#queue.length;
    while (at > 0) {
      const prev = this.#queue[at - 1] as Job;
      if (prev.task.priority > job.task.priority) break;
      if (prev.task.priority === job.task.priority && deadline(prev) <= deadline(job)) break;
      at--;
    }
    this.#queue.splice(at, 0, job);
    this.#schedulePump();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (slot.state !== 'idle') continue;
      const at = this.#warmQueue.findIndex((w) => w.index === slot.index);
      if (at >= 0) this.#runWarm(slot, this.#warmQueue.splice(at, 1)[0] as WarmJob);
    }
    while (this.#queue.length > 0) {
      const idle = this.#slots.filter((s) => s.state === 'idle' && !this.#warmQueue.some((w) => w.index === s.index));
      if (idle.length === 0) return;
      const decision = this.#batcher.take(this.#queue, performance.now());
      if (decision === undefined) return;
      if ('waitUntil' in decision) {
        if (this.#windowTimer === undefined) {
          this.#windowTimer = setTimeout(() => {
            this.#windowTimer = undefined;
            this.#pump();
          }, Math.max(0, decision.waitUntil - performance.now()));
        }
        return;
      }
      const first = decision.jobs[0] as Job;
      const slot = this.#pickSlot(idle, first.task.modelId);
      for (const job of decision.jobs) this.#queue.splice(this.#queue.indexOf(job), 1);
      this.#dispatch(slot, decision.jobs);
    }
  }

  /** Model affinity: a free worker that holds the model, else an empty one, else the first free. */
  #pickSlot(idle: WorkerSlot[], modelId: string | undefined): WorkerSlot {
    if (modelId !== undefined) {
      const holder = idle.find((s) => s.models.includes(modelId));
      if (holder !== undefined) return holder;
    }
    return idle.find((s) => s.models.length === 0) ?? (idle[0] as WorkerSlot);
  }

  #dispatch(slot: WorkerSlot, jobs: Job[]): void {
    const jobId = this.#nextJobId++;
    const running: Running = { jobId, jobs, graceTimer: undefined };
    this.#running.set(slot, running);
    slot.state = 'busy';
    const now = performance.now();
    for (const job of jobs) {
      job.slot = slot;
      // Time in the pool's own queue, which the scheduler cannot see: it adds this to queueWaitMs.
      this.#report(job, { queueWaitMs: now - job.enqueuedAt });
      try {
        job.ctx.started?.();
      } catch {
        // A caller's start hook must not break the pool.
      }
    }
    this.#emit({ type: 'worker', worker: this.#describe(slot) });
    const first = jobs[0] as Job;
    const progress = Comlink.proxy((event: ModelProgress) => {
      this.#emit({ type: 'progress', workerIndex: slot.index, taskId: jobs.length === 1 ? first.task.id : undefined, progress: event });
    });
    if (jobs.length === 1) {
      slot
        .call((api) => api.run({ jobId, task: first.task, backend: first.backend }, progress))
        .then(
          (result) => {
            this.#finish(slot, running, result.models, [result.outcome]);
          },
          (error: unknown) => this.#callFailed(slot, running, error),
        );
      return;
    }
    this.#emit({ type: 'batch', workerIndex: slot.index, modelId: first.task.modelId, taskIds: jobs.map((j) => j.task.id) });
    slot
      .call((api) => api.runBatch({ jobId, tasks: jobs.map((j) => j.task), backend: first.backend }, progress))
      .then(
        (result) => this.#finish(slot, running, result.models, splitBatchResult(result, jobs.length)),
        (error: unknown) => this.#callFailed(slot, running, error),
      );
  }

  #finish(slot: WorkerSlot, running: Running, models: string[], outcomes: JobOutcome[]): void {
    if (this.#running.get(slot) !== running) return;
    this.#running.delete(slot);
    if (running.graceTimer !== undefined) clearTimeout(running.graceTimer);
    slot.models = models;
    slot.jobsDone += running.jobs.length;
    running.jobs.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) return;
      if (outcome.metrics.backend !== undefined) slot.backend = outcome.metrics.backend;
      this.#report(job, outcome.metrics);
      if (outcome.ok) this.#settle(job, outcome.output);
      else this.#settle(job, undefined, deserializeError(outcome.error));
    });
    if (slot.state === 'busy') slot.state = 'idle';
    this.#emit({ type: 'worker', worker: this.#describe(slot) });
    this.#schedulePump();
  }

  /** The call itself failed: the worker ended (handled by `#onWorkerEnd`) or the request could not be sent. */
  #callFailed(slot: WorkerSlot, running: Running, error: unknown): void {
    if (error instanceof WorkerEndedSignal || this.#running.get(slot) !== running) return;
    // e.g. a DataCloneError: the task cannot be posted; a retry would fail the same way.
    this.#running.delete(slot);
    if (running.graceTimer !== undefined) clearTimeout(running.graceTimer);
    const failure = new TaskweaveError('execution', `Could not send the task to a worker: ${toTaskweaveError(error).message}`, {
      cause: error,
      retryable: false,
    });
    for (const job of running.jobs) this.#settle(job, undefined, failure);
    if (slot.state === 'busy') slot.state = 'idle';
    this.#schedulePump();
  }

  #report(job: Job, metrics: MeasuredMetrics): void {
    try {
      job.ctx.reportMetrics(metrics);
    } catch {
      // A caller's metrics sink must not break the pool.
    }
  }

  #settle(job: Job, output: TaskOutput | undefined, error?: unknown): void {
    if (job.settled) return;
    job.settled = true;
    job.detach();
    if (error !== undefined) job.reject(error);
    else job.resolve(output as TaskOutput);
  }

  // ── cancellation ──────────────────────────────────────────────────────────

  #onAbort(job: Job): void {
    if (job.settled) return;
    const reason: unknown = job.ctx.signal.reason;
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      this.#settle(job, undefined, reason);
      return;
    }
    const slot = job.slot;
    const running = slot === undefined ? undefined : this.#running.get(slot);
    if (slot === undefined || running === undefined) return;
    if (running.jobs.length > 1) {
      // One task of a batch cannot be pulled out of the batched call: it ends now, the batch goes on
      // unless every task in it was aborted.
      this.#settle(job, undefined, reason);
      if (!running.jobs.every((j) => j.settled)) return;
    }
    slot.send((api) => api.abort(running.jobId, serializeError(reason)));
    running.graceTimer ??= setTimeout(() => {
      if (this.#running.get(slot) !== running) return;
      slot.end('aborted', `the handler did not stop within ${this.#options.abortGraceMs} ms of an abort`);
    }, this.#options.abortGraceMs);
  }

  // ── workers ───────────────────────────────────────────────────────────────

  #spawn(index: number): void {
    let slot: WorkerSlot;
    try {
      slot = new WorkerSlot({
        index,
        id: this.#nextWorkerId++,
        create: this.#options.createWorker,
        maxModels: this.#options.modelsPerWorker,
        modelEnv: this.#options.modelEnv,
        database: this.#options.database,
        heartbeatMs: this.#options.heartbeatMs,
        unresponsiveMs: this.#options.unresponsiveMs,
        startTimeoutMs: this.#options.startTimeoutMs,
        onEnd: (s, reason, message) => this.#onWorkerEnd(s, reason, message),
        onUnhandledRejection: (s, error) => this.#emit({ type: 'unhandled-rejection', workerIndex: s.index, error }),
      });
    } catch (error) {
      this.#breakPool(toTaskweaveError(error));
      return;
    }
    this.#slots[index] = slot;
    slot.start().then(
      () => {
        this.#startFailures = 0;
        this.#emit({ type: 'worker', worker: this.#describe(slot) });
        this.#schedulePump();
      },
      () => undefined, // the slot ended: #onWorkerEnd handles it
    );
  }

  #onWorkerEnd(slot: WorkerSlot, reason: WorkerEndReason, message: string): void {
    const running = this.#running.get(slot);
    this.#running.delete(slot);
    if (running?.graceTimer !== undefined) clearTimeout(running.graceTimer);
    const taskIds = running?.jobs.map((j) => j.task.id) ?? [];
    if (reason !== 'pool-closed') {
      this.#emit({ type: 'crash', workerIndex: slot.index, workerId: slot.id, reason, message, taskIds });
    }
    for (const job of running?.jobs ?? []) {
      if (this.#closed) this.#settle(job, undefined, new TaskweaveError('closed', 'The worker pool was closed'));
      else if (job.ctx.signal.aborted) this.#settle(job, undefined, job.ctx.signal.reason);
      else this.#settle(job, undefined, new WorkerCrashedError(`Worker ${slot.index} ended while running task ${job.task.id}: ${message}`, { details: { workerIndex: slot.index, reason } }));
    }
    if (running?.warm !== undefined) {
      running.warm.done({ index: slot.index, ok: false, durationMs: 0, networkBytes: 0, error: new WorkerCrashedError(`Worker ${slot.index} ended while warming up: ${message}`) });
    }
    this.#emit({ type: 'worker', worker: this.#describe(slot) });
    if (this.#closed) return;
    if (reason === 'start-failed') {
      this.#startFailures++;
      if (this.#startFailures >= this.#options.maxStartFailures) {
        this.#breakPool(new WorkerCrashedError(`Workers failed to start ${this.#startFailures} times in a row: ${message}`, { retryable: false }));
        return;
      }
    }
    this.#replaced++;
    this.#spawn(slot.index);
    if (this.#options.rewarm) {
      for (const [modelId, backend] of this.#warmed) {
        this.#warmQueue.push({ index: slot.index, modelId, backend, options: {}, done: () => undefined });
      }
    }
  }

  #breakPool(error: TaskweaveError): void {
    this.#broken = error;
    for (const job of this.#queue.splice(0)) this.#settle(job, undefined, error);
    for (const warm of this.#warmQueue.splice(0)) warm.done({ index: warm.index, ok: false, durationMs: 0, networkBytes: 0, error });
  }

  #runWarm(slot: WorkerSlot, warm: WarmJob): void {
    const running: Running = { jobId: -1, jobs: [], graceTimer: undefined, warm };
    this.#running.set(slot, running);
    slot.state = 'busy';
    this.#emit({ type: 'worker', worker: this.#describe(slot) });
    const progress = Comlink.proxy((event: ModelProgress) => {
      this.#emit({ type: 'progress', workerIndex: slot.index, taskId: undefined, progress: event });
      try {
        warm.options.onProgress?.({ ...event, workerIndex: slot.index });
      } catch {
        // A UI callback must not break the warm-up.
      }
    });
    slot.call((api) => api.warmUp(warm.modelId, warm.backend, progress)).then(
      (outcome) => {
        if (this.#running.get(slot) !== running) return;
        this.#running.delete(slot);
        slot.models = outcome.models;
        if (outcome.backend !== undefined) slot.backend = outcome.backend;
        warm.done({
          index: slot.index,
          ok: outcome.ok,
          durationMs: outcome.durationMs,
          networkBytes: outcome.networkBytes,
          ...(outcome.backend === undefined ? {} : { backend: outcome.backend }),
          ...(outcome.error === undefined ? {} : { error: deserializeError(outcome.error) }),
        });
        if (slot.state === 'busy') slot.state = 'idle';
        this.#emit({ type: 'worker', worker: this.#describe(slot) });
        this.#schedulePump();
      },
      (error: unknown) => {
        // A worker that ended is reported by #onWorkerEnd; anything else failed only this call.
        if (error instanceof WorkerEndedSignal || this.#running.get(slot) !== running) return;
        this.#running.delete(slot);
        warm.done({ index: slot.index, ok: false, durationMs: 0, networkBytes: 0, error: toTaskweaveError(error) });
        if (slot.state === 'busy') slot.state = 'idle';
        this.#schedulePump();
      },
    );
  }

  #describe(slot: WorkerSlot): WorkerSnapshot {
    return {
      index: slot.index,
      id: slot.id,
      state: slot.state,
      models: [...slot.models],
      backend: slot.backend,
      taskIds: this.#running.get(slot)?.jobs.map((j) => j.task.id) ?? [],
      jobsDone: slot.jobsDone,
    };
  }

  #emit(event: PoolEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // One listener's bug must not stop the others or the pool.
      }
    }
  }
}

/**
 * Creates the worker pool, an `Executor` for `TaskScheduler`.
 *
 * Metrics it reports for every attempt (measured in the worker, see the package README):
 * `durationMs` (worker wall time of the handler), `cpuUsage` (worker thread busy share),
 * `memoryBytes` (JS heap growth, or what the handler measured, e.g. WASM heap growth),
 * `networkBytes` (bytes the worker fetched during the task), `backend`, `batchSize`.
 *
 * @example
 * // my-worker.ts — your handlers plus the built-in ones
 * import { registerHandler } from '@taskweave/web-worker/worker'
 * registerHandler('custom:upper', async (task) => ({ kind: 'text', text: String(task.input.kind === 'text' ? task.input.text : '').toUpperCase() }))
 *
 * // app.ts
 * const pool = createWorkerPool({
 *   createWorker: () => new Worker(new URL('./my-worker.ts', import.meta.url), { type: 'module' }),
 * })
 * const scheduler = new TaskScheduler({ executor: pool })
 */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  return new Pool(options);
}
