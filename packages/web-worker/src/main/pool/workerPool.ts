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
  type BatchOutcome,
  type BatchPolicy,
  type ExecutionContext,
  type Executor,
  type FreeWorkers,
  type MeasuredMetrics,
  type Task,
  type TaskOutput,
} from '@taskweave/core';
import { poolBatchPolicy, splitJobResult, taskBackend } from './batcher.js';
import { badBackend, callSink, jobRequest, type Member, type Running, type WarmJob } from './poolCall.js';
import { runWarmUp, type WarmUpHost } from './runWarmUp.js';
import { freeWorkers, isFree, pickSlot, room, roomOf, type Occupancy } from './slotChoice.js';
import { TaskCosts } from './taskCosts.js';
import type { PoolEvent, PoolSnapshot, WarmUpOptions, WarmUpReport, WorkerSnapshot } from './poolEvents.js';
import { positiveInt, resolvePoolOptions, type ResolvedPoolOptions, type WorkerPoolOptions } from './poolOptions.js';
import type { JobOutcome, JobResult, WorkerHealth } from '../../shared/protocol.js';
import type { BackendPreference } from '../../shared/backendPreference.js';
import { WorkerEndedSignal, WorkerSlot, type WorkerEndReason } from './workerSlot.js';

export type { PoolEvent, PoolSnapshot, WarmUpOptions, WarmUpReport, WorkerSnapshot } from './poolEvents.js';
export type { WorkerPoolOptions } from './poolOptions.js';

/** The pool: an `Executor` plus warm-up, stats, events and shutdown. */
export interface WorkerPool extends Executor {
  /** The number of workers: at most this many calls (a batch is one) run at once. */
  readonly capacity: number;
  readonly size: number;
  readonly batching: BatchPolicy;
  /** Workers started, free, and with no warm-up waiting: the calls the pool can start now. */
  available(): number;
  freeWorkers(): FreeWorkers;
  onAvailable(listener: () => void): () => void;
  cancelWaitsForOutcome(task: Task): boolean;
  /**
   * How long a task like `task` (its type and model) takes in a worker: the moving mean of the
   * durations the workers reported (a batch's duration for each of its tasks); `undefined` before
   * the first. The one cost model: the pool batches cheap types by it, placement reads it.
   *
   * @example pool.expectedDurationMs(task) // 42.5
   */
  expectedDurationMs(task: Task): number | undefined;
  executeBatch(tasks: readonly Task[], contexts: readonly ExecutionContext[]): Promise<readonly BatchOutcome[]>;
  /** Loads `modelId` in the workers before the first task (each worker waits until it is free). Rejects only if every worker failed. */
  warmUp(modelId: string, options?: WarmUpOptions): Promise<WarmUpReport>;
  /** Workers, their models, backend and state now. */
  snapshot(): PoolSnapshot;
  /** @returns the unsubscribe function */
  subscribe(listener: (event: PoolEvent) => void): () => void;
  /** Terminates every worker; running tasks reject with a `closed` error. */
  close(): Promise<void>;
}

