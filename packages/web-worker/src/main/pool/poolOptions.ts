/**
 * Options of `createWorkerPool`, checked once and resolved into `ResolvedPoolOptions` (no optional
 * fields) that the pool uses.
 */
import { ValidationError } from '@taskweave/core';
import { resolveBatching, type BatchingOptions, type ResolvedBatching } from './batcher.js';
import { BACKEND_RULE, isBackendPreference, type BackendPreference } from '../../shared/backendPreference.js';
import type { ModelEnvOptions } from '../../shared/modelEnvOptions.js';

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  /**
   * Makes one worker. Use the bundler-visible pattern so your worker file is bundled:
   * `() => new Worker(new URL('../my-worker.ts', import.meta.url), { type: 'module' })`.
   * @default the package's own entry (built-in handlers only)
   */
  createWorker?: () => Worker;
  /** Number of workers. @default navigator.hardwareConcurrency (at least 1) */
  size?: number;
  /** Backend when the task's `metadata.backend` does not say. @default 'auto' */
  backend?: BackendPreference;
  /** Most models each worker keeps loaded; the least recently used is disposed past it. @default 2 */
  modelsPerWorker?: number;
  /**
   * Where workers load models and ORT's wasm from (relative URLs resolve against the page), whether
   * remote models are allowed, ORT threads per worker.
   * @default { modelBaseUrl: '/models/', wasmBaseUrl: '/ort/', allowRemoteModels: false, numThreads: 1 }
   */
  modelEnv?: ModelEnvOptions;
  /**
   * The taskweave name whose IndexedDB database (`taskweave:<name>`) holds the collections of
   * storage and search tasks (a task's `metadata.database` overrides it). `createTaskweave` sets it.
   * @default 'default'
   */
  database?: string;
  /** Dynamic batching, or `false` for none. @default { types: ['EmbeddingGeneration'], maxBatchSize: 64, maxBatchChars: 16384, windowMs: 4, cheapTaskMs: 1 } */
  batching?: BatchingOptions | false;
  /** After an abort (cancel, deadline), how long a handler may take to stop before its worker is terminated and replaced. @default 1500 */
  abortGraceMs?: number;
  /** Heartbeat interval. @default 1000 */
  heartbeatMs?: number;
  /** A worker that has not answered a heartbeat for this long is replaced (`Infinity` = never). Keep it above your longest synchronous computation. @default 30000 */
  unresponsiveMs?: number;
  /** A worker that has not started within this long is replaced. @default 30000 */
  startTimeoutMs?: number;
  /** Workers that fail to start this many times in a row break the pool (tasks fail, non-retryable). @default 3 */
  maxStartFailures?: number;
  /** A worker that replaces a crashed one loads the models `warmUp` loaded before, before its first task. @default true */
  rewarm?: boolean;
  /**
   * Replaces a worker between jobs, re-loading the models it held, once it has run `afterTasks`
   * tasks or once the WebAssembly memory it holds passes `wasmMemoryBytes` (a WebAssembly heap
   * never shrinks, so a worker that once ran a huge input keeps that memory). Nothing is lost: a
   * worker is only recycled when it runs nothing. @default off
   */
  recycle?: { afterTasks?: number; wasmMemoryBytes?: number };
}

/** `WorkerPoolOptions` with defaults applied and every value checked. */
export interface ResolvedPoolOptions {
  size: number;
  createWorker: () => Worker;
  backend: BackendPreference;
  modelsPerWorker: number;
  modelEnv: ModelEnvOptions;
  database: string;
  batching: ResolvedBatching;
  abortGraceMs: number;
  heartbeatMs: number;
  unresponsiveMs: number;
  startTimeoutMs: number;
  maxStartFailures: number;
  rewarm: boolean;
  recycle: { afterTasks: number; wasmMemoryBytes: number };
}

/** A whole number ≥ 1, or a ValidationError naming `options.<field>`. */
export function positiveInt(value: number | undefined, field: string, fallback: number, where = 'createWorkerPool'): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ValidationError(`${where}: options.${field} must be a whole number ≥ 1, got ${value}`, [
      { path: [field], field, message: 'must be a whole number ≥ 1' },
    ]);
  }
  return value;
}

function nonNegative(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new ValidationError(`createWorkerPool: options.${field} must be a number ≥ 0, got ${value}`, [
      { path: [field], field, message: 'must be a number ≥ 0' },
    ]);
  }
  return value;
}

