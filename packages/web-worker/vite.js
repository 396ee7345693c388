// @ts-check
/**
 * `@taskweave/web-worker/vite` — a Vite plugin for apps using the worker pool.
 *
 * Plain JavaScript (type-checked through JSDoc; the public types are in vite.types.d.ts), so that
 * Vite's default config loader can import it from an app's vite.config.ts.
 *
 * - Serves the onnxruntime-web files transformers.js loads at run time (`.mjs` glue and `.wasm`
 *   binary) from the app's own origin under `base` (default `/ort/`) in dev and preview, and
 *   emits them into the build. The files are read from the onnxruntime-web that
 *   `@huggingface/transformers` itself resolves (never a second copy, never a CDN).
 * - Resolves onnxruntime-web with its `onnxruntime-web-use-extern-wasm` condition, so the build
 *   holds the wasm once (under `base`), not a second copy in `assets/`.
 * - Sets `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
 *   require-corp` in dev and preview (SharedArrayBuffer, multi-threaded WASM), and
 *   `worker.format = 'es'` (the pool's workers are module workers).
 *
 * Pair it with the pool's `wasmBaseUrl` (default `new URL('/ort/', location)`).
 *
 * @example
 * // vite.config.ts
 * import { taskweaveOrt } from '@taskweave/web-worker/vite'
 * export default defineConfig({ plugins: [taskweaveOrt()] })
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse } from 'node:path';
import { defaultClientConditions } from 'vite';

/** @typedef {import('./vite.types.js').TaskweaveOrtOptions} TaskweaveOrtOptions */

const DEFAULT_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];
/**
 * onnxruntime-web's export condition for apps that serve its wasm themselves. Without it the
 * bundler picks ORT's `*.bundle.min.mjs`, whose `new URL('….wasm', import.meta.url)` makes every
 * build carry a second, never-loaded 21 MB copy of the wasm in `assets/`.
 */
const EXTERN_WASM = 'onnxruntime-web-use-extern-wasm';
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * @param {string} entry a file inside the package
 * @param {string} name the package's name
 * @returns {string} the package's folder
 */
function packageDir(entry, name) {
  let dir = dirname(entry);
  while (dir !== parse(dir).root) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && /** @type {{ name?: string }} */ (JSON.parse(readFileSync(manifest, 'utf8'))).name === name) return dir;
    dir = dirname(dir);
  }
  throw new Error(`taskweaveOrt: cannot find the package folder of ${name} from ${entry}`);
}

/**
 * The `dist` folder of the onnxruntime-web that `@huggingface/transformers` resolves from `from`.
 * @param {string} from
 * @returns {string}
 * @example ortDistDir(process.cwd()) // …/onnxruntime-web@1.22.0-…/node_modules/onnxruntime-web/dist
 */
export function ortDistDir(from) {
  const fromRequire = createRequire(join(from, 'package.json'));
  const transformersDir = packageDir(fromRequire.resolve('@huggingface/transformers'), '@huggingface/transformers');
  const ortRequire = createRequire(join(transformersDir, 'package.json'));
  return join(packageDir(ortRequire.resolve('onnxruntime-web'), 'onnxruntime-web'), 'dist');
}

/** @param {string} file */
function contentType(file) {
  if (file.endsWith('.wasm')) return 'application/wasm';
  if (file.endsWith('.mjs') || file.endsWith('.js')) return 'text/javascript';
  return 'application/octet-stream';
}

/**
 * Vite plugin: ORT files from the app's origin, COOP/COEP headers, ES workers.
 * @param {TaskweaveOrtOptions} [options]
 * @returns {import('vite').Plugin}
 */
export function taskweaveOrt(options = {}) {
  const base = options.base ?? '/ort/';
  if (!base.startsWith('/') || !base.endsWith('/')) throw new Error(`taskweaveOrt: base must start and end with '/', got ${JSON.stringify(base)}`);
  const files = options.files ?? DEFAULT_FILES;
  const isolate = options.crossOriginIsolation ?? true;
  /** @type {string | undefined} */
  let dist;
  let root = process.cwd();

  /** @returns {string} */
  const distDir = () => {
    const found = (dist ??= ortDistDir(options.resolveFrom ?? root));
    for (const file of files) {
      if (!existsSync(join(found, file))) throw new Error(`taskweaveOrt: ${file} is not in ${found}`);
    }
    return found;
  };

  /** @type {import('vite').Connect.NextHandleFunction} */
  const middleware = (req, res, next) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith(base)) return next();
    const file = path.slice(base.length);
    if (!files.includes(file)) return next();
    const full = join(distDir(), file);
    // Revalidated on every load (no-cache), answered 304 when unchanged: a warm reload sends no ORT bytes.
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
    res.setHeader('Content-Type', contentType(file));
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
        resolve: { conditions: user.resolve?.conditions === undefined ? [...defaultClientConditions, EXTERN_WASM] : [EXTERN_WASM] },
        ...(isolate ? { server: { headers: ISOLATION }, preview: { headers: ISOLATION } } : {}),
      };
    },
    configResolved(config) {
      root = config.root;
    },
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
    generateBundle() {
      for (const file of files) {
        this.emitFile({ type: 'asset', fileName: `${base.slice(1)}${file}`, source: readFileSync(join(distDir(), file)) });
      }
    },
  };
}
