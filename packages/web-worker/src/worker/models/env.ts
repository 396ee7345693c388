/**
 * Every transformers.js / onnxruntime-web `env` setting of a worker, in one place.
 *
 * - Models come from `modelBaseUrl` (an absolute URL on the page's origin; `env.localModelPath` is its path);
 *   remote models (the Hugging Face hub) stay off unless the app sets `allowRemoteModels`.
 * - ORT loads its `.mjs`/`.wasm` from `wasmBaseUrl` (`env.backends.onnx.wasm.wasmPaths`), which
 *   must be an ABSOLUTE URL: a bare `'/ort/'` breaks under the Vite dev server, and the default of
 *   transformers.js is a CDN. The `taskweaveOrt()` Vite plugin (`@taskweave/web-worker/vite`)
 *   serves those files under `/ort/`.
 * - `numThreads` ORT threads per worker (default 1: the pool's parallelism is its workers). ORT
 *   reads it when it creates its first session, so a later change has no effect in that worker.
 *
 * - Model files are read through the model cache (`shared/modelAssets.ts`, Cache Storage
 *   `taskweave-models`) handed to transformers.js as `env.customCache` (`useBrowserCache` off, so
 *   there is one cache, not two); the app's declared models (`models`) are written there checked
 *   and whole by `ensureDeclaredModel`, other files as transformers.js fetches them.
 * - ORT's `.wasm` comes from that cache too, as bytes (`env.backends.onnx.wasm.wasmBinary`), so a
 *   warm reload fetches none of its 27 MB (transformers.js 4's own wasm cache, `env.useWasmCache`,
 *   stays off: it would keep a second copy, unverified, and hand ORT its glue as a `blob:` URL even
 *   online, which a strict CSP refuses). The 53 KB `.mjs` glue is imported from `wasmBaseUrl`
 *   while the origin answers, and from a `blob:` URL of its cached copy when it does not (offline):
 *   ORT takes it only as a URL. Under a CSP of `script-src 'self'` a blob: script is refused, so such
 *   an app needs a service worker (or `blob:` in `script-src`) to start ORT offline.
 *
 * - One ORT: the worker imports `onnxruntime-web/webgpu`, the entry transformers.js 4 imports, from
 *   this package's dependency on the very version transformers.js 4.3 pins, which the package
 *   manager keeps as one copy; so ModelInference's raw-tensor sessions and the pipelines share one
 *   runtime, one wasm instance, one `env` (checked when transformers.js loads).
 *
 * - Every response to a request under `modelBaseUrl` is looked at (`watchedFetch`, transformers.js 4's `env.fetch`): a 404 or
 *   an HTML page where a model file was asked is remembered (`missingModelFiles`), so a failed load
 *   can say which file of which model is not there, and an HTML page goes on to transformers.js as
 *   the 404 it stands for (it skips a missing optional file, and caches no page as a model file).
 *
 * transformers.js is imported lazily (first model use), so a worker starts fast.
 */
import { TaskweaveError, ValidationError } from '@taskweave/core';
import { ModelAssetStore, isMissingModelFile, resolveModelDeclarations, type ResolvedModelDeclaration } from '../../shared/modelAssets.js';
import type { ModelEnvOptions } from '../../shared/modelEnvOptions.js';

/** The settings in force, with absolute URLs. */
export interface ResolvedModelEnv {
  modelBaseUrl: string;
  wasmBaseUrl: string;
  allowRemoteModels: boolean;
  numThreads: number;
  models: ResolvedModelDeclaration[];
}

type Transformers = typeof import('@huggingface/transformers');

let options: ModelEnvOptions = {};
let applied: Promise<Transformers> | undefined;
let resolvedNow: ResolvedModelEnv | undefined;

function here(): string {
  return (globalThis as { location?: { href: string } }).location?.href ?? 'http://localhost/';
}

