/**
 * The model asset store: the files of the models an app declares (`createTaskweave({ models })`)
 * and ORT's `.wasm` and `.mjs`, in one Cache Storage cache (`taskweave-models`), keyed by their absolute URL
 * under the model / ORT base URLs. The page (prefetch, list, clear) and the workers (each model
 * load) use the same code, and transformers.js reads from the same cache (`env.customCache`, set in
 * worker/models/env.ts), so what `list()` reports is what the models load from.
 *
 * - A model is written whole, then committed: its files go in one by one, then a manifest entry
 *   (`<model folder>.taskweave-manifest-<dtype>.json`) is written last. Any failure deletes the
 *   entries this call wrote, so a quota error leaves no half-model behind.
 * - Files with a pinned hash (`hashes: { 'onnx/model_quantized.onnx': 'sha256-…' }`, SRI form,
 *   base64) are checked with SHA-256 before they enter the cache and again, from the cache, when a
 *   worker loads the model. A mismatch is a `ValidationError` naming the file.
 * - A `QuotaExceededError` while writing is a `PersistenceError` with reason `quota`.
 */
import { PersistenceError, TaskweaveError, ValidationError } from '@taskweave/core';
import { ASSET_DTYPES, type AssetDtype } from './modelDtype.js';

/** Cache Storage name of the model files and ORT's `.wasm`/`.mjs`. */
export const MODEL_CACHE_NAME = 'taskweave-models';
/** The ORT files `onnxruntime-web/webgpu` loads (the build transformers.js 4 runs on); both are cached. */
export const ORT_WASM_FILE = 'ort-wasm-simd-threaded.asyncify.wasm';
export const ORT_GLUE_FILE = 'ort-wasm-simd-threaded.asyncify.mjs';
/**
 * The onnxruntime-web the workers run on (this package's dependency; a test holds it to the
 * installed one). ORT's file names carry no version, so its cached files are keyed by it
 * (`<url>?ort=<version>`): an upgrade never reads the old wasm with the new glue, and the first
 * write of the new files drops every other version's (no orphaned 27 MB wasm).
 */
export const ORT_VERSION = '1.31.0-dev.20260914-8d85527a0';
/** ORT's files by name, whatever their version or build: what `dropOtherRuntimes` looks for. */
const ORT_FILE = /\/ort-wasm[^/]*\.(?:wasm|mjs)$/;

export type { AssetDtype } from './modelDtype.js';

/**
 * A model the app uses, declared up front so it can be prefetched, listed, cleared and verified.
 * @example const model: ModelDeclaration = { id: 'use-lite', dtype: 'q8', hashes: { 'onnx/model_quantized.onnx': 'sha256-…' } }
 */
export interface ModelDeclaration {
  /** The model folder under the model base URL (`/models/<id>/`). */
  id: string;
  /** Which ONNX file loads (`q8` = `onnx/model_quantized.onnx`, `fp32` = `onnx/model.onnx`, …). @default 'q8' */
  dtype?: AssetDtype;
  /** The model's files, relative to its folder. @default ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/<file of dtype>'] */
  files?: readonly string[];
  /** Pinned SHA-256 per file (`'sha256-<base64>'`, as in Subresource Integrity); files not named are not checked. */
  hashes?: Readonly<Record<string, string>>;
}

/** A declaration with defaults applied. */
export interface ResolvedModelDeclaration {
  id: string;
  dtype: AssetDtype;
  files: string[];
  hashes: Record<string, string>;
}

/** One file of a model, as the cache holds it. */
export interface ModelFileStatus {
  path: string;
  cached: boolean;
  /** Bytes in the cache (0 when not cached). */
  bytes: number;
}

/** A declared model and how much of it the cache holds. */
export interface ModelAssetStatus {
  id: string;
  dtype: AssetDtype;
  /** Every file is in the cache and the model was committed (prefetched or loaded whole). */
  cached: boolean;
  /** Bytes of this model's files in the cache. */
  bytes: number;
  files: ModelFileStatus[];
}

