/**
 * The model cache of one worker: each model (a transformers.js pipeline or a raw onnxruntime-web
 * session) is loaded once, kept as a promise so concurrent users share one load, and disposed
 * least-recently-used first past the budget (`configure({ maxModels })`, default 2). Tokenizers
 * are cached on their own (small, no native resources).
 *
 * Loads report `ModelProgress` (from transformers.js' `progress_callback`, or from this module's
 * own streamed fetch for raw `.onnx` files) and `networkBytes`: the `transferSize` of the Resource
 * Timing entries under the model and ORT wasm base URLs (and of a raw model URL) added while the
 * model loaded. It misses bytes of files read from Cache Storage (transformers.js' browser cache:
 * correctly, they are not network), counts 0 for HTTP-cache hits, and stops counting if the
 * worker's resource timing buffer (raised to 10,000 entries here) is full.
 */
import { TaskweaveError, ValidationError, isTaskweaveError, type TokenizerLike } from '@taskweave/core';
import type { InferenceSession } from 'onnxruntime-web';
import type { Backend } from './backend.js';
import { disableWebGpu, runWithFallback, runtimeHealth } from './backend.js';
import {
  configureModelEnv,
  ensureDeclaredModel,
  forgetMissingModelFiles,
  missingModelFiles,
  modelAssets,
  modelEnv,
  ort,
  transformers,
} from './env.js';
import { isMissingModelFile } from '../../shared/modelAssets.js';
import type { ModelEnvOptions } from '../../shared/modelEnvOptions.js';
import type { CallContext, ModelHost } from '../runtime/handler.js';

import { MODEL_DTYPES, isModelDtype, type ModelDtype } from '../../shared/modelDtype.js';

export type { ModelDtype } from '../../shared/modelDtype.js';

/** A transformers.js pipeline, as far as this package calls it. */
export type Pipeline = ((inputs: unknown, options?: Record<string, unknown>) => Promise<unknown>) & {
  dispose(): Promise<void>;
  /** The pipeline's tokenizer (text pipelines have one). */
  tokenizer?: TokenizerLike;
};
type Tokenizer = Awaited<ReturnType<(typeof import('@huggingface/transformers'))['AutoTokenizer']['from_pretrained']>>;

/** A model from the cache, with what loading it cost this call (0 bytes when it was loaded). */
export interface Acquired<T> {
  value: T;
  backend: Backend;
  networkBytes: number;
}

interface Entry {
  key: string;
  modelId: string;
  backend: Backend;
  value: Promise<Pipeline | InferenceSession>;
  lastUsed: number;
  dispose(): Promise<void>;
}

const entries = new Map<string, Entry>();
const tokenizers = new Map<string, Promise<Tokenizer>>();
const dtypeProbes = new Map<string, Promise<Exclude<ModelDtype, 'auto'>>>();
let maxModels = 2;
let useCounter = 0;

function modelIdError(modelId: unknown): ValidationError {
  return new ValidationError(`modelId must be a non-empty model name or .onnx path, got ${JSON.stringify(modelId)}`, [
    { path: ['modelId'], field: 'modelId', message: 'must be a non-empty model name or .onnx path' },
  ]);
}

/** The dtype a task asks for (`metadata.dtype`), validated. */
export function dtypeOf(metadata: Record<string, string>): ModelDtype {
  const value = metadata['dtype'] ?? 'auto';
  if (!isModelDtype(value)) {
    throw new ValidationError(`metadata.dtype must be one of ${MODEL_DTYPES.join(', ')}, got ${JSON.stringify(value)}`, [
      { path: ['metadata', 'dtype'], field: 'metadata.dtype', message: `must be one of ${MODEL_DTYPES.join(', ')}` },
    ]);
  }
  return value;
}

function modelFolder(modelId: string): string {
  return new URL(`${modelId}/`, modelEnv().modelBaseUrl).href;
}

/**
 * `auto` dtype: `q8` when the model folder has `onnx/model_quantized.onnx`, else `fp32` (asked once
 * per model with a HEAD request). transformers.js would pick fp32 on WebGPU and q8 on WASM, which
 * fails for a model shipped in only one precision.
 */
function resolveDtype(modelId: string, dtype: ModelDtype): Promise<Exclude<ModelDtype, 'auto'>> {
  if (dtype !== 'auto') return Promise.resolve(dtype);
  let probe = dtypeProbes.get(modelId);
  if (probe === undefined) {
    probe = fetch(new URL('onnx/model_quantized.onnx', modelFolder(modelId)), { method: 'HEAD' })
      // An HTML page (an SPA's fallback) answering for the file means it is not there.
      .then((r) => (r.ok && !isMissingModelFile(r) ? ('q8' as const) : ('fp32' as const)))
      .catch(() => 'q8' as const);
    dtypeProbes.set(modelId, probe);
  }
  return probe;
}

