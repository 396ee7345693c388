/**
 * The scan kernel against plain integer arithmetic, in real Chromium: every row count around the
 * blocks of four (and rows of one to several steps of 16 codes), extreme codes and query values.
 */
import { describe, expect, it } from 'vitest';
import { prng } from '../../../../../scripts/prng.mjs';
import { KERNEL_STEP, dotKernelModule, instantiateDotKernel } from './dotKernel.js';

describe('dots kernel', () => {
  it('equals the integer dot product for every row count 0…13 and row widths of 1, 2 and 24 steps', () => {
    const module = dotKernelModule();
    expect(module).not.toBeNull();
    const memory = new WebAssembly.Memory({ initial: 4 });
    const dots = instantiateDotKernel(module as WebAssembly.Module, memory);
    const rand = prng(7);
    for (const steps of [1, 2, 24]) {
      const rowBytes = steps * KERNEL_STEP;
      for (let n = 0; n <= 13; n++) {
        const rowsPtr = 0;
        const queryPtr = 64 * 1024;
        const outPtr = 128 * 1024;
        const codes = new Int8Array(memory.buffer, rowsPtr, n * rowBytes);
        const query = new Int16Array(memory.buffer, queryPtr, rowBytes);
        for (let i = 0; i < codes.length; i++) codes[i] = rand() < 0.05 ? (rand() < 0.5 ? -127 : 127) : Math.round(rand() * 254 - 127);
        for (let i = 0; i < query.length; i++) query[i] = rand() < 0.05 ? (rand() < 0.5 ? -2047 : 2047) : Math.round(rand() * 4094 - 2047);
        const out = new Int32Array(memory.buffer, outPtr, n + 1);
        out.fill(-1);
        dots(rowsPtr, queryPtr, n, rowBytes, outPtr);
        for (let r = 0; r < n; r++) {
          let want = 0;
          for (let j = 0; j < rowBytes; j++) want += (codes[r * rowBytes + j] as number) * (query[j] as number);
          expect(out[r], `row ${r} of ${n}, ${steps} steps`).toBe(want);
        }
        // Nothing written past the last row.
        expect(out[n]).toBe(-1);
      }
    }
  });
});
