/**
 * How the storage and vector-search handlers turn text into vectors. By default they run this
 * worker's EmbeddingGeneration code (`handlers/embedding.ts`, loaded on first use, so a
 * worker that only stores vectors never loads transformers.js); `registerEmbedder` swaps in
 * another function.
 */
import { TaskweaveError, type Task, type TaskId } from '@taskweave/core';
import type { CallContext } from '../runtime/handler.js';

/** Embeds `texts` with `modelId`; one vector per text, in order. `metadata` is the asking task's. */
export type Embedder = (texts: string[], modelId: string, ctx: CallContext, metadata: Record<string, string>) => Promise<Float32Array[]>;

/** The built-in embedder: the EmbeddingGeneration handler, called in chunks of its per-task limit. */
const defaultEmbedder: Embedder = async (texts, modelId, ctx, metadata) => {
  const { embedTask, MAX_TEXTS_PER_TASK } = await import('./embedding.js');
  // The vectors stay in this worker (stored, or used as the query): nothing to transfer.
  const inner: CallContext = { ...ctx, transfer: () => undefined };
  const vectors: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += MAX_TEXTS_PER_TASK) {
    const task: Task = {
      id: crypto.randomUUID() as TaskId,
      type: 'EmbeddingGeneration',
      priority: 1,
      input: { kind: 'custom', value: { texts: texts.slice(i, i + MAX_TEXTS_PER_TASK) } },
      modelId,
      retryCount: 0,
      maxRetries: 0,
      dependencies: [],
      metadata,
      createdAt: Date.now(),
    };
    const output = await embedTask(task, inner);
    if (output.kind !== 'embeddings') throw new TaskweaveError('execution', `EmbeddingGeneration returned ${output.kind}, not embeddings`);
    vectors.push(...output.vectors);
  }
  return vectors;
};

let embedder: Embedder = defaultEmbedder;

/**
 * Sets the function DataStorage (documents without a vector) and VectorSearch (`query.text`)
 * use to embed text in this worker; `undefined` restores the built-in one.
 *
 * @example registerEmbedder(async (texts, modelId) => texts.map((t) => myEmbed(t, modelId)))
 */
export function registerEmbedder(fn: Embedder | undefined): void {
  embedder = fn ?? defaultEmbedder;
}

/** Embeds `texts` with the asking task's model, checking that one vector came back per text. */
export async function embedTexts(texts: string[], task: Task, ctx: CallContext): Promise<Float32Array[]> {
  if (task.modelId === undefined) {
    throw new TaskweaveError('not-configured', 'Embedding text needs the task’s modelId', { retryable: false, details: { field: 'modelId' } });
  }
  const vectors = await embedder(texts, task.modelId, ctx, task.metadata);
  if (vectors.length !== texts.length) {
    throw new TaskweaveError('execution', `The embedder returned ${vectors.length} vectors for ${texts.length} texts`, { retryable: false });
  }
  return vectors;
}
