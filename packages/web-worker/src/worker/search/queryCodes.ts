/** The query as the SIMD kernel reads it: the unit query quantised to int16 (see `VectorIndex`). */

/**
 * Writes the int16 query k = round(q̂ / s) into `codes` (one per padded dimension, zero past
 * `dims`); returns s and δ = |q̂ − s·k| (rounded up a little). |k| ≤ 16383 and
 * ≤ (2³¹ − 1) / (127 · stride), so no kernel sum leaves int32.
 */
export function quantiseQuery(codes: Int16Array<ArrayBufferLike>, q: Float64Array, queryNorm: number, dims: number): { queryScale: number; delta: number } {
  const stride = codes.length;
  let max = 0;
  for (let j = 0; j < dims; j++) max = Math.max(max, Math.abs((q[j] as number) / queryNorm));
  const levels = Math.min(16383, Math.floor(2147483647 / (127 * stride)));
  const queryScale = max / levels;
  let d2 = 0;
  for (let j = 0; j < stride; j++) {
    if (j >= dims) {
      codes[j] = 0;
      continue;
    }
    const unit = (q[j] as number) / queryNorm;
    const code = Math.max(-levels, Math.min(levels, Math.round(unit / queryScale)));
    codes[j] = code;
    const d = unit - code * queryScale;
    d2 += d * d;
  }
  return { queryScale, delta: Math.sqrt(d2) * (1 + 1e-12) };
}
