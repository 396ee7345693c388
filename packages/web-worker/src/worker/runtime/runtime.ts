/**
 * The worker side of the pool: runs one job at a time with the registered handler, an
 * AbortSignal per job, metrics measured here, errors returned as data, output buffers moved with
 * `Comlink.transfer` and model-loading progress sent back through a `Comlink.proxy` callback.
 */
import * as Comlink from 'comlink';
import {
  TaskweaveError,
  deserializeError,
  serializeError,
  type MeasuredMetrics,
  type SerializedError,
  type Task,
  type TaskResult,
} from '@taskweave/core';
import type {
  ControlMessage,
  ItemOutcome,
  JobRequest,
  JobResult,
  WorkerHealth,
  JobSink,
  ProgressSink,
  WarmUpOutcome,
  WorkerApi,
  WorkerHello,
  WorkerInit,
} from '../../shared/protocol.js';
import type { BackendPreference } from '../../shared/backendPreference.js';
import type { BatchHandler, CallContext, HandlerContext } from './handler.js';
import { configureModelHost, getBatchHandler, getHandler, getModelHost, peekModelHost, registeredTypes } from './registry.js';
import { outputBytes, startWorkMeter } from './workMeter.js';
import { Outbox } from './outbox.js';
import type { ModelProgress } from '../../shared/modelProgress.js';
import { trackWasmMemory, wasmMemoryBytes } from './wasmMemory.js';

// Before any module instantiates: every WebAssembly memory this worker makes is noted.
trackWasmMemory();

let control: MessagePort | undefined;
let current: { jobId: number; controller: AbortController } | undefined;
let started = false;

function post(message: ControlMessage): void {
  try {
    control?.postMessage(message);
  } catch {
    // The pool is gone; nothing to tell.
  }
}

function loadedModels(): string[] {
  try {
    return peekModelHost()?.loadedModels() ?? [];
  } catch {
    return [];
  }
}

/** The model host's word on this worker, when it has one to give. */
function health(): { health?: WorkerHealth } {
  const said = peekModelHost()?.health();
  return said === undefined || (said.replace === undefined && said.webgpuFailed === undefined) ? {} : { health: said };
}

/** Model-loading progress to the pool; a task's own progress is the outbox's (one-task handlers). */
function sendModelProgress(send: ((event: ModelProgress) => unknown) | undefined): CallContext['progress'] {
  return (event) => {
    if (send === undefined || event.kind !== 'model') return;
    // Fire and forget: a progress report must never fail or stall the job.
    Promise.resolve(send(event)).catch(() => undefined);
  };
}

function release(sink: ProgressSink | JobSink | undefined): void {
  const proxy = sink as { [Comlink.releaseProxy]?: () => void } | undefined;
  try {
    proxy?.[Comlink.releaseProxy]?.();
  } catch {
    // Already released or the port is closed.
  }
}

function makeContext(
  backend: BackendPreference,
  signal: AbortSignal,
  model: ((event: ModelProgress) => unknown) | undefined,
  reported: MeasuredMetrics,
  transfers: Transferable[],
): CallContext {
  return {
    signal,
    backend,
    reportMetrics: (metrics) => Object.assign(reported, metrics),
    progress: sendModelProgress(model),
    transfer: (...buffers) => transfers.push(...buffers),
  };
}

function beginJob(jobId: number): AbortController {
  if (current !== undefined) {
    throw new TaskweaveError('execution', `Worker is busy with job ${current.jobId}; the pool sent job ${jobId}`);
  }
  const controller = new AbortController();
  current = { jobId, controller };
  return controller;
}

function noHandler(task: Task): TaskweaveError {
  return new TaskweaveError('not-configured', `No handler for task type "${task.type}" in this worker`, {
    retryable: false,
    details: { field: 'type', type: task.type },
  });
}

const NO_DEPENDENCIES: readonly TaskResult[] = Object.freeze([]);

