/**
 * Backend choice for one task: WebGPU when `navigator.gpu.requestAdapter()` gives an adapter,
 * else WASM. `auto` is the default; `task.metadata.backend` ('webgpu' | 'wasm' | 'auto') overrides
 * the pool's choice. A WebGPU failure (no adapter, device lost, an op the WebGPU provider lacks)
 * does not fail the task: it runs again on WASM, and the backend actually used is returned so the
 * handler reports it (`ctx.reportMetrics({ backend })`).
 */
import { TaskweaveError, ValidationError, type Task } from '@taskweave/core';
import { parseTaskBackend, type BackendPreference } from '../../shared/backendPreference.js';

/** A backend that actually runs a model. */
export type Backend = 'webgpu' | 'wasm';

let adapterProbe: Promise<boolean> | undefined;
let webgpuDisabled: string | undefined;

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** Whether this worker can get a WebGPU adapter (asked once). */
export function webgpuAvailable(): Promise<boolean> {
  adapterProbe ??= (async () => {
    const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
    if (gpu === undefined) return false;
    try {
      return (await gpu.requestAdapter()) != null;
    } catch {
      return false;
    }
  })();
  return adapterProbe;
}

/** Stops using WebGPU in this worker (after a lost device); later tasks run on WASM. */
export function disableWebGpu(reason: string): void {
  webgpuDisabled = reason;
}

/** Why WebGPU is off in this worker, if it was turned off after a failure. */
export function webgpuDisabledReason(): string | undefined {
  return webgpuDisabled;
}

/** The preference of a task: `task.metadata.backend` when set (a ValidationError when it names no backend), else the pool's. */
export function backendPreference(task: Task, fallback: BackendPreference): BackendPreference {
  const backend = parseTaskBackend(task, fallback);
  if (backend instanceof ValidationError) throw backend;
  return backend;
}

/** The backend to try first for a preference: WebGPU only when asked for (or `auto`) and available. */
export async function chooseBackend(preference: BackendPreference): Promise<Backend> {
  if (preference === 'wasm' || webgpuDisabled !== undefined) return 'wasm';
  return (await webgpuAvailable()) ? 'webgpu' : 'wasm';
}

function mustNotRetry(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true;
  return error instanceof TaskweaveError && (error.code === 'validation' || error.code === 'model-not-found' || error.code === 'cancelled' || error.code === 'timeout');
}

/**
 * Why this worker's transformers.js refuses every later model call, once a call through it failed:
 * transformers.js 4.3 chains each ORT session creation and run on the one before it, so one
 * rejection is handed to every call after it (huggingface/transformers.js#1767). Such a worker is
 * replaced after its job (`JobResult.replace`).
 */
let spoiledBy: string | undefined;
/** Set when that failure happened on WebGPU: the pool then runs its later jobs on WASM. */
let webgpuFailedBy: string | undefined;

/** What this worker's last failures mean for the pool: replace it, stop asking it for WebGPU. */
export function runtimeHealth(): { replace?: string; webgpuFailed?: string } {
  return {
    ...(spoiledBy === undefined ? {} : { replace: spoiledBy }),
    ...(webgpuFailedBy === undefined ? {} : { webgpuFailed: webgpuFailedBy }),
  };
}

/** What runs the work: transformers.js (whose failures spoil the worker) or ORT sessions of our own. */
export interface FallbackOptions {
  runtime: 'transformers' | 'ort';
  /** Called when WebGPU failed, before WASM runs (to drop the WebGPU session). */
  onWebGpuFailure?: (error: unknown) => Promise<void> | void;
}

/**
 * Runs `work` on the backend chosen for `preference`; when WebGPU was chosen and fails (anything
 * but a validation error or an abort), calls `onWebGpuFailure` (to drop the WebGPU session) and
 * runs `work` again on WASM. Resolves with the value and the backend that produced it.
 *
 * Work through transformers.js that fails spoils the worker (see `spoiledBy`); a WebGPU failure
 * there cannot run again on WASM in this worker, so it ends the attempt with a retryable error
 * and the retry runs on WASM in a fresh worker.
 */
export async function runWithFallback<T>(
  preference: BackendPreference,
  signal: AbortSignal,
  work: (backend: Backend) => Promise<T>,
  options: FallbackOptions,
): Promise<{ value: T; backend: Backend }> {
  const attempt = async (backend: Backend): Promise<T> => {
    try {
      return await work(backend);
    } catch (error) {
      if (options.runtime === 'transformers' && !mustNotRetry(error, signal)) {
        spoiledBy ??= `its transformers.js failed a model call on ${backend}: ${error instanceof Error ? error.message : String(error)}`;
        if (backend === 'webgpu') webgpuFailedBy ??= error instanceof Error ? error.message : String(error);
      }
      throw error;
    }
  };
  const first = await chooseBackend(preference);
  if (first === 'wasm') return { value: await attempt('wasm'), backend: 'wasm' };
  try {
    return { value: await attempt('webgpu'), backend: 'webgpu' };
  } catch (error) {
    if (mustNotRetry(error, signal)) throw error;
    if (/device (was )?lost|GPUDevice/i.test(String(error))) disableWebGpu(String(error));
    await options.onWebGpuFailure?.(error);
    signal.throwIfAborted();
    if (spoiledBy !== undefined) {
      const message = error instanceof Error ? error.message : String(error);
      throw new TaskweaveError('execution', `WebGPU failed (${message}): the task runs again on WASM, in a new worker`, {
        retryable: true,
        cause: error,
        details: { backend: 'webgpu' },
      });
    }
    return { value: await work('wasm'), backend: 'wasm' };
  }
}
