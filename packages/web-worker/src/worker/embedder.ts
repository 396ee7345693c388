/**
 * How the storage and vector-search handlers turn text into vectors: one pluggable function per
 * worker, so they do not depend on which model layer the worker carries.
 */
import { TaskweaveError } from '@taskweave/core';
import type { HandlerContext } from './handler.js';

/** Embeds `texts` with `modelId`; one vector per text, in order. */
export type Embedder = (texts: string[], modelId: string, ctx: HandlerContext) => Promise<Float32Array[]>;

let embedder: Embedder | undefined;

/**
 * Sets the function DataStorage (documents without a vector) and VectorSearch (`query.text`)
 * use to embed text in this worker.
 *
 * @example registerEmbedder((texts, modelId, ctx) => embedWithMyModel(texts, modelId))
 */
export function registerEmbedder(fn: Embedder | undefined): void {
  embedder = fn;
}

/** Embeds `texts`, checking that the embedder returned one vector per text. */
export async function embedTexts(texts: string[], modelId: string, ctx: HandlerContext): Promise<Float32Array[]> {
  if (embedder === undefined) {
    throw new TaskweaveError('not-configured', 'No embedder is registered in this worker, so text cannot be embedded (pass vectors, or register one with registerEmbedder)', {
      retryable: false,
      details: { field: 'modelId', modelId },
    });
  }
  const vectors = await embedder(texts, modelId, ctx);
  if (vectors.length !== texts.length) {
    throw new TaskweaveError('execution', `The embedder returned ${vectors.length} vectors for ${texts.length} texts`, { retryable: false });
  }
  return vectors;
}
