/**
 * Records use-lite q8's vectors for the fixed texts of `useLiteTexts.json` with transformers.js in
 * Node (onnxruntime-node), into `use-lite-node.json`: the reference that the server's tests hold
 * a later runtime to (cosine ≥ 0.9999 per text). The browser's reference is recorded by
 * `RECORD_REFERENCE=1` on web-worker's `referenceVectors.test.ts`.
 *
 * Run (from packages/server, whose transformers.js it uses): node ../../scripts/reference/recordUseLiteNode.mjs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MODELS_DIR } from '../demoAssets.mjs';

const here = new URL('./', import.meta.url);
const { texts } = JSON.parse(readFileSync(new URL('useLiteTexts.json', here), 'utf8'));
const require = createRequire(`${process.cwd()}/package.json`);
const transformersPath = require.resolve('@huggingface/transformers');
const loaded = await import(pathToFileURL(transformersPath).href);
const t = loaded.env === undefined ? loaded.default : loaded;
const version = t.env.version;
t.env.allowRemoteModels = false;
t.env.localModelPath = MODELS_DIR;
const pipe = await t.pipeline('feature-extraction', 'use-lite', { dtype: 'q8' });
const vectors = [];
for (const text of texts) {
  const out = await pipe(text, { pooling: 'mean', normalize: true });
  vectors.push(Array.from(out.data, (v) => Number(v.toPrecision(8))));
}
await pipe.dispose();
const file = new URL('use-lite-node.json', here);
writeFileSync(file, `${JSON.stringify({ transformers: version, runtime: 'onnxruntime-node', vectors })}\n`);
console.log(`wrote ${vectors.length} vectors (transformers.js ${version}) to ${file.pathname}`);
