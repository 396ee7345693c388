/**
 * The shape of a ModelInference task's `input.input`, as the inference handler runs it: raw ONNX
 * tensors (`format: 'tensors'`) or a transformers.js pipeline call (`format: 'pipeline'`). Shared
 * by the handler (worker) and the submit-time validator (every tab), so a task the handler would
 * refuse is refused before it is stored.
 */
import { z } from 'zod';
import { generationCallIssues, type TensorData } from '@taskweave/core';

const TENSOR_TYPES = ['float32', 'float64', 'int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'bool', 'float16', 'string'] as const;

/** One named feed: element type, dimensions, values (a plain or typed array). */
export const tensorFeedSchema = z.strictObject({
  type: z.enum(TENSOR_TYPES),
  dims: z.array(z.number().int().nonnegative()),
  data: z.custom<TensorData['data']>((v) => Array.isArray(v) || ArrayBuffer.isView(v), { message: 'must be an array or a typed array' }),
});

/**
 * `input.input` of a ModelInference task.
 * @example inferenceInputSchema.parse({ format: 'pipeline', pipeline: 'text-classification', inputs: 'great!' })
 */
export const inferenceInputSchema = z
  .discriminatedUnion('format', [
    z.strictObject({
      format: z.literal('tensors'),
      feeds: z.record(z.string().min(1), tensorFeedSchema).refine((f) => Object.keys(f).length > 0, { message: 'must name at least one feed' }),
      outputNames: z.array(z.string().min(1)).min(1).optional(),
    }),
    z.strictObject({
      format: z.literal('pipeline'),
      pipeline: z.string().min(1),
      inputs: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
      options: z.record(z.string(), z.unknown()).optional(),
    }),
  ])
  .superRefine((input, ctx) => {
    // A generation streams one text: one prompt, and options by name (core's textGeneration.ts).
    if (input.format !== 'pipeline') return;
    for (const issue of generationCallIssues(input)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });
