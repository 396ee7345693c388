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
 * A call is the `feature-extraction` pipeline's own steps written out (core's `extractFeatures`,
 * as in the browser), so the attention mask the tokenizer built also counts the tokens and says
 * what was truncated; through the pipeline every text would be tokenized twice.
 */
import { z } from 'zod';
import { ValidationError, extractFeatures, type MeanPooling, type Task, type TaskOutput } from '@taskweave/core';
import type { ServerTaskHandler } from './handler.js';
import { EmbeddingBatcher, type EmbedCallResult } from './embeddingBatcher.js';
import type { NodeModels, Pipeline } from './models.js';

/** The most texts one EmbeddingGeneration task holds (the browser handler's cap too). */
export const MAX_TEXTS = 1024;
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
  const { mean_pooling } = await import('@huggingface/transformers');
  return extractFeatures(pipe, texts, mean_pooling as unknown as MeanPooling);
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
