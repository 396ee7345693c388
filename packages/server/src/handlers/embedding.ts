/**
 * EmbeddingGeneration in a worker process: the browser handler's contract (same input and output,
 * same `feature-extraction` pipeline with `{ pooling: 'mean', normalize: true }`, same model id and
 * dtype rule), run on onnxruntime-node. Input `{ kind: 'text', text }` → `embedding`, or
 * `{ kind: 'custom', value: { texts } }` (1–1024 texts) → `embeddings`.
 *
 * Unlike the browser handler it does not pre-cut over-long text (the server's input size limit
 * bounds the tokenizer's cost) and so does not report `truncated`.
 */
import { z } from 'zod';
import { ValidationError, type Task, type TaskOutput } from '@taskweave/core';
import type { ServerTaskHandler } from './handler.js';
import type { NodeModels } from './models.js';

const MAX_TEXTS = 1024;
const CALL_BATCH = 64;
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

/** The EmbeddingGeneration handler of a worker process. */
export function embeddingHandler(models: NodeModels): ServerTaskHandler {
  return async (task, ctx): Promise<TaskOutput> => {
    if (task.modelId === undefined) {
      throw new ValidationError('EmbeddingGeneration: modelId is required (the feature-extraction model, e.g. "use-lite")', [
        { path: ['modelId'], field: 'modelId', message: 'required' },
      ]);
    }
    const { texts, single } = textsOf(task);
    const pipe = await models.pipeline('feature-extraction', task.modelId, models.dtype(task.modelId, task.metadata));
    const vectors: Float32Array[] = [];
    let dims = 0;
    for (let i = 0; i < texts.length; i += CALL_BATCH) {
      ctx.signal.throwIfAborted();
      const tensor = (await pipe(texts.slice(i, i + CALL_BATCH), { pooling: 'mean', normalize: true })) as { data: Float32Array; dims: number[] };
      dims = tensor.dims[tensor.dims.length - 1] ?? 0;
      const rows = Math.min(CALL_BATCH, texts.length - i);
      for (let row = 0; row < rows; row++) vectors.push(tensor.data.slice(row * dims, (row + 1) * dims));
    }
    ctx.signal.throwIfAborted();
    ctx.reportMetrics({ backend: 'onnxruntime-node' });
    return single ? { kind: 'embedding', vector: vectors[0]!, dims } : { kind: 'embeddings', vectors, dims };
  };
}
