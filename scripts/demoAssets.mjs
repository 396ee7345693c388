/**
 * Where the demo, the model files and the corpus lie, for the tests and benchmarks of other
 * packages that use them: the demo app itself (the warm-reload bench serves it), the shipped
 * model (the @taskweave/model-use-lite package's models/ folder: server workers' `--models`, the
 * Node reference; browser pages get it from the Vite plugin, by package name), the test model
 * tiny-random-bert and the State of the Union passages in the demo's public folder (served at
 * /models/ and /corpus/: web-worker's browser tests, the real-corpus rows, scripts/realCorpus.mjs).
 * This file is the one place that says where, so no package names another's folders.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The demo app's folder (its index.html and vite.config.ts), for a bench that serves the demo itself. */
export const DEMO_ROOT = fileURLToPath(new URL('../packages/demo/', import.meta.url));

/**
 * The demo's public folder (`packages/demo/public/`: `models/tiny-random-bert/`, `corpus/`), a
 * Vite `publicDir` for pages that load the test model or the corpus (use-lite comes from the plugin).
 */
export const DEMO_PUBLIC_DIR = fileURLToPath(new URL('../packages/demo/public/', import.meta.url));

/**
 * The shipped model, use-lite (`use-lite/config.json`, `use-lite/onnx/…`): the models/ folder of
 * the @taskweave/model-use-lite package (an app's node_modules/@taskweave/model-use-lite/models/). A worker's
 * `--models`, transformers.js' `localModelPath`.
 */
export const MODELS_DIR = fileURLToPath(new URL('../packages/model-use-lite/models/', import.meta.url));

/** The test model, tiny-random-bert (random weights: plumbing only), in the demo's public folder: `<id>/` as in MODELS_DIR. */
export const TEST_MODELS_DIR = fileURLToPath(new URL('../packages/demo/public/models/', import.meta.url));

/**
 * The bundled State of the Union passages' texts, in file order (the page reads the same file at
 * /corpus/sotu-passages.json).
 * @example realCorpusTexts(sotuPassages(), 1000)
 * @returns {string[]}
 */
export function sotuPassages() {
  const file = fileURLToPath(new URL('../packages/demo/public/corpus/sotu-passages.json', import.meta.url));
  const { passages } = /** @type {{ passages: { text: string }[] }} */ (JSON.parse(readFileSync(file, 'utf8')));
  return passages.map((p) => p.text);
}
