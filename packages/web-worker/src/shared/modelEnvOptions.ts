/**
 * Where a worker's model layer loads models and ORT files from: set by the pool's `modelEnv`
 * option, sent to each worker at start, applied by the worker's `env.ts`.
 */

import type { ModelDeclaration } from './modelAssets.js';

/**
 * Options of the model layer, sent by the pool at worker start (or set by an app's worker module).
 * @example const env: ModelEnvOptions = { modelBaseUrl: '/assets/models/', numThreads: 1 }
 */
export interface ModelEnvOptions {
  /** Base URL of the model folders (`<base><modelId>/config.json`, …). @default new URL('/models/', location) */
  modelBaseUrl?: string;
  /** Base URL of the ORT `.mjs`/`.wasm` files. @default new URL('/ort/', location) */
  wasmBaseUrl?: string;
  /** Fetch models missing locally from the Hugging Face hub. @default false */
  allowRemoteModels?: boolean;
  /** ORT WASM threads in this worker (more than 1 needs cross-origin isolation). @default 1 */
  numThreads?: number;
  /**
   * Models declared by the app (`createTaskweave({ models })` sets this): a worker loads them
   * through the model cache (`shared/modelAssets.ts`), checking their pinned hashes. @default []
   */
  models?: readonly ModelDeclaration[];
}
