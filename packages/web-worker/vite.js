// @ts-check
/**
 * `@taskweave/web-worker/vite` — a Vite plugin for apps using the worker pool.
 *
 * Plain JavaScript (type-checked through JSDoc; the public types are in vite.types.d.ts), so that
 * Vite's default config loader can import it from an app's vite.config.ts.
 *
 * - Serves the onnxruntime-web files transformers.js loads at run time (`.mjs` glue and `.wasm`
 *   binary) from the app's own origin under `base` (default `/ort/`) in dev, emits them into the
 *   build, and serves the built copies in preview. The files are read from the onnxruntime-web
 *   the workers run on (`@taskweave/web-worker`'s own dependency, resolved from this package):
 *   never from the app's root, where a strict package manager (pnpm) does not put it, never a
 *   second copy, never a CDN.
 * - Resolves onnxruntime-web with its `onnxruntime-web-use-extern-wasm` condition, so the build
 *   holds the wasm once (under `base`), not a second copy in `assets/`.
 * - Sets `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
 *   require-corp` in dev and preview (SharedArrayBuffer, multi-threaded WASM), and
 *   `worker.format = 'es'` (the pool's workers are module workers).
 * - Dev server: keeps `@taskweave/web-worker` out of dependency pre-bundling (its default worker
 *   is a `new URL('./worker/entry.js', import.meta.url)` that must stay a file) and pre-bundles
 *   what its workers import (comlink, idb, zod, `@taskweave/core`, transformers.js,
 *   onnxruntime-web) up front, so a worker's first import does not make Vite reload the page.
 *
 * - Serves the models of the model packages the app names (`models: ['@taskweave/model-use-lite']`,
 *   installed as the app's own dependencies) under `modelBase` (default `/models/`, so
 *   `/models/use-lite/config.json`, …) in dev and preview, and emits them into the build.
 *
 * Pair it with the pool's `wasmBaseUrl` (default `new URL('/ort/', location)`) and `modelBaseUrl`
 * (default `new URL('/models/', location)`).
 *
 * @example
 * // vite.config.ts
 * import { taskweaveOrt } from '@taskweave/web-worker/vite'
 * export default defineConfig({ plugins: [taskweaveOrt({ models: ['@taskweave/model-use-lite'] })] })
 */
