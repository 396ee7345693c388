/**
 * EmbeddingGeneration: a transformers.js `feature-extraction` pipeline of `task.modelId`, mean
 * pooled and normalised, its steps written out (core's `extractFeatures`) so each text is
 * tokenized once.
 *
 * Input, either
 * - `{ kind: 'text', text }` → `{ kind: 'embedding', vector: Float32Array, dims }`, or
 * - `{ kind: 'custom', value: { texts: string[] } }` (1–1024 texts) →
 *   `{ kind: 'embeddings', vectors: Float32Array[], dims }`, in the order of `texts`.
 *
 * A text longer than the model reads (its tokenizer's `model_max_length`, 128 tokens for use-lite)
 * is cut before tokenizing (see core's fitToModel.ts: a 5 MB text costs what ~2 K characters cost) and
 * the output says so: `truncated: true`, and for `embeddings` also `truncatedIndices`. Its vector
 * is the vector of the part the model reads. Empty or whitespace-only text is refused with a
 * ValidationError naming it (it has zero tokens: a NaN row in a batch). Options: `metadata.backend` ('auto' | 'webgpu' | 'wasm'), `metadata.dtype`
 * ('auto' picks q8 when the model ships `onnx/model_quantized.onnx`, else fp32). Each vector owns
 * its buffer and is moved to the main thread with `ctx.transfer`, not cloned.
 *
 * `embeddingBatchHandler` runs many tasks as one pipeline call (dynamic batching) and splits the
 * result back per task; a task with bad input fails alone.
 */
import { ValidationError, extractFeatures, type FeatureModelParts, type MeanPooling, type Task, type TaskOutput } from '@taskweave/core';
import { backendPreference, runWithFallback, type Backend } from '../models/backend.js';
import type { BackendPreference } from '../../shared/backendPreference.js';
import type { BatchHandler, CallContext } from '../runtime/handler.js';
import { parseInput } from './handlerInput.js';
import { embeddingTextsSchema } from '../../shared/embeddingSchema.js';
import { transformers } from '../models/env.js';
import { dtypeOf, getPipeline, unloadModel, type ModelDtype } from '../models/models.js';

export { MAX_TEXTS_PER_TASK } from '../../shared/embeddingSchema.js';
/** Texts per pipeline call (bounds the padded input tensor). */
const CALL_BATCH = 64;

interface EmbedRequest {
  texts: string[];
  single: boolean;
  modelId: string;
  dtype: ModelDtype;
  backend: BackendPreference;
}

function readRequest(task: Task, fallback: BackendPreference): EmbedRequest {
  const { input } = task;
  if (task.modelId === undefined || task.modelId.trim() === '') {
    throw new ValidationError('EmbeddingGeneration: modelId is required (the feature-extraction model, e.g. "use-lite")', [
      { path: ['modelId'], field: 'modelId', message: 'required' },
    ]);
  }
  const base = { modelId: task.modelId, dtype: dtypeOf(task.metadata), backend: backendPreference(task, fallback) };
  if (input.kind === 'text') {
    if (typeof input.text !== 'string' || input.text.trim() === '') {
      throw new ValidationError('EmbeddingGeneration: input.text must not be empty or only whitespace', [
        { path: ['input', 'text'], field: 'input.text', message: 'must not be empty or only whitespace' },
      ]);
    }
    return { ...base, texts: [input.text], single: true };
  }
  if (input.kind === 'custom') {
    const { texts } = parseInput(embeddingTextsSchema, input.value, 'EmbeddingGeneration', ['input', 'value']);
    return { ...base, texts, single: false };
  }
  throw new ValidationError(`EmbeddingGeneration: input.kind must be 'text' or 'custom' ({ texts }), got '${input.kind}'`, [
    { path: ['input', 'kind'], field: 'input.kind', message: "must be 'text' or 'custom'" },
  ]);
}

interface Embedded {
  vectors: Float32Array[];
  /** Per text: the model read only part of it. */
  truncated: boolean[];
  dims: number;
  backend: Backend;
  networkBytes: number;
}

