/**
 * One call of a transformers.js `feature-extraction` model, written out from its parts so each
 * text is tokenized once: the pipeline's own steps (FeatureExtractionPipeline: tokenizer with
 * padding and truncation, model, mean pooling over the attention mask, L2 norm), with the texts
 * fitted first (`fitToModel`, without counting what needs no cut) and the attention mask telling
 * what each text's count is. Through the pipeline, knowing whether a text was truncated meant
 * tokenizing it once more: about 4% of the browser's embedding time on the real-corpus texts.
 *
 * Pure: the caller hands in the pipeline's tokenizer and model and transformers.js' `mean_pooling`.
 */
import { fitToModel, settleTruncated, type TokenizerLike } from './fitToModel.js';

/** A tensor as transformers.js gives it: flat data and its shape. */
export interface TensorLike {
  data: ArrayLike<number | bigint>;
  dims: number[];
}

/** What `extractFeatures` needs of a feature-extraction pipeline: its tokenizer and its model. */
export interface FeatureModelParts {
  /** Called on texts, pads and truncates them to tensors, as the pipeline does. */
  tokenizer?: TokenizerLike & ((texts: string[], options: { padding: boolean; truncation: boolean }) => Record<string, TensorLike>);
  /** Tokenizer tensors in, named output tensors out. */
  model?: (inputs: Record<string, TensorLike>) => Promise<Record<string, TensorLike | undefined>>;
}

/** transformers.js' `mean_pooling`: the hidden states averaged over the attention mask. */
export type MeanPooling = (hidden: TensorLike, mask: TensorLike) => { normalize(p: number, dim: number): TensorLike };

/** One call's vectors (each in its own buffer), what the model read of each text, and the width. */
export interface ExtractedFeatures {
  vectors: Float32Array[];
  /** Per text: the model read only part of it. */
  truncated: boolean[];
  /** Per text: the tokens the model read (its attention mask). */
  tokens: number[];
  dims: number;
}

/**
 * Embeds `texts` in one model call: fitted, tokenized once, mean-pooled, normalised.
 *
 * @example const { vectors } = await extractFeatures(pipe, ['a note'], mean_pooling)
 */
export async function extractFeatures(parts: FeatureModelParts, texts: readonly string[], meanPooling: MeanPooling): Promise<ExtractedFeatures> {
  const { tokenizer, model } = parts;
  if (tokenizer === undefined || model === undefined) throw new Error('feature-extraction pipeline without a tokenizer or model');
  const fitted = fitToModel(texts, tokenizer, { countUncut: false });
  const inputs = tokenizer(fitted.texts, { padding: true, truncation: true });
  const outputs = await model(inputs);
  const hidden = outputs['last_hidden_state'] ?? outputs['logits'] ?? outputs['token_embeddings'];
  const mask = inputs['attention_mask'];
  if (hidden === undefined || mask === undefined) throw new Error('feature-extraction model gave no hidden state or attention mask');
  const pooled = meanPooling(hidden, mask).normalize(2, -1);
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
  return { vectors, truncated: settleTruncated(fitted, tokens, tokenizer), tokens, dims };
}