let bufferRaised = false;
function resourceMark(): number {
  if (!bufferRaised) {
    bufferRaised = true;
    performance.setResourceTimingBufferSize?.(10_000);
  }
  return performance.getEntriesByType('resource').length;
}

function bytesSince(mark: number, extraUrl?: string): number {
  const env = modelEnv();
  let bytes = 0;
  for (const entry of performance.getEntriesByType('resource').slice(mark)) {
    const name = entry.name;
    if (name.startsWith(env.modelBaseUrl) || name.startsWith(env.wasmBaseUrl) || name === extraUrl) {
      bytes += (entry as PerformanceResourceTiming).transferSize || 0;
    }
  }
  return bytes;
}

function touch(entry: Entry): void {
  entry.lastUsed = ++useCounter;
}

async function evictOverBudget(keep: string): Promise<void> {
  const models = new Set([...entries.values()].map((e) => e.modelId));
  if (models.size <= maxModels) return;
  const byAge = [...entries.values()].filter((e) => e.key !== keep).sort((a, b) => a.lastUsed - b.lastUsed);
  for (const victim of byAge) {
    if (new Set([...entries.values()].map((e) => e.modelId)).size <= maxModels) break;
    entries.delete(victim.key);
    await victim.dispose().catch(() => undefined);
  }
}

/** Drops every cached WebGPU model (after a lost device). */
async function dropWebGpuModels(): Promise<void> {
  for (const entry of [...entries.values()]) {
    if (entry.backend !== 'webgpu') continue;
    entries.delete(entry.key);
    await entry.dispose().catch(() => undefined);
  }
}

async function watchDevice(): Promise<void> {
  const runtime = await ort();
  const device = (await Promise.resolve(runtime.env.webgpu?.device).catch(() => undefined)) as
    | { lost?: Promise<{ message?: string }> }
    | undefined;
  void device?.lost?.then((info) => {
    disableWebGpu(`WebGPU device lost: ${info?.message ?? ''}`);
    void dropWebGpuModels();
  });
}

async function acquire<T extends Pipeline | InferenceSession>(
  key: string,
  modelId: string,
  backend: Backend,
  load: () => Promise<T>,
  dispose: (value: T) => Promise<void>,
  extraUrl?: string,
): Promise<Acquired<T>> {
  const existing = entries.get(key);
  if (existing !== undefined) {
    touch(existing);
    return { value: (await existing.value) as T, backend, networkBytes: 0 };
  }
  const mark = resourceMark();
  forgetMissingModelFiles(modelFolder(modelId));
  const value = load();
  const entry: Entry = {
    key,
    modelId,
    backend,
    value,
    lastUsed: 0,
    dispose: async () => dispose(await value),
  };
  touch(entry);
  entries.set(key, entry);
  try {
    const loaded = await value;
    if (backend === 'webgpu') void watchDevice().catch(() => undefined);
    await evictOverBudget(key);
    return { value: loaded, backend, networkBytes: bytesSince(mark, extraUrl) };
  } catch (error) {
    if (entries.get(key) === entry) entries.delete(key);
    throw loadError(modelId, error);
  }
}

/** Files without which no model of a folder loads (others, such as generation_config.json, are optional). */
const REQUIRED_FILE = /\/(?:config\.json|tokenizer\.json|tokenizer_config\.json|onnx\/[^/]+\.onnx)$/;

/**
 * The model is not there: `url` answered 404 or with an HTML page. Not retryable: a retry fetches
 * the same answer.
 */
function modelNotFound(modelId: string, url: string, answer: string, cause?: unknown): TaskweaveError {
  return new TaskweaveError('model-not-found', `Model ${JSON.stringify(modelId)} is not there: ${url} answered ${answer}`, {
    retryable: false,
    ...(cause === undefined ? {} : { cause }),
    details: { field: 'modelId', modelId, url },
  });
}

function loadError(modelId: string, error: unknown): unknown {
  if (isTaskweaveError(error)) return error;
  // Decided from what the model's files answered while it loaded (see env.ts' watchedFetch), not from the error's text.
  const gone = missingModelFiles(modelFolder(modelId)).find((m) => REQUIRED_FILE.test(new URL(m.url).pathname));
  if (gone !== undefined) return modelNotFound(modelId, gone.url, gone.answer, error);
  const message = error instanceof Error ? error.message : String(error);
  // No file answered "not there": a fetch that failed (transformers.js words a network error as a
  // file "not found locally"), a crash, memory. Worth another attempt.
  return new TaskweaveError('execution', `Loading model "${modelId}" failed: ${message}`, {
    cause: error,
    retryable: true,
    details: { field: 'modelId', modelId },
  });
}