/** Runs each task with the type's one-task handler, in turn (a type without a batch handler). */
async function runEach(request: JobRequest, ctx: CallContext, outbox: Outbox): Promise<ItemOutcome[]> {
  const { tasks, dependencies, resumeFrom } = request;
  const outcomes: ItemOutcome[] = [];
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i] as Task;
    // The pool aborts a call only when every task in it was aborted: the rest do not start, and
    // those that ran keep their outcomes (a storage task that committed is Completed).
    if (i > 0 && ctx.signal.aborted) {
      outcomes.push({ ok: false, error: serializeError(ctx.signal.reason) });
      continue;
    }
    // Each task's own wall time: what the pool learns a type's cost from (cheap types are batched).
    const started = performance.now();
    // What the handler reports is this task's own (it wins over the call's shared measurements).
    const reported: MeasuredMetrics = {};
    const own: HandlerContext = {
      ...ctx,
      reportMetrics: (metrics) => Object.assign(reported, metrics),
      dependencies: dependencies?.[i] ?? NO_DEPENDENCIES,
      idempotencyKey: task.id,
      resumeFrom: resumeFrom?.[i],
      progress: (event) => {
        if (event.kind === 'task') outbox.progress(i, event.note === undefined ? { done: event.done, ...(event.total === undefined ? {} : { total: event.total }) } : { done: event.done, ...(event.total === undefined ? {} : { total: event.total }), note: event.note });
        else ctx.progress(event);
      },
      emit: (chunk) => outbox.emit(i, chunk),
      checkpoint: (state) => outbox.checkpoint(i, state),
    };
    try {
      const handler = await getHandler(task.type);
      if (handler === undefined) throw noHandler(task);
      const output = await handler(task, own);
      outcomes.push({ ok: true, output, metrics: { durationMs: performance.now() - started, ...reported } });
    } catch (error) {
      outcomes.push({ ok: false, error: serializeError(error), metrics: { durationMs: performance.now() - started, ...reported } });
    }
  }
  return outcomes;
}

/** Runs the tasks with the type's batch handler: one call for all of them. */
async function runBatched(handler: BatchHandler, tasks: Task[], dependencies: JobRequest['dependencies'], ctx: CallContext): Promise<ItemOutcome[]> {
  let results: Awaited<ReturnType<BatchHandler>>;
  try {
    results = await handler(tasks, { ...ctx, dependencies: dependencies ?? tasks.map(() => NO_DEPENDENCIES) });
  } catch (error) {
    // A batch of one that throws failed for its only task: that is the task's own outcome. A
    // batch of several failed as a whole (the caller reports it as such).
    if (tasks.length === 1) return [{ ok: false, error: serializeError(error) }];
    throw error;
  }
  if (!Array.isArray(results) || results.length !== tasks.length) {
    throw new TaskweaveError(
      'execution',
      `Batch handler for "${tasks[0]?.type}" returned ${Array.isArray(results) ? results.length : typeof results} results for ${tasks.length} tasks`,
      { retryable: false },
    );
  }
  return results.map((r): ItemOutcome => {
    const metrics = 'metrics' in r && r.metrics !== undefined ? { metrics: r.metrics } : {};
    return r.ok ? { ok: true, output: r.output, ...metrics } : { ok: false, error: serializeError(r.error), ...metrics };
  });
}

/**
 * Runs a call: one task or a batch, with the type's batch handler when it has one, else its
 * handler for each task in turn. Every outcome is data; only a batch of several whose batch
 * handler threw fails as a whole (`failed`), and the scheduler then runs its tasks one by one.
 */
