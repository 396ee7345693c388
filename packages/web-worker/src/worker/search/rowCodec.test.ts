/** The exact row encoding: every float32 comes back bit for bit from code, scale and remainder (or from its escape). */
import { describe, expect, it } from 'vitest';
import { prng } from '../../../../../scripts/prng.mjs';
import { HALF_24, POW2, POW2_BIAS, decodeRow, encodeRow, roundUp32, scaleExponent, storedBits } from './rowCodec.js';

/** Encodes then decodes one row, applying escapes as the index does (high 24 bits stored + low byte). */
function roundTrip(values: Float32Array) {
  const dims = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, dims);
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const e = scaleExponent(max);
  const codes = new Int8Array(dims + 5);
  const rest = new Uint8Array(3 * dims + 7);
  const escapes: number[] = [];
  const rho = encodeRow(values, bits, dims, e, codes, 5, rest, 7, escapes);
  const out = new Float64Array(dims);
  decodeRow(out, dims, e, codes, 5, rest, 7);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let k = 0; k < escapes.length; k += 2) {
    const j = escapes[k] as number;
    u32[0] = ((storedBits(rest, 7, j) << 8) | (escapes[k + 1] as number)) >>> 0;
    out[j] = f32[0] as number;
  }
  return { out, codes: codes.subarray(5, 5 + dims), e, rho, escapes };
}

describe('scaleExponent', () => {
  it('is the smallest e with max ≤ 127 · 2^e', () => {
    for (const max of [1, 127, 128, 0.5, 1e-30, 3.4e38, 254, 254.01]) {
      const e = scaleExponent(max);
      expect(127 * (POW2[e + POW2_BIAS] as number)).toBeGreaterThanOrEqual(max);
      expect(127 * (POW2[e - 1 + POW2_BIAS] as number)).toBeLessThan(max);
    }
    expect(scaleExponent(127)).toBe(0);
    expect(scaleExponent(128)).toBe(1);
  });
});

describe('roundUp32', () => {
  it('is a float32 at or above x, at most two float32 steps above the smallest one', () => {
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const rand = prng(4);
    const xs = [0, 1, 0.5, 0.1, 1 / 3, 123.456, 1e-20, 3e38, ...Array.from({ length: 200 }, () => rand() * 10 ** Math.floor(rand() * 20 - 10))];
    for (const x of xs) {
      const up = roundUp32(x);
      expect(Math.fround(up)).toBe(up);
      expect(up).toBeGreaterThanOrEqual(x);
      // Two float32 steps down from it is below x (or it is x's own float32).
      f32[0] = up;
      if (up !== Math.fround(x)) {
        u32[0]! -= 2;
        expect(f32[0] as number).toBeLessThan(x);
      }
    }
    // Exact where x is a float32 already.
    expect(roundUp32(0.5)).toBe(0.5);
    expect(roundUp32(Math.fround(0.1))).toBe(Math.fround(0.1));
  });
});

describe('encodeRow / decodeRow', () => {
  it('gives every float32 back exactly, with codes within ±127 and ρ² = |v − S·c|²', () => {
    const rand = prng(21);
    for (let row = 0; row < 50; row++) {
      const dims = 1 + Math.floor(rand() * 64);
      const values = Float32Array.from({ length: dims }, () => (rand() * 2 - 1) * 10 ** Math.floor(rand() * 8 - 4));
      const { out, codes, e, rho } = roundTrip(values);
      expect([...out]).toEqual([...values]);
      expect(codes.every((c) => Math.abs(c) <= 127)).toBe(true);
      const scale = POW2[e + POW2_BIAS] as number;
      let want = 0;
      for (let j = 0; j < dims; j++) {
        const r = (codes[j] as number) === 0 && Math.abs(values[j] as number) < scale / 2 ? (values[j] as number) : (values[j] as number) - (codes[j] as number) * scale;
        want += r * r;
      }
      expect(rho).toBeCloseTo(want, 12);
    }
  });

  it('keeps a value far below the row’s scale whole (an escape), and still gives it back exactly', () => {
    const values = new Float32Array([100, 1e-30, -3.5, 2 ** -40]);
    const { out, escapes, codes } = roundTrip(values);
    expect([...out]).toEqual([...values]);
    const escaped = escapes.filter((_, k) => k % 2 === 0);
    expect(escaped).toContain(1);
    for (const j of escaped) expect(codes[j]).toBe(0);
  });

  it('stores remainders offset by 2^23 in three bytes', () => {
    const values = new Float32Array([127, 0]);
    const codes = new Int8Array(2);
    const rest = new Uint8Array(6);
    encodeRow(values, new Uint32Array(values.buffer), 2, scaleExponent(127), codes, 0, rest, 0, []);
    expect([...codes]).toEqual([127, 0]);
    expect(storedBits(rest, 0, 0)).toBe(HALF_24);
    expect(storedBits(rest, 0, 1)).toBe(HALF_24);
  });
});