/** Embeds `texts` in calls of CALL_BATCH, WebGPU falling back to WASM; every vector in its own buffer. */
async function embed(texts: string[], modelId: string, dtype: ModelDtype, preference: BackendPreference, ctx: CallContext): Promise<Embedded> {
  let networkBytes = 0;
  const { value, backend } = await runWithFallback(
    preference,
    ctx.signal,
    async (b) => {
      const acquired = await getPipeline('feature-extraction', modelId, b, dtype, ctx);
      networkBytes += acquired.networkBytes;
      const meanPooling = (await transformers()).mean_pooling as unknown as MeanPooling;
      const vectors: Float32Array[] = [];
      const truncated: boolean[] = [];
      let dims = 0;
      for (let i = 0; i < texts.length; i += CALL_BATCH) {
        ctx.signal.throwIfAborted();
        // Fitted and tokenized per call, so one call's synchronous tokenizing stays short
        // (heartbeats are answered between calls); tokenized once (core's extractFeatures).
        const part = await extractFeatures(acquired.value as unknown as FeatureModelParts, texts.slice(i, i + CALL_BATCH), meanPooling);
        truncated.push(...part.truncated);
        dims = part.dims;
        vectors.push(...part.vectors);
      }
      return { vectors, truncated, dims };
    },
    { runtime: 'transformers', onWebGpuFailure: () => unloadModel(modelId, 'webgpu') },
  );
  ctx.signal.throwIfAborted();
  return { ...value, backend, networkBytes };
}

function output(request: EmbedRequest, vectors: Float32Array[], truncated: boolean[], dims: number, ctx: CallContext): TaskOutput {
  ctx.transfer(...vectors.map((v) => v.buffer));
  if (request.single) return { kind: 'embedding', vector: vectors[0]!, dims, ...(truncated[0] === true ? { truncated: true } : {}) };
  const truncatedIndices = truncated.flatMap((cut, i) => (cut ? [i] : []));
  return { kind: 'embeddings', vectors, dims, ...(truncatedIndices.length > 0 ? { truncated: true, truncatedIndices } : {}) };
}

/** Embeds one task's texts (the built-in embedder of storage and search calls it directly). */
export async function embedTask(task: Task, ctx: CallContext): Promise<TaskOutput> {
  const request = readRequest(task, ctx.backend);
  const result = await embed(request.texts, request.modelId, request.dtype, request.backend, ctx);
  ctx.reportMetrics({ backend: result.backend, ...(result.networkBytes > 0 ? { networkBytes: result.networkBytes } : {}) });
  return output(request, result.vectors, result.truncated, result.dims, ctx);
}

type BatchOutcome = Awaited<ReturnType<BatchHandler>>[number];

/**
 * The EmbeddingGeneration handler (a single task is a batch of one): tasks of one model (grouped again by model, dtype and
 * backend preference, in case the pool mixed them) run as one pipeline call per group.
 */
export const embeddingBatchHandler: BatchHandler = async (tasks, ctx) => {
  const outcomes: BatchOutcome[] = new Array(tasks.length);
  const groups = new Map<string, Array<{ index: number; request: EmbedRequest }>>();
  tasks.forEach((task, index) => {
    try {
      const request = readRequest(task, ctx.backend);
      const key = `${request.modelId}|${request.dtype}|${request.backend}`;
      const group = groups.get(key) ?? [];
      group.push({ index, request });
      groups.set(key, group);
    } catch (error) {
      outcomes[index] = { ok: false, error };
    }
  });
  const backends = new Set<string>();
  let networkBytes = 0;
  for (const group of groups.values()) {
    const first = group[0]!.request;
    const texts = group.flatMap((g) => g.request.texts);
    try {
      const result = await embed(texts, first.modelId, first.dtype, first.backend, ctx);
      backends.add(result.backend);
      networkBytes += result.networkBytes;
      let offset = 0;
      for (const { index, request } of group) {
        const vectors = result.vectors.slice(offset, offset + request.texts.length);
        const truncated = result.truncated.slice(offset, offset + request.texts.length);
        offset += request.texts.length;
        outcomes[index] = { ok: true, output: output(request, vectors, truncated, result.dims, ctx), metrics: { backend: result.backend } };
      }
    } catch (error) {
      // The call failed for the whole batch (the model did not load, ORT threw on the padded
      // input): nobody knows whose input it was, so the batch fails as a whole and the scheduler
      // runs each task alone, uncharged. A group that is only part of the batch fails alone.
      if (group.length === tasks.length && tasks.length > 1 && !ctx.signal.aborted) throw error;
      for (const { index } of group) outcomes[index] = { ok: false, error };
    }
  }
  if (backends.size > 0) ctx.reportMetrics({ backend: [...backends].join('+') });
  if (networkBytes > 0) ctx.reportMetrics({ networkBytes });
  return outcomes;
};