function absolute(url: string | undefined, fallback: string, field: string): string {
  const raw = url ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw, here());
  } catch {
    throw new ValidationError(`model env: ${field} is not a URL: ${JSON.stringify(raw)}`, [
      { path: [field], field, message: 'must be a URL' },
    ]);
  }
  const href = parsed.href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** Resolves options to absolute URLs and defaults. */
export function resolveModelEnv(opts: ModelEnvOptions = options): ResolvedModelEnv {
  const numThreads = opts.numThreads ?? 1;
  if (!Number.isInteger(numThreads) || numThreads < 1) {
    throw new ValidationError(`model env: numThreads must be a whole number ≥ 1, got ${numThreads}`, [
      { path: ['numThreads'], field: 'numThreads', message: 'must be a whole number ≥ 1' },
    ]);
  }
  return {
    modelBaseUrl: absolute(opts.modelBaseUrl, '/models/', 'modelBaseUrl'),
    wasmBaseUrl: absolute(opts.wasmBaseUrl, '/ort/', 'wasmBaseUrl'),
    allowRemoteModels: opts.allowRemoteModels ?? false,
    numThreads,
    models: resolveModelDeclarations(opts.models),
  };
}

/**
 * Sets this worker's model options. Call before the first model loads (the pool does, at worker
 * start); URLs and `allowRemoteModels` also apply to later loads, `numThreads` only before ORT starts.
 */
export function configureModelEnv(next: ModelEnvOptions): void {
  options = { ...options, ...next };
  const resolved = resolveModelEnv(options);
  resolvedNow = resolved;
  store = undefined;
  if (applied !== undefined) void applied.then((t) => applyTo(t, resolved));
}

/** The settings in force now. */
export function modelEnv(): ResolvedModelEnv {
  resolvedNow ??= resolveModelEnv(options);
  return resolvedNow;
}

let store: ModelAssetStore | undefined;

/** The model cache of the settings in force. */
export function modelAssets(): ModelAssetStore {
  const env = modelEnv();
  store ??= new ModelAssetStore(env, env.models);
  return store;
}

/**
 * Before a declared model loads: its files into the cache (fetched if missing) and every pinned
 * hash checked against the cached bytes, so transformers.js reads only checked files.
 */
export async function ensureDeclaredModel(modelId: string): Promise<ResolvedModelDeclaration | undefined> {
  const assets = modelAssets();
  if (assets.declared(modelId) === undefined) return undefined;
  await assets.prefetch(modelId, { verifyCached: true, includeRuntime: false });
  return assets.declared(modelId);
}

/**
 * `modelBaseUrl` as transformers.js 4.3 should get it: the path alone when it is on this worker's
 * origin. Its file probe (`get_file_metadata`, which decides whether a tokenizer has files) skips a
 * local path that is an absolute URL, so `http://…/models/` would load no tokenizer at all.
 */
function localModelPath(modelBaseUrl: string): string {
  const base = new URL(modelBaseUrl);
  return base.origin === new URL(here()).origin ? `${base.pathname}${base.search}` : modelBaseUrl;
}

function applyTo(transformers: Transformers, resolved: ResolvedModelEnv): void {
  const { env } = transformers;
  env.fetch = watchedFetch;
  env.useWasmCache = false;
  if (typeof caches !== 'undefined') {
    env.useBrowserCache = false;
    env.useCustomCache = true;
    env.customCache = modelAssets().transformersCache();
  }
  env.allowLocalModels = true;
  env.localModelPath = localModelPath(resolved.modelBaseUrl);
  env.allowRemoteModels = resolved.allowRemoteModels;
  const onnx = env.backends.onnx;
  if (onnx.wasm !== undefined) {
    onnx.wasm.wasmPaths = resolved.wasmBaseUrl;
    onnx.wasm.numThreads = resolved.numThreads;
    onnx.wasm.proxy = false;
  }
}

/** Model files found missing (URL → what answered), oldest first; bounded. */
const misses = new Map<string, string>();
const MAX_MISSES = 256;

