/** The query as the kernel reads it: int16 codes within the int32-safe bound, zero padding, and an honest error bound δ. */
import { describe, expect, it } from 'vitest';
import { prng } from '../../../../../scripts/prng.mjs';
import { quantiseQuery } from './queryCodes.js';

describe('quantiseQuery', () => {
  it('maps the largest |unit value| to the top level, pads with zeros, and bounds the rounding error by δ', () => {
    const rand = prng(9);
    for (const [dims, stride] of [[5, 16], [384, 384], [100, 112]] as const) {
      const q = Float64Array.from({ length: dims }, () => rand() * 2 - 1);
      const norm = Math.hypot(...q);
      const codes = new Int16Array(stride).fill(99);
      const { queryScale, delta } = quantiseQuery(codes, q, norm, dims);
      const levels = Math.min(16383, Math.floor(2147483647 / (127 * stride)));
      expect(Math.max(...[...codes].map(Math.abs))).toBe(levels);
      expect([...codes.subarray(dims)].every((c) => c === 0)).toBe(true);
      let d2 = 0;
      for (let j = 0; j < dims; j++) d2 += ((q[j] as number) / norm - (codes[j] as number) * queryScale) ** 2;
      expect(Math.sqrt(d2)).toBeLessThanOrEqual(delta);
      // No kernel sum leaves int32: 127 × stride × max |code|.
      expect(127 * stride * levels).toBeLessThanOrEqual(2147483647);
    }
  });

  it('keeps the sign and the order of the values', () => {
    const codes = new Int16Array(16);
    quantiseQuery(codes, Float64Array.from([0.5, -1, 0.25, 0]), 1, 4);
    expect([...codes.subarray(0, 4)]).toEqual([8192, -16383, 4096, 0]);
  });
});