class Pool implements WorkerPool {
  readonly size: number;
  readonly capacity: number;
  readonly batching: BatchPolicy;
  readonly #options: ResolvedPoolOptions;
  readonly #slots: WorkerSlot[] = [];
  readonly #running = new Map<WorkerSlot, Running>();
  readonly #warmQueue: WarmJob[] = [];
  readonly #listeners = new Set<(event: PoolEvent) => void>();
  readonly #available = new Set<() => void>();
  /** What each task type and model costs in a worker (cheap types are batched; placement reads it). */
  readonly #costs: TaskCosts;
  /** Models warmed with `warmUp`, and the backend asked for, for re-warming replacements. */
  readonly #warmed = new Map<string, BackendPreference>();
  #nextJobId = 1;
  #nextWorkerId = 1;
  #replaced = 0;
  #recycled = 0;
  /**
   * Why WebGPU is off for this pool's later jobs: a model call failed on it in a worker whose
   * transformers.js then refused every later call (see `WorkerHealth`). Unset: as each task asks.
   */
  #webgpuFailed: string | undefined;
  #startFailures = 0;
  #broken: TaskweaveError | undefined;
  #closed = false;
  #pumpScheduled = false;
  /** What the choice of a worker reads (the same collections, seen read-only). */
  readonly #occupancy: Occupancy;
  /** What a warm-up run touches of the pool. */
  readonly #warmHost: WarmUpHost = {
    running: this.#running,
    emit: (event) => this.#emit(event),
    describe: (slot) => this.#describe(slot),
    schedulePump: () => this.#schedulePump(),
    backendFor: (preference) => this.#backendFor(preference),
    heed: (slot, health) => this.#heed(slot, health),
  };

  constructor(options: WorkerPoolOptions) {
    const resolved = resolvePoolOptions(options);
    this.#options = resolved;
    this.#occupancy = { slots: this.#slots, running: this.#running, warmQueue: this.#warmQueue, afterTasks: resolved.recycle.afterTasks };
    this.size = resolved.size;
    this.capacity = resolved.size;
    this.#costs = new TaskCosts(resolved.batching.cheapTaskMs);
    this.batching = poolBatchPolicy(resolved.batching, resolved.backend, this.#costs, () => room(this.#occupancy));
    for (let i = 0; i < this.size; i++) this.#spawn(i);
  }

  // ── Executor ──────────────────────────────────────────────────────────────

  /** Workers started, free, and with no warm-up waiting for them. */
  available(): number {
    if (this.#closed || this.#broken !== undefined) return this.size; // calls fail at once: let them come
    let free = 0;
    for (const slot of this.#slots) if (isFree(this.#occupancy, slot)) free++;
    return free;
  }

  /** The free workers as the pool will hand them out, for the scheduler's model affinity. */
  freeWorkers(): FreeWorkers {
    return freeWorkers(this.#occupancy);
  }

  /**
   * A DataStorage task writes its documents in one transaction of the app's database that checks
   * the signal before it commits: its cancel is settled by the outcome, so `Cancelled` means
   * nothing was stored (and a write that committed first ends Completed). Other tasks' cancels
   * settle at once: their handlers have no effect in taskweave's database (a custom handler's
   * effects elsewhere run at least once: see `HandlerContext.idempotencyKey`).
   */
  cancelWaitsForOutcome(task: Task): boolean {
    return task.type === 'DataStorage';
  }

  expectedDurationMs(task: Task): number | undefined {
    return this.#costs.meanMs(task.type, task.modelId);
  }

  onAvailable(listener: () => void): () => void {
    this.#available.add(listener);
    return () => this.#available.delete(listener);
  }

  execute(task: Task, ctx: ExecutionContext): Promise<TaskOutput> {
    const invalid = badBackend(task);
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.#start([task], [ctx]).then((outcomes) => {
      const outcome = outcomes[0] as BatchOutcome;
      if (!outcome.ok) throw outcome.error;
      return outcome.output;
    });
  }

  async executeBatch(tasks: readonly Task[], contexts: readonly ExecutionContext[]): Promise<readonly BatchOutcome[]> {
    // A task with a bad backend fails alone; the others run.
    const outcomes: (BatchOutcome | undefined)[] = tasks.map((task) => {
      const invalid = badBackend(task);
      return invalid === undefined ? undefined : { ok: false, error: invalid };
    });
    const runTasks: Task[] = [];
    const runContexts: ExecutionContext[] = [];
    tasks.forEach((task, i) => {
      if (outcomes[i] !== undefined) return;
      runTasks.push(task);
      runContexts.push(contexts[i] as ExecutionContext);
    });
    if (runTasks.length > 0) {
      const ran = await this.#start(runTasks, runContexts);
      let next = 0;
      for (let i = 0; i < outcomes.length; i++) if (outcomes[i] === undefined) outcomes[i] = ran[next++];
    }
    return outcomes as BatchOutcome[];
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
      workers: this.#slots.map((slot) => this.#describe(slot)),
      replaced: this.#replaced,
      recycled: this.#recycled,
    };
  }

  subscribe(listener: (event: PoolEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const error = new TaskweaveError('closed', 'The worker pool was closed');
    for (const warm of this.#warmQueue.splice(0)) warm.done({ index: warm.index, ok: false, durationMs: 0, networkBytes: 0, error });
    for (const slot of [...this.#slots]) slot.end('pool-closed', 'the pool was closed');
  }

  // ── calls ─────────────────────────────────────────────────────────────────

  /**
   * Assigns a call to a worker (the scheduler hands the pool no more calls than `available()`, so
   * there is always one; the pool keeps no queue). A call made past that, by a direct caller, waits
   * on a worker that is still starting, or is refused.
   */
  #start(tasks: readonly Task[], contexts: readonly ExecutionContext[]): Promise<BatchOutcome[]> {
    if (this.#closed) return Promise.reject(new TaskweaveError('closed', 'The worker pool is closed'));
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    const aborted = contexts.find((c) => c.signal.aborted);
    if (aborted !== undefined && contexts.every((c) => c.signal.aborted)) return Promise.reject(aborted.signal.reason);
    const slot = pickSlot(this.#occupancy, tasks[0]?.modelId, tasks.length);
    if (slot === undefined) {
      return Promise.reject(
        new TaskweaveError('execution', `All ${this.size} workers are busy: the pool runs one call per worker and keeps no queue (let a TaskScheduler hand it work)`, {
          retryable: true,
        }),
      );
    }
    // A batch of tasks without a model is never run past a worker's recycling (`recycle.afterTasks`):
    // refused as a whole, the scheduler runs its tasks one by one, spending no attempt.
    if (tasks.length > 1 && tasks[0]?.modelId === undefined && roomOf(this.#occupancy, slot) < tasks.length) {
      return Promise.reject(new TaskweaveError('execution', `No free worker may run ${tasks.length} more tasks before it is recycled`, { retryable: true }));
    }
    return new Promise<BatchOutcome[]>((resolve, reject) => {
      const members: Member[] = tasks.map((task, i) => ({ task, ctx: contexts[i] as ExecutionContext, aborted: false }));
      const listeners = members.map((member) => {
        const onAbort = () => this.#onAbort(slot, running, member);
        member.ctx.signal.addEventListener('abort', onAbort, { once: true });
        return () => member.ctx.signal.removeEventListener('abort', onAbort);
      });
      const running: Running = {
        jobId: this.#nextJobId++,
        members,
        backend: this.#backendFor(taskBackend(tasks[0] as Task, this.#options.backend)),
        dispatched: false,
        graceTimer: undefined,
        settled: false,
        resolve,
        reject,
        detach: () => listeners.forEach((remove) => remove()),
      };
      for (const member of members) if (member.ctx.signal.aborted) member.aborted = true;
      this.#running.set(slot, running);
      if (slot.state === 'idle') this.#dispatch(slot, running);
      else this.#emit({ type: 'worker', worker: this.#describe(slot) });
    });
  }

  #dispatch(slot: WorkerSlot, running: Running): void {
    running.dispatched = true;
    slot.state = 'busy';
    this.#emit({ type: 'worker', worker: this.#describe(slot) });
    const { members, jobId, backend } = running;
    const first = members[0] as Member;
    const sink = Comlink.proxy(callSink(members, (event) => {
      this.#emit({ type: 'progress', workerIndex: slot.index, taskId: members.length === 1 ? first.task.id : undefined, progress: event });
    }));
    if (members.length > 1) this.#emit({ type: 'batch', workerIndex: slot.index, modelId: first.task.modelId, taskIds: members.map((m) => m.task.id) });
    slot
      .call((api) => api.run(jobRequest(jobId, members, backend), sink))
      .then(
        (result) => {
          this.#done(slot, running, result, () => {
            if (result.failed !== undefined) {
              // Stopped because every member was aborted: their own reason.
              const aborted = members.every((m) => m.aborted) ? first.ctx.signal.reason : undefined;
              running.reject(aborted ?? deserializeError(result.failed));
              return;
            }
            const outcomes = splitJobResult(result, members.length);
            running.resolve(
              members.map((member, i): BatchOutcome => {
                const outcome = outcomes[i] as JobOutcome;
                this.#report(member, outcome.metrics);
                return outcome.ok ? { ok: true, output: outcome.output } : { ok: false, error: deserializeError(outcome.error) };
              }),
            );
          });
        },
        (error: unknown) => this.#callFailed(slot, running, error),
      );
  }

  /** The worker answered: free it (or recycle it), then settle the call. */
  #done(slot: WorkerSlot, running: Running, result: JobResult, settle: () => void): void {
    if (this.#running.get(slot) !== running) return;
    this.#running.delete(slot);
    if (running.graceTimer !== undefined) clearTimeout(running.graceTimer);
    slot.models = result.models;
    slot.jobsDone += running.members.length;
    if (result.wasmMemoryBytes !== undefined) slot.wasmMemoryBytes = result.wasmMemoryBytes;
    if (slot.state === 'busy') slot.state = 'idle';
    this.#heed(slot, result.health);
    this.#finishCall(running, settle);
    this.#emit({ type: 'worker', worker: this.#describe(slot) });
    this.#schedulePump();
  }

  #finishCall(running: Running, settle: () => void): void {
    if (running.settled) return;
    running.settled = true;
    running.detach();
    settle();
  }

  /** The call itself failed: the worker ended (handled by `#onWorkerEnd`) or the request could not be sent. */
  #callFailed(slot: WorkerSlot, running: Running, error: unknown): void {
    if (error instanceof WorkerEndedSignal || this.#running.get(slot) !== running) return;
    // e.g. a DataCloneError: this call cannot be posted (for a batch, the scheduler tries its tasks one by one).
    this.#running.delete(slot);
    if (running.graceTimer !== undefined) clearTimeout(running.graceTimer);
    if (slot.state === 'busy') slot.state = 'idle';
    const failure = new TaskweaveError('execution', `Could not send the task to a worker: ${toTaskweaveError(error).message}`, {
      cause: error,
      retryable: false,
    });
    this.#finishCall(running, () => running.reject(failure));
    this.#schedulePump();
  }

  #report(member: Member, metrics: MeasuredMetrics): void {
    this.#costs.record(member.task.type, member.task.modelId, metrics.durationMs);
    try {
      member.ctx.reportMetrics(metrics);
    } catch {
      // A caller's metrics sink must not break the pool.
    }
  }

  // ── cancellation ──────────────────────────────────────────────────────────

  /**
   * One member's signal aborted. The scheduler has already settled that task; the call goes on
   * for the others. Only when every member is aborted is the worker told to stop (and terminated
   * if its handler does not within `abortGraceMs`).
   */
  #onAbort(slot: WorkerSlot, running: Running, member: Member): void {
    member.aborted = true;
    if (running.settled || this.#running.get(slot) !== running) return;
    if (!running.members.every((m) => m.aborted)) return;
    const reason: unknown = member.ctx.signal.reason;
    if (!running.dispatched) {
      // Still waiting for its worker to start: nothing runs yet.
      this.#running.delete(slot);
      this.#finishCall(running, () => running.reject(reason));
      this.#emit({ type: 'worker', worker: this.#describe(slot) });
      return;
    }
    slot.send((api) => api.abort(running.jobId, serializeError(reason)));
    running.graceTimer ??= setTimeout(() => {
      if (this.#running.get(slot) !== running) return;
      slot.end('aborted', `the handler did not stop within ${this.#options.abortGraceMs} ms of an abort`);
    }, this.#options.abortGraceMs);
  }

  // ── workers ───────────────────────────────────────────────────────────────

  #spawn(index: number): WorkerSlot | undefined {
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
      return undefined;
    }
    this.#slots[index] = slot;
    slot.start().then(
      () => {
        this.#startFailures = 0;
        const assigned = this.#running.get(slot);
        if (assigned !== undefined && !assigned.dispatched && !assigned.warm) this.#dispatch(slot, assigned);
        else this.#emit({ type: 'worker', worker: this.#describe(slot) });
        this.#schedulePump();
      },
      () => undefined, // the slot ended: #onWorkerEnd handles it
    );
    return slot;
  }

  /**
   * After a job or warm-up: a worker that says its model runtime refuses later calls, or that is past
   * the `recycle` budgets, is replaced once idle; a WebGPU failure turns WebGPU off for later jobs.
   */
  #heed(slot: WorkerSlot, health: WorkerHealth | undefined): void {
    if (health?.webgpuFailed !== undefined) this.#webgpuFailed ??= health.webgpuFailed;
    if (slot.state !== 'idle') return;
    const { afterTasks, wasmMemoryBytes: budget } = this.#options.recycle;
    if (health?.replace !== undefined) this.#recycle(slot, `replaced: ${health.replace}`);
    else if (slot.jobsDone >= afterTasks || slot.wasmMemoryBytes > budget) {
      this.#recycle(slot, `recycled after ${slot.jobsDone} tasks (${slot.wasmMemoryBytes} bytes of WebAssembly memory)`);
    }
  }

  /** The backend a job asks its worker for: WASM once WebGPU failed in this pool, else the preference. */
  #backendFor(preference: BackendPreference): BackendPreference {
    return this.#webgpuFailed === undefined ? preference : 'wasm';
  }

  /** Replaces an idle worker on purpose (`recycle` budgets, or a spoiled model runtime), re-loading its models. */
  #recycle(slot: WorkerSlot, why: string): void {
    this.#recycled++;
    slot.end('recycled', why);
  }

  #onWorkerEnd(slot: WorkerSlot, reason: WorkerEndReason, message: string): void {
    const running = this.#running.get(slot);
    this.#running.delete(slot);
    if (running?.graceTimer !== undefined) clearTimeout(running.graceTimer);
    const taskIds = running?.members.map((m) => m.task.id) ?? [];
    if (reason !== 'pool-closed' && reason !== 'recycled') {
      this.#emit({ type: 'crash', workerIndex: slot.index, workerId: slot.id, reason, message, taskIds });
    }
    if (running !== undefined && running.warm === undefined) {
      const abortedMember = running.members.find((m) => m.aborted);
      const error = this.#closed
        ? new TaskweaveError('closed', 'The worker pool was closed')
        : running.members.every((m) => m.aborted) && abortedMember !== undefined
          ? abortedMember.ctx.signal.reason
          : new WorkerCrashedError(
              `Worker ${slot.index} ended while running ${taskIds.length === 1 ? `task ${taskIds[0]}` : `a batch of ${taskIds.length} tasks (${taskIds.join(', ')})`}: ${message}`,
              { details: { workerIndex: slot.index, reason, taskIds } },
            );
      this.#finishCall(running, () => running.reject(error));
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
    if (reason !== 'recycled') this.#replaced++;
    const held = slot.models;
    this.#spawn(slot.index);
    // A recycled worker's replacement loads what it held; a crashed one's what warmUp loaded.
    const rewarm = reason === 'recycled' ? held.map((m) => [m, this.#warmed.get(m) ?? this.#options.backend] as const) : this.#options.rewarm ? [...this.#warmed] : [];
    for (const [modelId, backend] of rewarm) {
      this.#warmQueue.push({ index: slot.index, modelId, backend, options: {}, done: () => undefined });
    }
  }

  #breakPool(error: TaskweaveError): void {
    this.#broken = error;
    for (const [slot, running] of [...this.#running]) {
      if (running.warm !== undefined || running.dispatched) continue;
      this.#running.delete(slot);
      this.#finishCall(running, () => running.reject(error));
    }
    for (const warm of this.#warmQueue.splice(0)) warm.done({ index: warm.index, ok: false, durationMs: 0, networkBytes: 0, error });
    this.#notifyAvailable();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  /** Runs queued warm-ups on their idle workers, then tells the scheduler what is free. */
  #pump(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (slot.state !== 'idle' || this.#running.has(slot)) continue;
      const at = this.#warmQueue.findIndex((w) => w.index === slot.index);
      if (at >= 0) runWarmUp(this.#warmHost, slot, this.#warmQueue.splice(at, 1)[0] as WarmJob);
    }
    if (this.available() > 0) this.#notifyAvailable();
  }

  #notifyAvailable(): void {
    for (const listener of this.#available) {
      try {
        listener();
      } catch {
        // The scheduler's listener only schedules a pump.
      }
    }
  }

  #describe(slot: WorkerSlot): WorkerSnapshot {
    return {
      index: slot.index,
      id: slot.id,
      state: slot.state,
      models: [...slot.models],
      backend: slot.backend,
      taskIds: this.#running.get(slot)?.members.map((m) => m.task.id) ?? [],
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
 *   createWorker: () => new Worker(new URL('../my-worker.ts', import.meta.url), { type: 'module' }),
 * })
 * const scheduler = new TaskScheduler({ executor: pool })
 */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  return new Pool(options);
}
