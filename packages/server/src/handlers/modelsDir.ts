/**
 * What a `--models` folder holds, checked when a worker starts: one sub-folder per model id, each
 * laid out as the browser's `/models/<id>/` (`config.json`, `tokenizer.json`, `onnx/model.onnx`
 * or `onnx/model_quantized.onnx`), optionally with a `taskweave.json` declaring the embedding
 * sizes the model supports besides its own (`{ "dimensions": [256, 128] }`, for Matryoshka
 * models: `POST /v1/embeddings` honours `dimensions` only for these). Other files (a NOTICE) are
 * left alone.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelInfo } from '../fleet.js';

const REQUIRED = ['config.json', 'tokenizer.json'];
const WEIGHTS = ['onnx/model.onnx', 'onnx/model_quantized.onnx'];

/** The models of `dir`, and what is wrong with it (empty when nothing is). */
export function inspectModelsDir(dir: string): { models: ModelInfo[]; problems: string[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { models: [], problems: [`${dir} is not a folder`] };
  const models: ModelInfo[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const folder = join(dir, name);
    if (!statSync(folder).isDirectory()) continue;
    const missing = REQUIRED.filter((file) => !existsSync(join(folder, file)));
    if (!WEIGHTS.some((file) => existsSync(join(folder, file)))) missing.push(WEIGHTS.join(' or '));
    if (missing.length > 0) {
      problems.push(`${folder} lacks ${missing.join(', ')}`);
      continue;
    }
    const model: ModelInfo = { id: name };
    const declared = join(folder, 'taskweave.json');
    if (existsSync(declared)) {
      let dims: unknown;
      try {
        dims = (JSON.parse(readFileSync(declared, 'utf8')) as { dimensions?: unknown }).dimensions;
      } catch (error) {
        problems.push(`${declared} is not JSON: ${(error as Error).message}`);
        continue;
      }
      if (dims !== undefined) {
        if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d > 0)) {
          problems.push(`${declared}: "dimensions" must be a list of positive integers`);
          continue;
        }
        model.dimensions = dims as number[];
      }
    }
    models.push(model);
  }
  if (models.length === 0 && problems.length === 0) problems.push(`${dir} holds no model folder (expected <model id>/config.json, tokenizer.json, onnx/model*.onnx)`);
  return { models, problems };
}
