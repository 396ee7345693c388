/**
 * Model file precisions a task may ask for in `metadata.dtype`, shared by the worker's model
 * cache (which loads them) and the submit-time validator (which refuses others before a task is
 * stored).
 */

/** Model precisions a file exists for (transformers.js `dtype`): what a model declaration may name. */
export const ASSET_DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'] as const;

/** A model precision a declaration may name (`ModelDeclaration.dtype`). */
export type AssetDtype = (typeof ASSET_DTYPES)[number];

/** Every value `metadata.dtype` accepts: a precision, or `auto`. */
export const MODEL_DTYPES = ['auto', ...ASSET_DTYPES] as const;

/**
 * Model file precision: `q8` = `onnx/model_quantized.onnx`, `fp32` = `onnx/model.onnx`, …;
 * `auto` = `q8` when the model folder has it, else `fp32`.
 * @default 'auto'
 * @example submit({ type: 'EmbeddingGeneration', input, modelId: 'use-lite', metadata: { dtype: 'q8' } })
 */
export type ModelDtype = (typeof MODEL_DTYPES)[number];

/** True when `value` is a precision `metadata.dtype` accepts. */
export function isModelDtype(value: unknown): value is ModelDtype {
  return (MODEL_DTYPES as readonly unknown[]).includes(value);
}
