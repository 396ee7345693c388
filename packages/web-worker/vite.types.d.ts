/**
 * Public types of `@taskweave/web-worker/vite` (the plugin itself is vite.js: plain JavaScript, so an
 * app's vite.config.ts loads it with Vite's default config loader).
 */
import type { Plugin } from 'vite';

/** Options of `taskweaveOrt`. */
export interface TaskweaveOrtOptions {
  /** URL path the ORT files are served under; must start and end with '/'. @default '/ort/' */
  base?: string;
  /**
   * ORT files to serve. The default is the build that `onnxruntime-web/webgpu` — the entry
   * transformers.js 4 and the pool's workers import — loads (WASM, and WebGPU through asyncify).
   * @default ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']
   */
  files?: string[];
  /**
   * Model packages to serve, by package name, each installed as the app's own dependency: their
   * models are served under `modelBase` in dev and preview and emitted into the build, so
   * `@taskweave/model-use-lite` answers `/models/use-lite/config.json`, …. A model package says
   * where its model folders are in its package.json (`"taskweave": { "models": "models" }`).
   * @default [] (models come from the app's public folder only)
   * @example taskweaveOrt({ models: ['@taskweave/model-use-lite'] })
   */
  models?: string[];
  /**
   * URL path the models are served under (`<modelBase><modelId>/…`), the pool's `modelBaseUrl`;
   * must start and end with '/'.
   * @default '/models/'
   */
  modelBase?: string;
  /** Set COOP/COEP headers in dev and preview. @default true */
  crossOriginIsolation?: boolean;
  /**
   * Directory to resolve onnxruntime-web (the runtime the workers run on) from.
   * @default this package's folder (`@taskweave/web-worker` depends on onnxruntime-web)
   */
  resolveFrom?: string;
}

/**
 * The `dist` folder of the onnxruntime-web the pool's workers run on (this package's own
 * dependency), resolved from `from` (default: this package's folder).
 * @example ortDistDir() // …/onnxruntime-web@1.31.0-dev…/node_modules/onnxruntime-web/dist
 */
export declare function ortDistDir(from?: string): string;

/**
 * Vite plugin: serves onnxruntime-web's `.mjs`/`.wasm` from the app's origin under `base` (and
 * emits them into the build, once), serves the named model packages' models under `modelBase`
 * (and emits them into the build), sets COOP/COEP headers in dev and preview, makes workers ES
 * modules, and sets the dev server's dependency pre-bundling for the package's workers.
 *
 * @example
 * // vite.config.ts
 * import { taskweaveOrt } from '@taskweave/web-worker/vite'
 * export default defineConfig({ plugins: [taskweaveOrt({ models: ['@taskweave/model-use-lite'] })] })
 */
export declare function taskweaveOrt(options?: TaskweaveOrtOptions): Plugin;
