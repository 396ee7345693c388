/**
 * EmbeddingGeneration in a worker process: the browser handler's contract (same input and output,
 * same model id and dtype rule, same vectors), run on onnxruntime-node. Input `{ kind: 'text', text }`
 * → `embedding`, or `{ kind: 'custom', value: { texts } }` (1–1024 texts) → `embeddings`.
 *
 * - Over-long text is cut before tokenizing by the browser's rule (core's `fitToModel`: a text far
 *   over the model's `model_max_length` costs what about 2 K characters cost, not a tokenization
 *   whose time grows with the square of its length) and the output says so: `truncated: true`, and
 *   for `embeddings` also `truncatedIndices`. Its vector is the vector of the part the model reads.
 * - `tokens` is what the model read, summed over the texts: each text's attention mask.
 * - Jobs a process holds at once share model calls (embeddingBatcher.ts); `metrics.batchSize`
 *   says how many did.
 *
 * A call is the `feature-extraction` pipeline's own steps (transformers.js'
 * FeatureExtractionPipeline: tokenizer with padding and truncation, model, mean pooling over the
 * attention mask, L2 norm), written out so the attention mask the tokenizer built also counts the
 * tokens; counting through the pipeline would tokenize every text twice (≈ 10% of a call on the
 * real-corpus texts, measured).
 */
import { z } from 'zod';
import { ValidationError, fitToModel, type Task, type TaskOutput } from '@taskweave/core';
import type { ServerTaskHandler } from './handler.js';
import { EmbeddingBatcher, type EmbedCallResult } from './embeddingBatcher.js';
import type { NodeModels, Pipeline, TensorLike } from './models.js';

const MAX_TEXTS = 1024;
const nonBlank = z.string().refine((s) => s.trim().length > 0, { message: 'must not be empty or only whitespace' });
const textsSchema = z.strictObject({ texts: z.array(nonBlank).min(1).max(MAX_TEXTS) });

function textsOf(task: Task): { texts: string[]; single: boolean } {
  const { input } = task;
  if (input.kind === 'text') {
    if (input.text.trim() === '') {
      throw new ValidationError('EmbeddingGeneration: input.text must not be empty or only whitespace', [
        { path: ['input', 'text'], field: 'input.text', message: 'must not be empty or only whitespace' },
      ]);
    }
    return { texts: [input.text], single: true };
  }
  if (input.kind === 'custom') {
    const parsed = textsSchema.safeParse(input.value);
    if (!parsed.success) throw ValidationError.fromZod('EmbeddingGeneration', parsed.error.issues.map((i) => ({ ...i, path: ['input', 'value', ...i.path] })));
    return { texts: parsed.data.texts, single: false };
  }
  throw new ValidationError(`EmbeddingGeneration: input.kind must be 'text' or 'custom', got '${input.kind}'`, [
    { path: ['input', 'kind'], field: 'input.kind', message: "must be 'text' or 'custom'" },
  ]);
}

/** One model call on `texts` (see the module comment): fitted, tokenized once, pooled, normalised. */
export async function embedCall(pipe: Pipeline, texts: string[]): Promise<EmbedCallResult> {
  const { tokenizer, model } = pipe;
  if (tokenizer === undefined || model === undefined) throw new Error('feature-extraction pipeline without a tokenizer or model');
  const fitted = fitToModel(texts, tokenizer);
  const inputs = tokenizer(fitted.texts, { padding: true, truncation: true });
  const outputs = await model(inputs);
  const hidden = outputs['last_hidden_state'] ?? outputs['logits'] ?? outputs['token_embeddings'];
  const mask = inputs['attention_mask'];
  if (hidden === undefined || mask === undefined) throw new Error('feature-extraction model gave no hidden state or attention mask');
  const { mean_pooling } = await import('@huggingface/transformers');
  const pooled = (mean_pooling(hidden as never, mask as never) as unknown as { normalize(p: number, dim: number): TensorLike }).normalize(2, -1);
  const dims = pooled.dims[pooled.dims.length - 1] ?? 0;
  const seq = mask.dims[1] ?? 0;
  const data = pooled.data as Float32Array;
  const vectors: Float32Array[] = [];
  const tokens: number[] = [];
  for (let row = 0; row < fitted.texts.length; row++) {
    vectors.push(data.slice(row * dims, (row + 1) * dims));
    let n = 0;
    for (let j = row * seq; j < (row + 1) * seq; j++) n += Number(mask.data[j]);
    tokens.push(n);
  }
  return { vectors, truncated: fitted.truncated, tokens, dims };
}

/**
 * The EmbeddingGeneration handler of a worker process; the jobs it runs at once share calls.
 * @example handlers.set('EmbeddingGeneration', embeddingHandler(models))
 */
export function embeddingHandler(models: NodeModels): ServerTaskHandler {
  const batcher = new EmbeddingBatcher<Pipeline>(embedCall, { exclusive: (call) => models.exclusive(call) });
  return async (task, ctx): Promise<TaskOutput> => {
    if (task.modelId === undefined) {
      throw new ValidationError('EmbeddingGeneration: modelId is required (the feature-extraction model, e.g. "use-lite")', [
        { path: ['modelId'], field: 'modelId', message: 'required' },
      ]);
    }
    const { texts, single } = textsOf(task);
    const dtype = models.dtype(task.modelId, task.metadata);
    const pipe = await models.pipeline('feature-extraction', task.modelId, dtype);
    ctx.signal.throwIfAborted();
    const out = await batcher.embed(`${task.modelId}|${dtype}`, pipe, texts, ctx.signal);
    ctx.signal.throwIfAborted();
    ctx.reportMetrics({ backend: 'onnxruntime-node', ...(out.batchSize > 1 ? { batchSize: out.batchSize } : {}) });
    const tokens = out.tokens.reduce((a, b) => a + b, 0);
    if (single) return { kind: 'embedding', vector: out.vectors[0]!, dims: out.dims, tokens, ...(out.truncated[0] === true ? { truncated: true } : {}) };
    const truncatedIndices = out.truncated.flatMap((cut, i) => (cut ? [i] : []));
    return { kind: 'embeddings', vectors: out.vectors, dims: out.dims, tokens, ...(truncatedIndices.length > 0 ? { truncated: true, truncatedIndices } : {}) };
  };
}