/** Download progress of `prefetch`, per file and overall. */
export interface AssetProgress {
  modelId: string;
  /** The file being fetched (`onnx/model_quantized.onnx`, or ORT's `.wasm`). */
  file: string;
  /** Bytes of this file so far / in all (0 when the server sent no length). */
  loaded: number;
  total: number;
  /** Bytes fetched so far by this prefetch, over all its files. */
  overallLoaded: number;
}

/** Where the assets live (absolute URLs ending in '/'). */
export interface AssetLocation {
  modelBaseUrl: string;
  wasmBaseUrl: string;
}

const SRI = /^sha256-[A-Za-z0-9+/]{43}=$/;

function onnxFile(dtype: AssetDtype): string {
  if (dtype === 'fp32') return 'onnx/model.onnx';
  if (dtype === 'q8') return 'onnx/model_quantized.onnx';
  return `onnx/model_${dtype}.onnx`;
}

function issue(field: string, message: string): ValidationError {
  const path = field.split('.');
  return new ValidationError(`models: ${field} ${message}`, [{ path, field, message }]);
}

/** Checks and completes the `models` option. */
export function resolveModelDeclarations(models: unknown): ResolvedModelDeclaration[] {
  if (models === undefined) return [];
  if (!Array.isArray(models)) throw issue('models', 'must be an array of { id, dtype?, hashes? }');
  const seen = new Set<string>();
  return models.map((raw: unknown, i) => {
    const m = raw as Partial<ModelDeclaration> | null;
    if (typeof m !== 'object' || m === null) throw issue(`models.${i}`, 'must be an object');
    if (typeof m.id !== 'string' || m.id.trim() === '' || m.id.includes('..')) throw issue(`models.${i}.id`, 'must be a model folder name');
    if (seen.has(m.id)) throw issue(`models.${i}.id`, `declares "${m.id}" twice`);
    seen.add(m.id);
    const dtype = m.dtype ?? 'q8';
    if (!(ASSET_DTYPES as readonly unknown[]).includes(dtype)) throw issue(`models.${i}.dtype`, `must be one of ${ASSET_DTYPES.join(', ')}`);
    const files = m.files === undefined ? ['config.json', 'tokenizer.json', 'tokenizer_config.json', onnxFile(dtype)] : [...m.files];
    if (files.length === 0 || files.some((f) => typeof f !== 'string' || f === '' || f.startsWith('/') || f.includes('..'))) {
      throw issue(`models.${i}.files`, 'must list paths relative to the model folder');
    }
    const hashes: Record<string, string> = {};
    for (const [file, hash] of Object.entries(m.hashes ?? {})) {
      if (!files.includes(file)) throw issue(`models.${i}.hashes.${file}`, 'names a file the model does not have');
      if (typeof hash !== 'string' || !SRI.test(hash)) throw issue(`models.${i}.hashes.${file}`, "must be 'sha256-<base64 of 32 bytes>'");
      hashes[file] = hash;
    }
    return { id: m.id, dtype, files, hashes };
  });
}

/** `'sha256-<base64>'` of `bytes`. */
export async function sha256(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let binary = '';
  for (const b of digest) binary += String.fromCharCode(b);
  return `sha256-${btoa(binary)}`;
}

function isQuota(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'QuotaExceededError';
}

function quotaError(what: string, error: unknown): PersistenceError {
  return new PersistenceError('quota', `Storage quota exceeded while caching ${what}; nothing of it was kept. Free space (clear a model) or ask for persistent storage.`, { cause: error });
}

function unavailable(error: unknown): PersistenceError {
  return new PersistenceError('unavailable', `Cache Storage is not available here: ${String(error)}`, { cause: error });
}

async function openCache(): Promise<Cache> {
  try {
    return await caches.open(MODEL_CACHE_NAME);
  } catch (error) {
    throw unavailable(error);
  }
}

/** The asset store over one location (model and ORT base URLs). */
export class ModelAssetStore {
  readonly #location: AssetLocation;
  readonly #models: Map<string, ResolvedModelDeclaration>;

  constructor(location: AssetLocation, models: readonly ResolvedModelDeclaration[]) {
    this.#location = location;
    this.#models = new Map(models.map((m) => [m.id, m]));
  }