import { createReadStream, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { defaultClientConditions } from 'vite';
import { filesOf, modelFileFor, modelFolders } from './modelPackages.js';
import { DEFAULT_ORT_FILES, EXTERN_WASM_CONDITION, crossOriginIsolationHeaders as ISOLATION, ortDistDirWith } from './ort.js';

export { ortDistDir } from './ort.js';

/** @typedef {import('./vite.types.js').TaskweaveOrtOptions} TaskweaveOrtOptions */

/** This package's name. */
const NAME = '@taskweave/web-worker';
/** What the package's workers import: pre-bundled up front in dev (see `optimizeDeps` below). */
const WORKER_DEPS = ['comlink', 'idb', 'zod', '@huggingface/transformers', 'onnxruntime-web/webgpu'];

/**
 * Dependency pre-bundling for the dev server. `@taskweave/web-worker` itself stays out (its default
 * worker is a `new URL(…, import.meta.url)` next to it, which a pre-bundled copy would lose); what
 * its workers import is pre-bundled up front (`@taskweave/web-worker > dep`), or Vite would only
 * discover it when a worker starts and reload the page. `@taskweave/core` is named too when
 * `@taskweave/web-worker` is installed (not linked into a workspace, where it is source).
 * @param {string} root the app's root
 * @returns {{ include: string[], exclude: string[] }}
 */
function optimizeDeps(root) {
  const include = WORKER_DEPS.map((dep) => `${NAME} > ${dep}`);
  try {
    const manifest = realpathSync(createRequire(join(root, 'package.json')).resolve(`${NAME}/package.json`));
    if (manifest.includes(`${sep}node_modules${sep}`)) include.push(`${NAME} > @taskweave/core`);
  } catch {
    // Not resolvable from the app's root (the package's own tests): nothing to add.
  }
  return { include, exclude: [NAME] };
}

/** @param {string} file */
function contentType(file) {
  if (file.endsWith('.wasm')) return 'application/wasm';
  if (file.endsWith('.mjs') || file.endsWith('.js')) return 'text/javascript';
  if (file.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

/**
 * @param {string} path a URL path option's value
 * @param {string} option the option's name, for the message
 */
function checkUrlPath(path, option) {
  if (!path.startsWith('/') || !path.endsWith('/')) throw new Error(`taskweaveOrt: ${option} must start and end with '/', got ${JSON.stringify(path)}`);
}

/**
 * Vite plugin: ORT files and the named model packages' models from the app's origin, COOP/COEP
 * headers, ES workers.
 * @param {TaskweaveOrtOptions} [options]
 * @returns {import('vite').Plugin}
 */
export function taskweaveOrt(options = {}) {
  const base = options.base ?? '/ort/';
  checkUrlPath(base, 'base');
  const modelBase = options.modelBase ?? '/models/';
  checkUrlPath(modelBase, 'modelBase');
  const files = options.files ?? DEFAULT_ORT_FILES;
  const modelPackages = options.models ?? [];
  const isolate = options.crossOriginIsolation ?? true;
  /** @type {string | undefined} */
  let dist;
  /** The build's copy of the files (`<outDir>/<base>`), which preview serves. */
  let builtDir = '';
  /** The build's output folder, whose copy of the models preview serves. */
  let outDir = '';
  /** @type {Map<string, string>} The named packages' model folders by model id, found once the app's root is known. */
  let models = new Map();

  /** @returns {string} */
  const distDir = () => (dist ??= ortDistDirWith(options.resolveFrom, files));

  /**
   * The ORT file a URL path asks for, from `dirOf()`; or the model file, from the built copy when
   * `built` and it has one, else from the package.
   * @param {string} path
   * @param {() => string} dirOf where the served ORT files are
   * @param {boolean} built
   * @returns {string | undefined}
   */
  const fileFor = (path, dirOf, built) => {
    if (path.startsWith(base)) {
      const file = path.slice(base.length);
      if (files.includes(file)) return join(dirOf(), file);
    }
    const model = modelFileFor(path, modelBase, models);
    if (model === undefined) return undefined;
    const copy = join(outDir, modelBase.slice(1), model.id, model.file);
    return built && existsSync(copy) ? copy : model.full;
  };

  /**
   * @param {() => string} dirOf where the served ORT files are
   * @param {boolean} built whether the build's copies of the models come first (preview)
   * @returns {import('vite').Connect.NextHandleFunction}
   */
  const middleware = (dirOf, built) => (req, res, next) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const full = fileFor(path, dirOf, built);
    if (full === undefined) return next();
    // Revalidated on every load (no-cache), answered 304 when unchanged: a warm reload sends no ORT or model bytes.
    const stat = statSync(full);
    const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      res.setHeader('Cache-Control', 'no-cache');
      if (isolate) for (const [k, v] of Object.entries(ISOLATION)) res.setHeader(k, v);
      return void res.end();
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', contentType(full));
    res.setHeader('Content-Length', String(stat.size));
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-cache');
    if (isolate) for (const [k, v] of Object.entries(ISOLATION)) res.setHeader(k, v);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(full).pipe(res);
  };

  return {
    name: 'taskweave-ort',
    config(user) {
      return {
        worker: { format: /** @type {const} */ ('es') },
        // Vite concatenates condition lists: add ours, and keep Vite's defaults when the app set none.
        resolve: { conditions: user.resolve?.conditions === undefined ? [...defaultClientConditions, EXTERN_WASM_CONDITION] : [EXTERN_WASM_CONDITION] },
        optimizeDeps: optimizeDeps(resolve(user.root ?? process.cwd())),
        ...(isolate ? { server: { headers: ISOLATION }, preview: { headers: ISOLATION } } : {}),
      };
    },
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      builtDir = join(outDir, base.slice(1));
      models = modelFolders(modelPackages, config.root, 'taskweaveOrt');
      // One place per model: a copy in the app's public folder would be shadowed in dev and clash in the build.
      for (const id of models.keys()) {
        const own = config.publicDir === '' ? '' : join(config.publicDir, modelBase.slice(1), id);
        if (own !== '' && existsSync(own)) throw new Error(`taskweaveOrt: the model '${id}' is in a named model package and in ${own} too: keep one`);
      }
    },
    configureServer(server) {
      server.middlewares.use(middleware(distDir, false));
    },
    configurePreviewServer(server) {
      // The files the build emitted; the package's own when the app was built without them.
      server.middlewares.use(middleware(() => (files.every((file) => existsSync(join(builtDir, file))) ? builtDir : distDir()), true));
    },
    generateBundle() {
      for (const file of files) {
        this.emitFile({ type: 'asset', fileName: `${base.slice(1)}${file}`, source: readFileSync(join(distDir(), file)) });
      }
      for (const [id, folder] of models) {
        for (const file of filesOf(folder)) {
          this.emitFile({ type: 'asset', fileName: `${modelBase.slice(1)}${id}/${file}`, source: readFileSync(join(folder, file)) });
        }
      }
    },
  };
}