function forwardProgress(modelId: string, ctx: CallContext): (info: unknown) => void {
  return (raw) => {
    const info = raw as { status?: string; file?: string; loaded?: number; total?: number; progress?: number };
    const file = info.file ?? '';
    if (info.status === 'initiate') ctx.progress({ kind: 'model', status: 'initiate', modelId, file });
    else if (info.status === 'progress') {
      ctx.progress({ kind: 'model', status: 'progress', modelId, file, loaded: info.loaded ?? 0, total: info.total ?? 0, progress: info.progress ?? 0 });
    } else if (info.status === 'done') ctx.progress({ kind: 'model', status: 'done', modelId, file });
  };
}

function checkModelId(modelId: unknown): asserts modelId is string {
  if (typeof modelId !== 'string' || modelId.trim() === '') throw modelIdError(modelId);
}

/**
 * The transformers.js pipeline `task` of `modelId` on `backend`, loaded once per worker.
 * @example const { value: extractor } = await getPipeline('feature-extraction', 'use-lite', 'wasm', 'auto', ctx)
 */
export async function getPipeline(
  task: string,
  modelId: string,
  backend: Backend,
  dtype: ModelDtype,
  ctx: CallContext,
): Promise<Acquired<Pipeline>> {
  checkModelId(modelId);
  // A declared model loads in its declared precision (no probe), from the checked cache.
  const declared = modelAssets().declared(modelId);
  const resolved = dtype === 'auto' && declared !== undefined ? declared.dtype : await resolveDtype(modelId, dtype);
  const key = `pipeline|${task}|${modelId}|${backend}|${resolved}`;
  const fresh = !entries.has(key);
  const acquired = await acquire<Pipeline>(
    key,
    modelId,
    backend,
    async () => {
      const t = await transformers();
      if (declared !== undefined && declared.dtype === resolved) await ensureDeclaredModel(modelId);
      const pipe = (await t.pipeline(task as Parameters<typeof t.pipeline>[0], modelId, {
        device: backend,
        dtype: resolved,
        progress_callback: forwardProgress(modelId, ctx),
      })) as unknown as Pipeline;
      return pipe;
    },
    (pipe) => pipe.dispose(),
  );
  if (fresh) ctx.progress({ kind: 'model', status: 'ready', modelId, backend });
  return acquired;
}

/** Where a raw ONNX model lives: `x.onnx` relative to the model base (or an absolute URL), or `<id>/onnx/model[_quantized].onnx`. */
async function sessionUrl(modelId: string, dtype: ModelDtype): Promise<string> {
  const env = modelEnv();
  let url: URL;
  if (/\.onnx(\?.*)?$/i.test(modelId)) url = new URL(modelId, env.modelBaseUrl);
  else {
    const resolved = await resolveDtype(modelId, dtype);
    const file = resolved === 'fp32' ? 'model.onnx' : resolved === 'q8' ? 'model_quantized.onnx' : `model_${resolved}.onnx`;
    url = new URL(`onnx/${file}`, modelFolder(modelId));
  }
  const origin = (globalThis as { location?: { origin: string } }).location?.origin;
  if (origin !== undefined && url.origin !== origin && !env.allowRemoteModels) {
    throw new ValidationError(`modelId ${JSON.stringify(modelId)} points outside this origin and remote models are off`, [
      { path: ['modelId'], field: 'modelId', message: 'must be on the page origin unless allowRemoteModels is on' },
    ]);
  }
  return url.href;
}

async function fetchModel(url: string, modelId: string, ctx: CallContext): Promise<Uint8Array> {
  const file = new URL(url).pathname.split('/').pop() ?? url;
  ctx.progress({ kind: 'model', status: 'initiate', modelId, file });
  const response = await fetch(url, { signal: ctx.signal });
  if (isMissingModelFile(response)) {
    throw modelNotFound(modelId, url, response.ok ? `an HTML page (${response.headers.get('content-type') ?? 'text/html'})` : `HTTP ${response.status}`);
  }
  if (!response.ok) {
    throw new TaskweaveError('execution', `Model file ${url} answered HTTP ${response.status}`, {
      retryable: response.status >= 500,
      details: { field: 'modelId', modelId, status: response.status },
    });
  }
  const total = Number(response.headers.get('content-length') ?? 0);
  const reader = response.body?.getReader();
  if (reader === undefined) return new Uint8Array(await response.arrayBuffer());
  const parts: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.byteLength;
    ctx.progress({ kind: 'model', status: 'progress', modelId, file, loaded, total, progress: total > 0 ? (loaded / total) * 100 : 0 });
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  ctx.progress({ kind: 'model', status: 'done', modelId, file });
  return bytes;
}

