/**
 * One feature-extraction call from its parts, against a made-up tokenizer and model: one
 * tokenization, per-row vectors in their own buffers, token counts from the attention mask, the
 * hidden state's name, and the errors of an incomplete pipeline. Real models through it:
 * web-worker's embedding tests (Chromium) and the server's embeddings tests (onnxruntime-node).
 */
import { describe, expect, it, vi } from 'vitest';
import { extractFeatures, type FeatureModelParts, type MeanPooling, type TensorLike } from '../featureExtraction.js';

const DIMS = 3;

/** One token per word, padded to the longest text; ids are the word lengths. */
function parts(outputName = 'last_hidden_state', bigintMask = false) {
  const calls: string[][] = [];
  const tokenize = (texts: string[], options: { padding: boolean; truncation: boolean }): Record<string, TensorLike> => {
    calls.push(texts);
    expect(options).toEqual({ padding: true, truncation: true });
    const words = texts.map((t) => t.split(' ').filter((w) => w !== ''));
    const seq = Math.max(1, ...words.map((w) => w.length));
    const mask = words.flatMap((w) => Array.from({ length: seq }, (_, j) => (j < w.length ? 1 : 0)));
    return {
      input_ids: { data: words.flatMap((w) => Array.from({ length: seq }, (_, j) => w[j]?.length ?? 0)), dims: [texts.length, seq] },
      attention_mask: { data: bigintMask ? mask.map(BigInt) : mask, dims: [texts.length, seq] },
    };
  };
  const tokenizer = Object.assign(tokenize, {
    model_max_length: 512,
    encode: (text: string) => text.split(' ').filter((w) => w !== '').map((w) => w.length),
  });
  const model = vi.fn(async (inputs: Record<string, TensorLike>) => {
    const [rows = 0, seq = 0] = inputs['input_ids']?.dims ?? [];
    return { [outputName]: { data: new Float32Array(rows * seq * DIMS), dims: [rows, seq, DIMS] } };
  });
  return { parts: { tokenizer, model } as FeatureModelParts, calls, model };
}

/** Row r's vector is [r, r + 0.5, 1] (a stand-in for pooling + normalising). */
const pooling: MeanPooling = (hidden) => {
  const rows = hidden.dims[0] ?? 0;
  const data = new Float32Array(rows * DIMS);
  for (let r = 0; r < rows; r++) data.set([r, r + 0.5, 1], r * DIMS);
  return { normalize: (p, dim) => (expect([p, dim]).toEqual([2, -1]), { data, dims: [rows, DIMS] }) };
};

describe('extractFeatures', () => {
  it('tokenizes the texts once, and returns one vector per text, its token count and the width', async () => {
    const { parts: p, calls, model } = parts();
    const out = await extractFeatures(p, ['one two three', 'four', 'five six'], pooling);
    expect(calls).toEqual([['one two three', 'four', 'five six']]);
    expect(model).toHaveBeenCalledTimes(1);
    expect(out.dims).toBe(DIMS);
    expect(out.vectors.map((v) => [...v])).toEqual([[0, 0.5, 1], [1, 1.5, 1], [2, 2.5, 1]]);
    expect(out.tokens).toEqual([3, 1, 2]);
    expect(out.truncated).toEqual([false, false, false]);
  });

  it('gives each vector its own buffer (a transfer of one does not detach the others)', async () => {
    const { parts: p } = parts();
    const { vectors } = await extractFeatures(p, ['a', 'b'], pooling);
    expect(vectors[0]?.buffer).not.toBe(vectors[1]?.buffer);
    expect(vectors[0]?.byteLength).toBe(DIMS * 4);
  });

  it('reads the hidden state under the names models use, and a bigint attention mask', async () => {
    for (const name of ['logits', 'token_embeddings']) {
      const { parts: p } = parts(name, true);
      const out = await extractFeatures(p, ['a b', 'c'], pooling);
      expect(out.tokens).toEqual([2, 1]);
    }
  });

  it('refuses a pipeline without tokenizer or model, and a model without a hidden state', async () => {
    const { parts: p } = parts();
    await expect(extractFeatures({ model: p.model } as FeatureModelParts, ['a'], pooling)).rejects.toThrow(/without a tokenizer or model/);
    await expect(extractFeatures({ tokenizer: p.tokenizer } as FeatureModelParts, ['a'], pooling)).rejects.toThrow(/without a tokenizer or model/);
    const { parts: other } = parts('pooler_output');
    await expect(extractFeatures(other, ['a'], pooling)).rejects.toThrow(/no hidden state/);
  });
});