/** Relative model/ORT URLs are meant relative to the page, not to the worker script: resolve them here. */
function resolveModelEnvUrls(env: ModelEnvOptions): ModelEnvOptions {
  const base = typeof location === 'undefined' ? undefined : location.href;
  const resolved: ModelEnvOptions = { ...env };
  for (const field of ['modelBaseUrl', 'wasmBaseUrl'] as const) {
    const url = env[field];
    if (url === undefined) continue;
    try {
      resolved[field] = new URL(url, base).href;
    } catch {
      throw new ValidationError(`createWorkerPool: options.modelEnv.${field} is not a URL: ${JSON.stringify(url)}`, [
        { path: ['modelEnv', field], field: `modelEnv.${field}`, message: 'must be a URL' },
      ]);
    }
  }
  return resolved;
}

function defaultWorker(): Worker {
  // Written literally, so an app's bundler (Vite, webpack 5) emits the worker. `.js` names the built
  // file next to this one (dist/worker/entry.js); on sources Vite finds entry.ts for it.
  return new Worker(new URL('../../worker/entry.js', import.meta.url), { type: 'module' });
}

/**
 * Checks the options and applies the defaults; throws a ValidationError naming the field.
 * @example resolvePoolOptions({ size: 2 }).batching.maxBatchSize // 64
 */
export function resolvePoolOptions(options: WorkerPoolOptions): ResolvedPoolOptions {
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : undefined;
  const size = positiveInt(options.size, 'size', Math.max(1, Number.isInteger(cores) ? (cores as number) : 1));
  const batching = resolveBatching(options.batching);
  if (!Number.isInteger(batching.maxBatchSize) || batching.maxBatchSize < 1) {
    throw new ValidationError(`createWorkerPool: options.batching.maxBatchSize must be a whole number ≥ 1`, [
      { path: ['batching', 'maxBatchSize'], field: 'batching.maxBatchSize', message: 'must be a whole number ≥ 1' },
    ]);
  }
  if (typeof batching.maxBatchChars !== 'number' || !(batching.maxBatchChars > 0)) {
    throw new ValidationError(`createWorkerPool: options.batching.maxBatchChars must be a number > 0`, [
      { path: ['batching', 'maxBatchChars'], field: 'batching.maxBatchChars', message: 'must be a number > 0' },
    ]);
  }
  nonNegative(batching.windowMs, 'batching.windowMs', 0);
  nonNegative(batching.cheapTaskMs, 'batching.cheapTaskMs', 0);
  if (options.createWorker !== undefined && typeof options.createWorker !== 'function') {
    throw new ValidationError('createWorkerPool: options.createWorker must be a function returning a Worker', [
      { path: ['createWorker'], field: 'createWorker', message: 'must be a function' },
    ]);
  }
  const backend = options.backend ?? 'auto';
  if (!isBackendPreference(backend)) {
    throw new ValidationError(`createWorkerPool: options.backend ${BACKEND_RULE}, got ${String(backend)}`, [
      { path: ['backend'], field: 'backend', message: BACKEND_RULE },
    ]);
  }
  return {
    size,
    createWorker: options.createWorker ?? defaultWorker,
    backend,
    modelsPerWorker: positiveInt(options.modelsPerWorker, 'modelsPerWorker', 2),
    modelEnv: resolveModelEnvUrls(options.modelEnv ?? {}),
    database: options.database ?? 'default',
    batching,
    abortGraceMs: nonNegative(options.abortGraceMs, 'abortGraceMs', 1500),
    heartbeatMs: nonNegative(options.heartbeatMs, 'heartbeatMs', 1000),
    unresponsiveMs: nonNegative(options.unresponsiveMs, 'unresponsiveMs', 30_000),
    startTimeoutMs: nonNegative(options.startTimeoutMs, 'startTimeoutMs', 30_000),
    maxStartFailures: positiveInt(options.maxStartFailures, 'maxStartFailures', 3),
    rewarm: options.rewarm ?? true,
    recycle: {
      afterTasks: positiveInt(options.recycle?.afterTasks, 'recycle.afterTasks', Number.POSITIVE_INFINITY),
      wasmMemoryBytes: positiveInt(options.recycle?.wasmMemoryBytes, 'recycle.wasmMemoryBytes', Number.POSITIVE_INFINITY),
    },
  };
}
