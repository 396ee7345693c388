/**
 * Where the demo and the files it serves from its public folder lie, for the tests and benchmarks
 * of other packages that use them: the demo app itself (the warm-reload bench serves it), the
 * shipped models (served at /models/: server workers' `--models`, web-worker's browser tests and
 * model benches, the Node reference) and the State of the Union passages (served at /corpus/: the
 * real-corpus rows, scripts/realCorpus.mjs). They stay the demo's, since the demo serves them to
 * its users; this file is the one place that says where, so no package names another's folders.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The demo app's folder (its index.html and vite.config.ts), for a bench that serves the demo itself. */
export const DEMO_ROOT = fileURLToPath(new URL('../packages/demo/', import.meta.url));

/** The demo's public folder (`packages/demo/public/`), a Vite `publicDir` for pages that load models or the corpus. */
export const DEMO_PUBLIC_DIR = fileURLToPath(new URL('../packages/demo/public/', import.meta.url));

/** The shipped models (`<id>/config.json`, `<id>/onnx/…`): a worker's `--models`, transformers.js' `localModelPath`. */
export const MODELS_DIR = fileURLToPath(new URL('../packages/demo/public/models/', import.meta.url));

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
