// @ts-check
/**
 * `@taskweave/web-worker/webpack` — what a webpack 5 app adds for the worker pool.
 *
 * - `TaskweaveOrtPlugin` emits the onnxruntime-web files transformers.js loads at run time (`.mjs`
 *   glue and `.wasm`) into the build under `base` (default `ort/`, where the pool's default
 *   `wasmBaseUrl` `/ort/` finds them; webpack-dev-server serves them from memory too). The files
 *   come from the onnxruntime-web the workers run on (this package's own dependency).
 *   It also resolves onnxruntime-web with its `onnxruntime-web-use-extern-wasm` condition, so
 *   the build holds the wasm once (under `base`), not a second copy webpack would emit as an asset.
 *   With `models` (package names, e.g. `['@taskweave/model-use-lite']`, installed as the app's own
 *   dependencies) it emits their models under `modelBase` (default `models/`, where the pool's
 *   default `modelBaseUrl` `/models/` finds them: `models/use-lite/config.json`, …).
 * - `crossOriginIsolationHeaders`: the COOP/COEP headers to serve the app with
 *   (`devServer.headers`, and your static host).
 *
 * The pool's workers need no config: webpack 5 bundles `new Worker(new URL(…, import.meta.url))`.
 *
 * @example
 * // webpack.config.js
 * import { TaskweaveOrtPlugin, crossOriginIsolationHeaders } from '@taskweave/web-worker/webpack'
 * export default {
 *   plugins: [new TaskweaveOrtPlugin({ models: ['@taskweave/model-use-lite'] }), new HtmlWebpackPlugin()],
 *   devServer: { headers: crossOriginIsolationHeaders },
 * }
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesOf, modelFolders } from './modelPackages.js';
import { DEFAULT_ORT_FILES, EXTERN_WASM_CONDITION, ortDistDirWith } from './ort.js';

export { crossOriginIsolationHeaders, ortDistDir } from './ort.js';

/** @typedef {import('./webpack.types.js').TaskweaveOrtPluginOptions} TaskweaveOrtPluginOptions */

const NAME = 'TaskweaveOrtPlugin';

/**
 * @param {string} folder a folder option's value
 * @param {string} option the option's name
 * @param {string} example
 */
function checkBuildFolder(folder, option, example) {
  if (folder.startsWith('/') || !folder.endsWith('/')) {
    throw new Error(`${NAME}: ${option} is a folder of the build, like '${example}' (no leading '/', a trailing one), got ${JSON.stringify(folder)}`);
  }
}

/**
 * webpack plugin: onnxruntime-web's `.mjs`/`.wasm` under `ort/` in the build, ORT's extern-wasm
 * build, and the named model packages' models under `models/`.
 */
export class TaskweaveOrtPlugin {
  /** @type {string} */
  #base;
  /** @type {readonly string[]} */
  #files;
  /** @type {string | undefined} */
  #resolveFrom;
  /** @type {string} */
  #modelBase;
  /** @type {readonly string[]} */
  #models;

  /** @param {TaskweaveOrtPluginOptions} [options] */
  constructor(options = {}) {
    const base = options.base ?? 'ort/';
    checkBuildFolder(base, 'base', 'ort/');
    const modelBase = options.modelBase ?? 'models/';
    checkBuildFolder(modelBase, 'modelBase', 'models/');
    this.#base = base;
    this.#files = options.files ?? DEFAULT_ORT_FILES;
    this.#resolveFrom = options.resolveFrom;
    this.#modelBase = modelBase;
    this.#models = options.models ?? [];
  }

  /** @param {import('webpack').Compiler} compiler */
  apply(compiler) {
    const { RawSource } = compiler.webpack.sources;
    const stage = compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL;
    /** @type {string | undefined} */
    let dir;
    /** @type {Map<string, string> | undefined} model id → folder, from the app's root (webpack's `context`) */
    let models;
    // After webpack applied its defaults (`webpack`, the mode, `browser`), so ours adds to them.
    compiler.hooks.afterEnvironment.tap(NAME, () => {
      const resolve = compiler.options.resolve;
      resolve.conditionNames = [EXTERN_WASM_CONDITION, ...(resolve.conditionNames ?? [])];
    });
    compiler.hooks.thisCompilation.tap(NAME, (compilation) => {
      compilation.hooks.processAssets.tap({ name: NAME, stage }, () => {
        dir ??= ortDistDirWith(this.#resolveFrom, this.#files);
        for (const file of this.#files) {
          compilation.emitAsset(`${this.#base}${file}`, new RawSource(readFileSync(join(dir, file))));
        }
        models ??= modelFolders(this.#models, compiler.context, NAME);
        for (const [id, folder] of models) {
          for (const file of filesOf(folder)) {
            compilation.emitAsset(`${this.#modelBase}${id}/${file}`, new RawSource(readFileSync(join(folder, file))));
          }
        }
      });
    });
  }
}