function requestUrl(input: RequestInfo | URL): string {
  return typeof input === 'string' ? new URL(input, here()).href : input instanceof URL ? input.href : input.url;
}

/**
 * transformers.js' fetch (`env.fetch`, set by `applyTo`): looks at every answer for a file under
 * `modelBaseUrl`, remembering a miss and turning an HTML page into the 404 it stands for.
 */
async function watchedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  const url = requestUrl(input);
  if (!url.startsWith(modelEnv().modelBaseUrl) || !isMissingModelFile(response)) return response;
  misses.delete(url);
  misses.set(url, response.ok ? `an HTML page (${response.headers.get('content-type') ?? 'text/html'})` : `HTTP ${response.status}`);
  if (misses.size > MAX_MISSES) misses.delete(misses.keys().next().value as string);
  if (!response.ok) return response;
  void response.body?.cancel().catch(() => undefined);
  return new Response(null, { status: 404, statusText: 'Not Found (an HTML page answered for a model file)' });
}

/** The model files under `folderUrl` found missing since `forgetMissingModelFiles(folderUrl)`, with what answered. */
export function missingModelFiles(folderUrl: string): { url: string; answer: string }[] {
  return [...misses].filter(([url]) => url.startsWith(folderUrl)).map(([url, answer]) => ({ url, answer }));
}

/** Forgets the misses under `folderUrl` (before a load, so an added file is not taken for missing). */
export function forgetMissingModelFiles(folderUrl: string): void {
  for (const url of [...misses.keys()]) if (url.startsWith(folderUrl)) misses.delete(url);
}

type Ort = typeof import('onnxruntime-web/webgpu');
let runtime: Promise<Ort> | undefined;

function loadOrt(): Promise<Ort> {
  runtime ??= import('onnxruntime-web/webgpu');
  return runtime;
}

/**
 * The onnxruntime-web module this worker runs on, configured (wasm paths, bytes, threads): the
 * one transformers.js runs on too, so ModelInference's raw-tensor sessions and the pipelines
 * share one runtime.
 */
export async function ort(): Promise<Ort> {
  await transformers();
  return loadOrt();
}

/**
 * transformers.js with this worker's settings applied (imported on first call). ORT's wasm bytes and
 * glue are read from the cache (or fetched) while transformers.js is still importing: the two do not
 * depend on each other, and waiting for one before starting the other put both on the cold start's
 * critical path.
 */
export function transformers(): Promise<Transformers> {
  applied ??= (async () => {
    const cached = typeof caches !== 'undefined';
    // If the cache cannot give the bytes, ORT fetches the wasm itself from wasmPaths, as before.
    const binary = cached ? modelAssets().wasmBinary().catch(() => undefined) : undefined;
    // The glue, likewise, from the cache when the origin cannot be reached.
    const glue = cached ? modelAssets().glueModuleUrl().catch(() => undefined) : undefined;
    const onnx = await loadOrt();
    const t = await import('@huggingface/transformers');
    // transformers.js 4 exposes a copy of ORT's env (`env.backends.onnx`) whose `wasm` is ORT's own object.
    if (t.env.backends.onnx.wasm !== onnx.env.wasm) {
      throw new TaskweaveError(
        'not-configured',
        'Two copies of onnxruntime-web are loaded: @taskweave/web-worker must resolve the same onnxruntime-web as @huggingface/transformers (install a transformers.js 4.3 release, or dedupe onnxruntime-web in the bundler)',
        { retryable: false },
      );
    }
    applyTo(t, modelEnv());
    const wasm = onnx.env.wasm;
    if (cached) {
      // Before the first session: ORT reads wasmBinary when it starts.
      const bytes = await binary;
      if (bytes !== undefined) wasm.wasmBinary = bytes;
      const mjs = await glue;
      if (mjs !== undefined && mjs !== modelAssets().glueUrl) wasm.wasmPaths = { mjs, wasm: modelAssets().wasmUrl };
    }
    return t;
  })();
  return applied;
}
