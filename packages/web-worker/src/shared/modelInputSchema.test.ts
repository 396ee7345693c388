/** A ModelInference task's `input.input` (modelInputSchema.ts): raw tensors or a pipeline call, and what is refused. */
import { describe, expect, it } from 'vitest';
import { inferenceInputSchema } from './modelInputSchema.js';

const firstIssue = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) => {
  expect(result.success).toBe(false);
  const issue = result.error?.issues[0];
  return { path: issue?.path.join('.'), message: issue?.message };
};

describe('inferenceInputSchema', () => {
  it('accepts raw tensors (plain or typed arrays) and a pipeline call', () => {
    const tensors = {
      format: 'tensors',
      feeds: { input_ids: { type: 'int64', dims: [1, 3], data: new BigInt64Array(3) }, mask: { type: 'float32', dims: [2], data: [1, 0] } },
    };
    expect(inferenceInputSchema.safeParse(tensors).success).toBe(true);
    expect(inferenceInputSchema.safeParse({ format: 'pipeline', pipeline: 'text-classification', inputs: ['great!'] }).success).toBe(true);
  });

  it('refuses no feeds, an unknown tensor type, negative dims, data that is no array, and an empty input list', () => {
    expect(firstIssue(inferenceInputSchema.safeParse({ format: 'tensors', feeds: {} })).message).toBe('must name at least one feed');
    const feed = (f: Record<string, unknown>) => ({ format: 'tensors', feeds: { x: { type: 'float32', dims: [1], data: [1], ...f } } });
    expect(inferenceInputSchema.safeParse(feed({ type: 'complex64' })).success).toBe(false);
    expect(inferenceInputSchema.safeParse(feed({ dims: [-1] })).success).toBe(false);
    expect(firstIssue(inferenceInputSchema.safeParse(feed({ data: 'abc' }))).message).toBe('must be an array or a typed array');
    expect(inferenceInputSchema.safeParse({ format: 'pipeline', pipeline: 'fill-mask', inputs: [] }).success).toBe(false);
    expect(inferenceInputSchema.safeParse({ format: 'onnx' }).success).toBe(false);
  });
});
