// @ts-check
/**
 * What the bundler plugins (vite.js, webpack.js) share: which onnxruntime-web files
 * transformers.js loads at run time, where they are, and the headers that isolate the page.
 * Internal to the package (not an export).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The JSEP build (WASM + WebGPU) that the `onnxruntime-web` main entry — the one transformers.js
 * imports — loads: its `.mjs` glue and its `.wasm`.
 */
export const DEFAULT_ORT_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

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

/** This package's folder: where its own dependencies (transformers.js, onnxruntime-web) resolve from. */
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
 * The `dist` folder of the onnxruntime-web that `@huggingface/transformers` resolves from `from`:
 * by default from this package, which depends on it — not from the app's root, where a strict
 * package manager (pnpm) does not put it.
 * @param {string} [from] a folder @huggingface/transformers resolves from @default this package's folder
 * @returns {string}
 * @example ortDistDir() // …/onnxruntime-web@1.22.0-…/node_modules/onnxruntime-web/dist
 */
export function ortDistDir(from = PACKAGE_DIR) {
  const fromRequire = createRequire(join(from, 'package.json'));
  const transformersDir = packageDir(fromRequire.resolve('@huggingface/transformers'), '@huggingface/transformers');
  const ortRequire = createRequire(join(transformersDir, 'package.json'));
  return join(packageDir(ortRequire.resolve('onnxruntime-web'), 'onnxruntime-web'), 'dist');
}

/**
 * `ortDistDir(from)`, checked to hold every one of `files`.
 * @param {string | undefined} from
 * @param {readonly string[]} files
 * @returns {string}
 */
export function ortDistDirWith(from, files) {
  const dir = ortDistDir(from);
  for (const file of files) {
    if (!existsSync(join(dir, file))) throw new Error(`taskweave: ${file} is not in ${dir}`);
  }
  return dir;
}
