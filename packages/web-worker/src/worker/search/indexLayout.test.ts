/** The index buffer's layout: regions in order, aligned, not overlapping, and the slots before them. */
import { describe, expect, it } from 'vitest';
import { ESCAPES, HEADER_BYTES, REGIONS, align, layoutFor } from './indexLayout.js';

describe('layoutFor', () => {
  it('puts the slots after the header and each region after the previous one, aligned, for every row of the capacity', () => {
    for (const [dims, stride, capacity, slots, chunk] of [[384, 384, 1_000, 4, 256], [5, 16, 3, 1, 1], [100, 112, 77, 64, 512]] as const) {
      const layout = layoutFor(dims, stride, capacity, slots, chunk);
      expect(layout.query).toBe(HEADER_BYTES);
      expect(layout.scores).toBe(HEADER_BYTES + stride * 2);
      expect(layout.slotBytes % 64).toBe(0);
      expect(layout.slotBytes).toBeGreaterThanOrEqual(stride * 2 + chunk * 4);
      let end = HEADER_BYTES + slots * layout.slotBytes;
      for (const name of REGIONS) {
        const { offset, perRow } = layout.regions[name];
        expect(offset, name).toBeGreaterThanOrEqual(end);
        end = offset + perRow * capacity;
      }
      expect(layout.bytes).toBe(end);
      expect(layout.regions.codes.offset % 64).toBe(0);
      expect(layout.regions.norms.offset % 8).toBe(0);
      expect(layout.regions.errs.offset % 4).toBe(0);
      expect(layout.regions.exps.offset % 2).toBe(0);
      expect(layout.regions.escIdx.offset % 2).toBe(0);
    }
  });

  it('gives each region its bytes per row', () => {
    const { regions } = layoutFor(10, 16, 5, 1, 8);
    expect(Object.fromEntries(REGIONS.map((n) => [n, regions[n].perRow]))).toEqual({
      codes: 16,
      norms: 8,
      errs: 4,
      exps: 2,
      escIdx: 2 * ESCAPES,
      escCount: 1,
      escLow: ESCAPES,
      rest: 30,
    });
  });

  it('only moves regions later as the capacity grows', () => {
    const small = layoutFor(64, 64, 100, 2, 128);
    const big = layoutFor(64, 64, 1_000, 2, 128);
    expect(big.regions.codes.offset).toBe(small.regions.codes.offset);
    for (const name of REGIONS) expect(big.regions[name].offset).toBeGreaterThanOrEqual(small.regions[name].offset);
    expect(big.bytes).toBeGreaterThan(small.bytes);
  });
});

describe('align', () => {
  it('rounds up to a multiple', () => {
    expect([align(0, 64), align(1, 64), align(64, 64), align(65, 8)]).toEqual([0, 64, 64, 72]);
  });
});