/**
 * A raw onnxruntime-web session for `modelId` (the same ORT transformers.js runs on), loaded once per worker.
 * @example const { value: session } = await getSession('silero_vad_v5.onnx', 'wasm', 'auto', ctx)
 */
export async function getSession(
  modelId: string,
  backend: Backend,
  dtype: ModelDtype,
  ctx: CallContext,
): Promise<Acquired<InferenceSession>> {
  checkModelId(modelId);
  const url = await sessionUrl(modelId, dtype);
  const key = `session|${url}|${backend}`;
  const fresh = !entries.has(key);
  const acquired = await acquire<InferenceSession>(
    key,
    modelId,
    backend,
    async () => {
      const runtime = await ort();
      const bytes = await fetchModel(url, modelId, ctx);
      return runtime.InferenceSession.create(bytes, { executionProviders: [backend] });
    },
    (session) => session.release(),
    url,
  );
  if (fresh) ctx.progress({ kind: 'model', status: 'ready', modelId, backend });
  return acquired;
}

/** The tokenizer of `modelId` (its `tokenizer.json`), loaded once per worker. */
export async function getTokenizer(modelId: string, ctx: CallContext): Promise<{ tokenizer: Tokenizer; networkBytes: number }> {
  checkModelId(modelId);
  let pending = tokenizers.get(modelId);
  if (pending !== undefined) return { tokenizer: await pending, networkBytes: 0 };
  const mark = resourceMark();
  forgetMissingModelFiles(modelFolder(modelId));
  pending = transformers().then((t) => t.AutoTokenizer.from_pretrained(modelId, { progress_callback: forwardProgress(modelId, ctx) }));
  tokenizers.set(modelId, pending);
  try {
    const tokenizer = await pending;
    return { tokenizer, networkBytes: bytesSince(mark) };
  } catch (error) {
    tokenizers.delete(modelId);
    throw loadError(modelId, error);
  }
}

/** Drops one cached model (e.g. a WebGPU session that failed) and disposes it. */
export async function unloadModel(modelId: string, backend?: Backend): Promise<void> {
  for (const entry of [...entries.values()]) {
    if (entry.modelId !== modelId || (backend !== undefined && entry.backend !== backend)) continue;
    entries.delete(entry.key);
    await entry.dispose().catch(() => undefined);
  }
}

/** Ids of the loaded models, least recently used first. */
export function loadedModels(): string[] {
  const newest = new Map<string, number>();
  for (const entry of entries.values()) newest.set(entry.modelId, Math.max(newest.get(entry.modelId) ?? 0, entry.lastUsed));
  return [...newest.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
}

/**
 * The model host the worker runtime registers: budget, warm-up (a `feature-extraction` pipeline
 * of the model on the task's backend, WebGPU falling back to WASM, plus one tiny call so the
 * first real task does not pay ORT's first-run cost), and the loaded list for model affinity.
 */
export const modelHost: ModelHost & { configure(options: { maxModels: number } & ModelEnvOptions): void } = {
  configure(options) {
    const { maxModels: budget, ...env } = options;
    if (!Number.isInteger(budget) || budget < 1) {
      throw new ValidationError(`maxModels must be a whole number ≥ 1, got ${budget}`, [
        { path: ['maxModels'], field: 'maxModels', message: 'must be a whole number ≥ 1' },
      ]);
    }
    maxModels = budget;
    if (Object.keys(env).length > 0) configureModelEnv(env);
    void evictOverBudget('');
    // The host loads when a model is first needed: start importing transformers.js (and reading
    // ORT's wasm) now, while the handler and the backend probe are still on their way.
    transformers().catch(() => undefined);
  },
  async warmUp(modelId, ctx) {
    const { backend } = await runWithFallback(
      ctx.backend,
      ctx.signal,
      async (b) => {
        const { value: pipe } = await getPipeline('feature-extraction', modelId, b, 'auto', ctx);
        await pipe('warm up', { pooling: 'mean', normalize: true });
      },
      { runtime: 'transformers', onWebGpuFailure: () => unloadModel(modelId, 'webgpu') },
    );
    ctx.progress({ kind: 'model', status: 'ready', modelId, backend });
    return { backend };
  },
  loadedModels,
  health: runtimeHealth,
};
