/**
 * Model file precisions a task may ask for in `metadata.dtype`, shared by the worker's model
 * cache (which loads them) and the submit-time validator (which refuses others before a task is
 * stored).
 */

/**
 * Model file precision: `q8` = `onnx/model_quantized.onnx`, `fp32` = `onnx/model.onnx`, …;
 * `auto` = `q8` when the model folder has it, else `fp32`.
 * @default 'auto'
 * @example submit({ type: 'EmbeddingGeneration', input, modelId: 'use-lite', metadata: { dtype: 'q8' } })
 */
export type ModelDtype = 'auto' | 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';

/** Every value `metadata.dtype` accepts. */
export const MODEL_DTYPES: readonly ModelDtype[] = ['auto', 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'];