  /** The declared models. */
  get models(): ResolvedModelDeclaration[] {
    return [...this.#models.values()];
  }

  /** The declaration of `id`, if declared. */
  declared(id: string): ResolvedModelDeclaration | undefined {
    return this.#models.get(id);
  }

  /** A declared model, or a `not-found` error. */
  #model(id: string): ResolvedModelDeclaration {
    const model = this.#models.get(id);
    if (model === undefined) {
      throw new TaskweaveError('not-found', `Model "${id}" is not declared in createTaskweave({ models })`, { retryable: false, details: { modelId: id } });
    }
    return model;
  }

  fileUrl(model: ResolvedModelDeclaration, file: string): string {
    return new URL(file, new URL(`${model.id}/`, this.#location.modelBaseUrl)).href;
  }

  #manifestUrl(model: ResolvedModelDeclaration): string {
    return this.fileUrl(model, `.taskweave-manifest-${model.dtype}.json`);
  }

  get wasmUrl(): string {
    return new URL(ORT_WASM_FILE, this.#location.wasmBaseUrl).href;
  }

  get glueUrl(): string {
    return new URL(ORT_GLUE_FILE, this.#location.wasmBaseUrl).href;
  }

  /** Where ORT's file at `url` is cached: under this ORT version. */
  #runtimeKey(url: string): string {
    return `${url}?ort=${ORT_VERSION}`;
  }

  /** Caches ORT's file at `url` under this version, then drops the cached ORT files of any other version or build. */
  async #putRuntime(cache: Cache, url: string, response: Response, file: string, wrote: () => void): Promise<void> {
    const key = this.#runtimeKey(url);
    await putOrQuota(cache, key, response, `the ONNX Runtime ${file}`, wrote);
    const current = new Set([this.#runtimeKey(this.wasmUrl), this.#runtimeKey(this.glueUrl)]);
    const base = new URL(this.#location.wasmBaseUrl).href;
    for (const request of await cache.keys()) {
      const { href, origin, pathname } = new URL(request.url);
      if (!current.has(href) && href.startsWith(base) && ORT_FILE.test(`${origin}${pathname}`)) await cache.delete(request).catch(() => false);
    }
  }

  /** What the cache holds of each declared model. */
  async list(): Promise<ModelAssetStatus[]> {
    const cache = await openCache();
    return Promise.all(this.models.map((m) => this.#status(cache, m)));
  }

  async #status(cache: Cache, model: ResolvedModelDeclaration): Promise<ModelAssetStatus> {
    const files = await Promise.all(
      model.files.map(async (path): Promise<ModelFileStatus> => {
        const hit = await cache.match(this.fileUrl(model, path));
        // A Blob from the cache is a handle: its size is known without reading the bytes.
        const bytes = hit === undefined ? 0 : (await hit.blob()).size;
        return { path, cached: hit !== undefined, bytes };
      }),
    );
    const committed = (await cache.match(this.#manifestUrl(model))) !== undefined;
    return {
      id: model.id,
      dtype: model.dtype,
      cached: committed && files.every((f) => f.cached),
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      files,
    };
  }

  /**
   * Makes `id` available offline: fetches the files the cache lacks (and ORT's wasm), checks the
   * pinned hashes, writes them, then commits. With `verifyCached`, files already cached are read
   * back and checked too (what a worker does before it loads the model).
   */
  async prefetch(
    id: string,
    options: { onProgress?: (p: AssetProgress) => void; signal?: AbortSignal; verifyCached?: boolean; includeRuntime?: boolean } = {},
  ): Promise<ModelAssetStatus> {
    const model = this.#model(id);
    const cache = await openCache();
    const written: string[] = [];
    let overall = 0;
    const progress = (file: string, loaded: number, total: number, delta: number): void => {
      overall += delta;
      options.onProgress?.({ modelId: id, file, loaded, total, overallLoaded: overall });
    };
    try {
      for (const path of model.files) {
        const url = this.fileUrl(model, path);
        const expected = model.hashes[path];
        const hit = await cache.match(url);
        if (hit !== undefined) {
          if (options.verifyCached && expected !== undefined) await checkHash(model.id, path, await hit.arrayBuffer(), expected, 'in the cache');
          continue;
        }
        const { bytes, headers } = await download(url, path, options.signal, (loaded, total, delta) => progress(path, loaded, total, delta), model.id);
        if (expected !== undefined) await checkHash(model.id, path, bytes, expected, 'as downloaded');
        await putOrQuota(cache, url, new Response(bytes, { headers }), `model "${id}"`, () => written.push(url));
      }
      if (options.includeRuntime !== false) {
        for (const [url, file] of [[this.wasmUrl, ORT_WASM_FILE], [this.glueUrl, ORT_GLUE_FILE]] as const) {
          if ((await cache.match(this.#runtimeKey(url))) !== undefined) continue;
          const { bytes, headers } = await download(url, file, options.signal, (loaded, total, delta) => progress(file, loaded, total, delta));
          await this.#putRuntime(cache, url, new Response(bytes, { headers }), file, () => written.push(this.#runtimeKey(url)));
        }
      }
      const manifest = JSON.stringify({ id: model.id, dtype: model.dtype, files: model.files, hashes: model.hashes, committedAt: new Date().toISOString() });
      const manifestUrl = this.#manifestUrl(model);
      if ((await cache.match(manifestUrl)) === undefined) {
        await putOrQuota(cache, manifestUrl, new Response(manifest, { headers: { 'Content-Type': 'application/json' } }), `model "${id}"`, () => written.push(manifestUrl));
      }
    } catch (error) {
      // Nothing half-written: take out every entry this call put in.
      await Promise.all(written.map((url) => cache.delete(url).catch(() => false)));
      throw error;
    }
    return this.#status(cache, model);
  }

  /** Removes `id`'s files (and its commit) from the cache; without `id`, the whole cache, ORT's wasm included. */
  async clear(id?: string): Promise<void> {
    if (id === undefined) {
      await caches.delete(MODEL_CACHE_NAME);
      return;
    }
    const model = this.#model(id);
    const cache = await openCache();
    await cache.delete(this.#manifestUrl(model));
    await Promise.all(model.files.map((f) => cache.delete(this.fileUrl(model, f))));
  }

  /**
   * A transformers.js `env.customCache` over the same cache: `match` answers from it, `put` of a
   * declared model's file is refused (the store writes those itself, checked and committed), any
   * other file is stored as transformers.js would.
   */
  transformersCache(): { match(key: string): Promise<Response | undefined>; put(key: string, response: Response): Promise<void> } {
    const declaredUrls = new Set(this.models.flatMap((m) => m.files.map((f) => this.fileUrl(m, f))));
    // transformers.js asks by path (`/models/use-lite/config.json`, see env.ts) or by URL: one key either way.
    const absolute = (key: string) => new URL(key, globalThis.location?.href).href;
    return {
      match: async (key) => (await openCache()).match(absolute(key)),
      put: async (key, response) => {
        const url = absolute(key);
        // A page in place of a model file would be read back as that file until the cache is cleared.
        if (declaredUrls.has(url) || isMissingModelFile(response)) return;
        await (await openCache()).put(url, response);
      },
    };
  }

  /**
   * The URL ORT should import its `.mjs` glue from: `glueUrl` while the origin answers (the copy
   * is refreshed in the cache when missing); offline, a `blob:` URL of the cached copy (an app
   * whose CSP refuses `blob:` scripts needs a service worker for this). `glueUrl` when neither.
   */
  async glueModuleUrl(): Promise<string> {
    const cache = await openCache();
    try {
      const response = await fetch(this.glueUrl);
      if (response.ok) {
        if ((await cache.match(this.#runtimeKey(this.glueUrl))) === undefined) {
          await this.#putRuntime(cache, this.glueUrl, response, ORT_GLUE_FILE, () => undefined).catch(() => undefined);
        }
        return this.glueUrl;
      }
    } catch {
      // Offline (or the route is down): the cached copy, below.
    }
    const hit = await cache.match(this.#runtimeKey(this.glueUrl));
    if (hit === undefined) return this.glueUrl;
    // A blob: URL cannot be a base URL, and the glue resolves paths against its own
    // `import.meta.url`: it is told where it came from instead.
    const source = (await hit.text()).replaceAll('import.meta.url', JSON.stringify(this.glueUrl));
    return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  }

  /** ORT's wasm bytes: from the cache, else fetched and cached (a cache that cannot take it is skipped). */
  async wasmBinary(): Promise<ArrayBuffer> {
    const cache = await openCache();
    const hit = await cache.match(this.#runtimeKey(this.wasmUrl));
    if (hit !== undefined) return hit.arrayBuffer();
    const { bytes, headers } = await download(this.wasmUrl, ORT_WASM_FILE, undefined, () => undefined);
    await this.#putRuntime(cache, this.wasmUrl, new Response(bytes, { headers }), ORT_WASM_FILE, () => undefined).catch(() => undefined);
    return bytes;
  }
}

async function checkHash(modelId: string, file: string, bytes: ArrayBuffer, expected: string, where: string): Promise<void> {
  const actual = await sha256(bytes);
  if (actual === expected) return;
  throw new ValidationError(
    `Model "${modelId}": ${file} ${where} does not match its pinned hash (expected ${expected}, got ${actual}); it was not used`,
    [{ path: ['models', modelId, 'hashes', file], field: `models.${modelId}.hashes.${file}`, message: 'file does not match its pinned sha256' }],
    { details: { modelId, file, expected, actual } },
  );
}

async function putOrQuota(cache: Cache, url: string, response: Response, what: string, wrote: () => void): Promise<void> {
  try {
    await cache.put(url, response);
  } catch (error) {
    if (isQuota(error)) throw quotaError(what, error);
    throw new PersistenceError('unknown', `Could not write ${url} to the model cache: ${String(error)}`, { cause: error });
  }
  wrote();
}

async function download(
  url: string,
  file: string,
  signal: AbortSignal | undefined,
  onChunk: (loaded: number, total: number, delta: number) => void,
  /** The model `url` is a file of (not given for ORT's own files). */
  modelId?: string,
): Promise<{ bytes: ArrayBuffer; headers: Headers }> {
  let response: Response;
  try {
    response = await fetch(url, signal === undefined ? {} : { signal });
  } catch (error) {
    throw new TaskweaveError('execution', `Fetching ${url} failed: ${String(error)}`, { cause: error, retryable: true, details: { file } });
  }
  if (modelId !== undefined && isMissingModelFile(response)) {
    const answer = response.ok ? `an HTML page (${response.headers.get('content-type') ?? 'text/html'})` : `HTTP ${response.status}`;
    throw new TaskweaveError('model-not-found', `Model ${JSON.stringify(modelId)} is not there: ${url} answered ${answer}`, {
      retryable: false,
      details: { field: 'modelId', modelId, url, file },
    });
  }
  if (!response.ok) {
    throw new TaskweaveError('execution', `Fetching ${url} failed: HTTP ${response.status}`, { retryable: response.status >= 500, details: { file, status: response.status } });
  }
  const total = Number(response.headers.get('content-length') ?? 0) || 0;
  const headers = new Headers();
  for (const name of ['content-type', 'content-length', 'etag', 'last-modified']) {
    const value = response.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (response.body === null) return { bytes: await response.arrayBuffer(), headers };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onChunk(loaded, total, value.byteLength);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  headers.set('content-length', String(loaded));
  return { bytes: bytes.buffer, headers };
}

/**
 * A response that says the model file asked for is not there: 404, or an HTML page (a dev server
 * or an SPA host answers any unknown path with its index.html, status 200). Decided from the
 * response, never from an error's text.
 *
 * @example if (isMissingModelFile(await fetch(url))) throw modelNotFound('use-lite', url)
 */
export function isMissingModelFile(response: Pick<Response, 'status' | 'headers'>): boolean {
  if (response.status === 404 || response.status === 410) return true;
  return /^\s*text\/html\b/i.test(response.headers.get('content-type') ?? '');
}
