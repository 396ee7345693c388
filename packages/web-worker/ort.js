// @ts-check
/**
 * What the bundler plugins (vite.js, webpack.js) share: which onnxruntime-web files
 * transformers.js loads at run time, where they are, and the headers that isolate the page.
 * Internal to the package (not an export).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The build that `onnxruntime-web/webgpu` — the entry transformers.js 4 and the pool's workers
 * import — loads (WASM, and WebGPU's new runtime through asyncify): its `.mjs` glue and its `.wasm`.
 */
export const DEFAULT_ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];

/**
 * onnxruntime-web's export condition for apps that serve its wasm themselves. Without it the
 * bundler picks ORT's `*.bundle.min.mjs`, whose `new URL('….wasm', import.meta.url)` makes every
 * build carry a second, never-loaded 21 MB copy of the wasm.
 */
export const EXTERN_WASM_CONDITION = 'onnxruntime-web-use-extern-wasm';

/** `Cross-Origin-Opener-Policy` and `-Embedder-Policy`: SharedArrayBuffer, multi-threaded WASM. */
export const crossOriginIsolationHeaders = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
});

/** This package's folder: where its own dependency onnxruntime-web and its peer transformers.js resolve from. */
export const PACKAGE_DIR = dirname(fileURLToPath(import.meta.url));

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
  throw new Error(`taskweave: cannot find the package folder of ${name} from ${entry}`);
}

/**
 * The `dist` folder of the onnxruntime-web that the pool's workers run on: the one this package
 * depends on (the version transformers.js 4.3 pins, so one copy with the app's transformers.js),
 * resolved from `from` (default this package's folder, not the app's root, where a strict package
 * manager such as pnpm does not put it).
 * @param {string} [from] a folder onnxruntime-web resolves from @default this package's folder
 * @returns {string}
 * @example ortDistDir() // …/onnxruntime-web@1.31.0-dev…/node_modules/onnxruntime-web/dist
 */
export function ortDistDir(from = PACKAGE_DIR) {
  const fromRequire = createRequire(join(from, 'package.json'));
  return join(packageDir(fromRequire.resolve('onnxruntime-web'), 'onnxruntime-web'), 'dist');
}

/**
 * When the app's transformers.js resolves another onnxruntime-web than this package's (a
 * transformers.js release pinning another version), a line that says so: the workers would load
 * two ORTs, and refuse to run models (a clear error at the first model). `undefined` when they are one.
 * @param {string} [from]
 * @returns {string | undefined}
 */
export function secondOrtCopy(from = PACKAGE_DIR) {
  const fromRequire = createRequire(join(from, 'package.json'));
  let transformersDir;
  try {
    transformersDir = packageDir(fromRequire.resolve('@huggingface/transformers'), '@huggingface/transformers');
  } catch {
    return undefined;
  }
  const theirs = packageDir(createRequire(join(transformersDir, 'package.json')).resolve('onnxruntime-web'), 'onnxruntime-web');
  const ours = packageDir(fromRequire.resolve('onnxruntime-web'), 'onnxruntime-web');
  if (realpathSync(theirs) === realpathSync(ours)) return undefined;
  const version = (/** @type {string} */ dir) => /** @type {{ version: string }} */ (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).version;
  return `taskweave: @huggingface/transformers resolves onnxruntime-web ${version(theirs)}, @taskweave/web-worker runs on ${version(ours)}: two copies load and the workers refuse to run models. Install a transformers.js release that pins ${version(ours)}.`;
}

/**
 * `ortDistDir(from)`, checked to hold every one of `files`.
 * @param {string | undefined} from
 * @param {readonly string[]} files
 * @returns {string}
 */
export function ortDistDirWith(from, files) {
  const dir = ortDistDir(from);
  const second = secondOrtCopy(from);
  if (second !== undefined) console.warn(second);
  for (const file of files) {
    if (!existsSync(join(dir, file))) throw new Error(`taskweave: ${file} is not in ${dir}`);
  }
  return dir;
}
