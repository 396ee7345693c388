/**
 * Public types of `@taskweave/web-worker/webpack` (the plugin itself is webpack.js: plain
 * JavaScript, so a webpack.config.js loads it as it is).
 */
import type { Compiler } from 'webpack';

/** Options of `TaskweaveOrtPlugin`. */
export interface TaskweaveOrtPluginOptions {
  /** Folder of the build the ORT files go to, and the URL path they are served under. @default 'ort/' */
  base?: string;
  /**
   * ORT files to emit. The default is the JSEP build (WASM + WebGPU) that the `onnxruntime-web`
   * main entry — the one transformers.js imports — loads.
   * @default ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm']
   */
  files?: string[];
  /**
   * Model packages to emit, by package name, each installed as the app's own dependency (found
   * from webpack's `context`): their models go to `modelBase` in the build, so
   * `@taskweave/model-use-lite` gives `models/use-lite/config.json`, …. A model package says
   * where its model folders are in its package.json (`"taskweave": { "models": "models" }`).
   * @default [] (models come from your own static files only)
   * @example new TaskweaveOrtPlugin({ models: ['@taskweave/model-use-lite'] })
   */
  models?: string[];
  /**
   * Folder of the build the models go to (`<modelBase><modelId>/…`), and the URL path they are
   * served under: the pool's `modelBaseUrl`.
   * @default 'models/'
   */
  modelBase?: string;
  /**
   * Directory to resolve onnxruntime-web (the runtime the workers run on) from.
   * @default this package's folder (`@taskweave/web-worker` depends on onnxruntime-web)
   */
  resolveFrom?: string;
}

/**
 * webpack 5 plugin: emits onnxruntime-web's `.mjs`/`.wasm` under `ort/` (once: ORT is resolved with
 * its `onnxruntime-web-use-extern-wasm` condition, so no second copy lands in the build), and the
 * named model packages' models under `models/<modelId>/`.
 *
 * @example
 * // webpack.config.js
 * import { TaskweaveOrtPlugin, crossOriginIsolationHeaders } from '@taskweave/web-worker/webpack'
 * export default { plugins: [new TaskweaveOrtPlugin({ models: ['@taskweave/model-use-lite'] })], devServer: { headers: crossOriginIsolationHeaders } }
 */
export declare class TaskweaveOrtPlugin {
  constructor(options?: TaskweaveOrtPluginOptions);
  apply(compiler: Compiler): void;
}

/** `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`. */
export declare const crossOriginIsolationHeaders: Readonly<{
  'Cross-Origin-Opener-Policy': 'same-origin';
  'Cross-Origin-Embedder-Policy': 'require-corp';
}>;

/**
 * The `dist` folder of the onnxruntime-web the pool's workers run on (this package's own
 * dependency), resolved from `from` (default: this package's folder).
 * @example ortDistDir() // …/onnxruntime-web@1.31.0-dev…/node_modules/onnxruntime-web/dist
 */
export declare function ortDistDir(from?: string): string;