async function run(request: JobRequest, sink?: JobSink): Promise<JobResult> {
  const { tasks, dependencies } = request;
  const reported: MeasuredMetrics = {};
  const transfers: Transferable[] = [];
  const meter = startWorkMeter();
  const outbox = new Outbox(sink);
  try {
    const controller = beginJob(request.jobId);
    const ctx = makeContext(request.backend, controller.signal, sink === undefined ? undefined : (event) => sink.model(event), reported, transfers);
    const batchHandler = await getBatchHandler(tasks[0]?.type ?? '');
    const pending = batchHandler === undefined ? runEach(request, ctx, outbox) : runBatched(batchHandler, tasks, dependencies, ctx);
    meter.handlerReturned();
    let outcomes = await pending;
    // What the handlers reported reaches the pool before the result.
    await outbox.close();
    const shared = { ...meter.stop(), ...reported };
    // Each task's memory: its share of the call's heap growth plus its own output's bytes.
    const heapShare = Math.round((shared.memoryBytes ?? 0) / tasks.length);
    outcomes = outcomes.map((o) =>
      o.ok && o.metrics?.memoryBytes === undefined ? { ...o, metrics: { ...o.metrics, memoryBytes: heapShare + outputBytes(o.output) } } : o,
    );
    return Comlink.transfer({ outcomes, shared, models: loadedModels(), wasmMemoryBytes: wasmMemoryBytes(), ...health() }, transfers);
  } catch (error) {
    await outbox.close();
    return {
      outcomes: [],
      failed: serializeError(error),
      shared: { ...meter.stop(), ...reported },
      models: loadedModels(),
      wasmMemoryBytes: wasmMemoryBytes(),
      ...health(),
    };
  } finally {
    if (current?.jobId === request.jobId) current = undefined;
    release(sink);
  }
}

async function warmUp(modelId: string, backend: BackendPreference, sink?: ProgressSink): Promise<WarmUpOutcome> {
  const meter = startWorkMeter();
  const reported: MeasuredMetrics = {};
  try {
    const controller = beginJob(-1);
    const host = await getModelHost();
    if (host === undefined) {
      throw new TaskweaveError('not-configured', 'This worker has no model host (worker/models/models.ts) registered', { retryable: false });
    }
    const ctx = makeContext(backend, controller.signal, sink, reported, []);
    const pending = host.warmUp(modelId, ctx);
    meter.handlerReturned();
    const { backend: used } = await pending;
    const m = meter.stop();
    return { ok: true, backend: used, durationMs: m.durationMs, networkBytes: reported.networkBytes ?? m.networkBytes, models: loadedModels(), ...health() };
  } catch (error) {
    const m = meter.stop();
    return { ok: false, error: serializeError(error), durationMs: m.durationMs, networkBytes: m.networkBytes, models: loadedModels(), ...health() };
  } finally {
    if (current?.jobId === -1) current = undefined;
    release(sink);
  }
}

function abort(jobId: number, reason: SerializedError): void {
  if (current === undefined || current.jobId !== jobId) return;
  current.controller.abort(deserializeError(reason));
}

/** Takes the life lock and keeps it until the worker is gone. */
function holdLifeLock(name: string): Promise<void> {
  // Typed as always there; a worker of a browser without Web Locks has none.
  const locks: LockManager | undefined = navigator.locks;
  if (locks === undefined) return Promise.resolve();
  return new Promise<void>((acquired) => {
    locks
      .request(name, () => {
        acquired();
        return new Promise<never>(() => undefined);
      })
      .catch(() => acquired());
  });
}

async function init(options: WorkerInit): Promise<WorkerHello> {
  control = options.control;
  // comlink never learns that a worker closed itself: tell the pool on the control port first.
  // `self` as the lib types it (src/worker/tsconfig.json checks this file against WebWorker); no
  // `DedicatedWorkerGlobalScope` annotation, so an app that type-checks its worker module with the
  // DOM lib (these sources are the published types) still compiles it.
  const nativeClose = self.close.bind(self);
  self.close = () => {
    post({ type: 'closing' });
    nativeClose();
  };
  self.addEventListener('unhandledrejection', (event) => {
    post({ type: 'unhandled-rejection', error: serializeError(event.reason) });
  });
  configureModelHost({ ...options.modelEnv, maxModels: options.maxModels });
  // Loaded lazily like the storage handlers themselves; only records the name.
  (await import('../collections/collectionStore.js')).configureCollections({ database: options.database });
  (await import('../collections/collectionSharing.js')).connectSharing(options.collections);
  if (options.lifeLock !== undefined) await holdLifeLock(options.lifeLock);
  return registeredTypes();
}

const api: WorkerApi = {
  init,
  run,
  abort,
  warmUp,
  ping: () => performance.now(),
};

/**
 * Starts serving the pool from this worker (idempotent). The default entry calls it; a custom
 * worker module that imports `@taskweave/web-worker/worker` gets it called already.
 */
export function startWorkerRuntime(): void {
  if (started) return;
  started = true;
  Comlink.expose(api);
}
