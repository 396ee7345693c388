/**
 * How a row's float32 values are kept exactly in the index's memory (see `VectorIndex`): a scale
 * 2^e per row, an int8 code per value and a 24-bit remainder in units of 2^(e−24); a value off
 * that grid (code 0) is kept whole, its low 8 bits as an escape. Pure arithmetic on the index's
 * typed arrays.
 */

/** Remainders are stored offset by this, so they fit 24 unsigned bits. */
export const HALF_24 = 2 ** 23;
/** 2^e for every exponent a row's scale can have (float32 values: e in [-156, 121]). */
export const POW2_BIAS = 200;
export const POW2 = Float64Array.from({ length: 400 }, (_, i) => 2 ** (i - POW2_BIAS));

/**
 * A float32 ≥ x (x ≥ 0), for an upper bound kept in a Float32Array: x's own float32 when that is
 * not below x, else one or two float32 steps above it (x + x·2⁻²³ rounded to nearest), not always
 * the smallest.
 */
export function roundUp32(x: number): number {
  const f = Math.fround(x);
  return f >= x ? f : Math.fround(x + x * 2 ** -23);
}

/** The row's scale exponent e: the smallest power of two S = 2^e with max|v| ≤ 127·S. */
export function scaleExponent(max: number): number {
  let e = Math.ceil(Math.log2(max / 127));
  while (127 * (POW2[e + POW2_BIAS] as number) < max) e++;
  while (127 * (POW2[e - 1 + POW2_BIAS] as number) >= max) e--;
  return e;
}

/**
 * Writes the codes (at `codeBase`) and remainders (at `restBase`, 3 bytes each) of `values`
 * (`bits`: the same float32 values' bits) with scale exponent `e`; pushes (index, low byte) of each
 * value kept whole onto `escapes`. Returns ρ², the squared norm of v − S·c.
 */
export function encodeRow(
  values: Float32Array,
  bits: Uint32Array,
  dims: number,
  e: number,
  codes: Int8Array<ArrayBufferLike>,
  codeBase: number,
  rest: Uint8Array<ArrayBufferLike>,
  restBase: number,
  escapes: number[],
): number {
  const scale = POW2[e + POW2_BIAS] as number;
  const unit = POW2[e - 24 + POW2_BIAS] as number;
  let rho = 0;
  for (let j = 0; j < dims; j++) {
    const v = values[j] as number;
    // v / scale and v − c·scale are exact (a power of two; c·scale and v share a fine enough grid).
    let c = Math.floor(v / scale + 0.5);
    let r = v - c * scale;
    const units = r / unit;
    let stored: number;
    if (Number.isInteger(units) && units >= -HALF_24 && units < HALF_24) {
      stored = units + HALF_24;
    } else {
      // Only a value below scale/2 (code 0) can be off the grid: keep it whole.
      c = 0;
      r = v;
      stored = (bits[j] as number) >>> 8;
      escapes.push(j, (bits[j] as number) & 0xff);
    }
    codes[codeBase + j] = c;
    rest[restBase + 3 * j] = stored & 0xff;
    rest[restBase + 3 * j + 1] = (stored >>> 8) & 0xff;
    rest[restBase + 3 * j + 2] = stored >>> 16;
    rho += r * r;
  }
  return rho;
}

/** The 24 stored bits of value `j` of the row at `restBase`. */
export function storedBits(rest: Uint8Array<ArrayBufferLike>, restBase: number, j: number): number {
  return (rest[restBase + 3 * j] as number) | ((rest[restBase + 3 * j + 1] as number) << 8) | ((rest[restBase + 3 * j + 2] as number) << 16);
}

/** Rebuilds a row's values from codes and remainders into `out` (escapes are the caller's: they replace some of them). */
export function decodeRow(out: Float64Array, dims: number, e: number, codes: Int8Array<ArrayBufferLike>, codeBase: number, rest: Uint8Array<ArrayBufferLike>, restBase: number): void {
  const scale = POW2[e + POW2_BIAS] as number;
  const unit = POW2[e - 24 + POW2_BIAS] as number;
  for (let j = 0; j < dims; j++) {
    const stored = (rest[restBase + 3 * j] as number) | ((rest[restBase + 3 * j + 1] as number) << 8) | ((rest[restBase + 3 * j + 2] as number) << 16);
    out[j] = (codes[codeBase + j] as number) * scale + (stored - HALF_24) * unit;
  }
}
