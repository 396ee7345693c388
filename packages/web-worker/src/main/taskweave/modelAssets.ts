/**
 * `tw.models` — the app's declared models and the browser storage they live in: list what is
 * cached, prefetch for offline use, clear, ask for persistent storage, read the quota. It works
 * on the cache the workers load from (`shared/modelAssets.ts`), in every tab whatever its role.
 */
import { PersistenceError } from '@taskweave/core';
import {
  ModelAssetStore,
  resolveModelDeclarations,
  type AssetProgress,
  type ModelAssetStatus,
  type ModelDeclaration,
} from '../../shared/modelAssets.js';
import type { ModelEnvOptions } from '../../shared/modelEnvOptions.js';

/** What `persist()` got from the browser. */
export interface PersistResult {
  /** The origin's storage is persistent (not evicted under storage pressure without asking). */
  persisted: boolean;
  /** The browser has `navigator.storage.persist` at all. */
  supported: boolean;
}

/** `navigator.storage.estimate()`, plus whether storage is persistent. */
export interface StorageEstimate {
  /** Bytes this origin uses (all storage: Cache Storage, IndexedDB, …). */
  usage: number;
  /** Bytes this origin may use. */
  quota: number;
  persisted: boolean;
}

/** Options of `prefetch`. */
export interface PrefetchOptions {
  /** Called for every chunk downloaded. */
  onProgress?: (progress: AssetProgress) => void;
  signal?: AbortSignal;
}

/**
 * The model cache API of a `Taskweave` handle.
 * @example
 * const tw = await createTaskweave({ models: [{ id: 'use-lite', dtype: 'q8' }] })
 * await tw.models.prefetch('use-lite', { onProgress: (p) => console.log(p.file, p.loaded, p.total) })
 * const [lite] = await tw.models.list() // { id: 'use-lite', cached: true, bytes: 7_6…, files }
 */
export interface ModelAssets {
  /** The declared models, each with whether it is cached and how many bytes the cache holds. */
  list(): Promise<ModelAssetStatus[]>;
  /**
   * Downloads a declared model (and ONNX Runtime's wasm) into the cache for offline use, checking
   * pinned hashes; files already cached are not fetched again. Rejects with a `PersistenceError`
   * (reason `quota`) when storage runs out, with nothing of the model kept, and a
   * `ValidationError` naming the file when a pinned hash does not match.
   */
  prefetch(id: string, options?: PrefetchOptions): Promise<ModelAssetStatus>;
  /** Removes a declared model's files from the cache; without `id`, the whole model cache (ORT's wasm too). */
  clear(id?: string): Promise<void>;
  /** Asks for persistent storage (`navigator.storage.persist()`): `persisted: false` when the browser says no (headless always does). */
  persist(): Promise<PersistResult>;
  /** `navigator.storage.estimate()` and `navigator.storage.persisted()`. */
  estimate(): Promise<StorageEstimate>;
}

function absolute(url: string | undefined, fallback: string): string {
  const href = new URL(url ?? fallback, location.href).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/**
 * The pool's model options with the declared models added, so workers load them through the cache.
 * @example createWorkerPool({ ...pool, modelEnv: withDeclaredModels(pool.modelEnv, models) })
 */
export function withDeclaredModels(modelEnv: ModelEnvOptions | undefined, models: readonly ModelDeclaration[] | undefined): ModelEnvOptions | undefined {
  if (models === undefined || models.length === 0) return modelEnv;
  return { ...modelEnv, models };
}

/**
 * The `models` namespace for declared `models` at the pool's `modelEnv` location.
 * @example Object.assign(tw, { models: createModelAssets(options.models, options.pool?.modelEnv) })
 */
export function createModelAssets(models: readonly ModelDeclaration[] | undefined, modelEnv: ModelEnvOptions | undefined): ModelAssets {
  const store = new ModelAssetStore(
    { modelBaseUrl: absolute(modelEnv?.modelBaseUrl, '/models/'), wasmBaseUrl: absolute(modelEnv?.wasmBaseUrl, '/ort/') },
    resolveModelDeclarations(models),
  );
  const storage = (): StorageManager => {
    const manager = typeof navigator === 'undefined' ? undefined : navigator.storage;
    if (manager === undefined) throw new PersistenceError('unavailable', 'navigator.storage is not available here (not a secure context?)');
    return manager;
  };
  return {
    list: () => store.list(),
    prefetch: (id, options = {}) =>
      store.prefetch(id, {
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    clear: (id) => store.clear(id),
    async persist() {
      const manager = typeof navigator === 'undefined' ? undefined : navigator.storage;
      if (manager?.persist === undefined) return { persisted: false, supported: false };
      return { persisted: await manager.persist(), supported: true };
    },
    async estimate() {
      const manager = storage();
      const [{ usage = 0, quota = 0 }, persisted] = await Promise.all([manager.estimate(), manager.persisted?.() ?? Promise.resolve(false)]);
      return { usage, quota, persisted };
    },
  };
}
