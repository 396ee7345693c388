/**
 * The vector index's scan kernel, in WebAssembly SIMD: the dot product of one int16 query with
 * each row of a matrix of int8 codes (the scaled, rounded rows of `vectorIndex.ts`), written as
 * int32 — exact integer arithmetic, no rounding. Its source is `dotKernel.wat`; the bytes come
 * from `dotKernelBytes.ts`, generated from it at dev time (`pnpm build:kernel`, wabt), so nothing
 * is assembled or fetched at run time. Absent where WebAssembly SIMD is not supported, and the
 * index then uses its JS loop.
 *
 * `dots(rows, q, n, rowBytes, out)`, with `rowBytes` a multiple of 16 (rows padded with zero
 * codes): for each block of four rows (then the last rows one by one), two i32x4 accumulators per
 * row; each 16 query values are loaded once for the four rows;
 * `acc0 += i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(codes), q[0..8])`,
 * `acc1 += i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(codes), q[8..16])`; `out[r]` is the sum of
 * row r's eight lanes (i32). The caller keeps |code| ≤ 127 and |query| small enough that no sum
 * leaves int32.
 *
 * Chosen by measurement (`bench/searchKernels.bench.ts`, 100,000 × 384 in Chromium here, median
 * ms per scan on a loaded box): float32 one accumulator 24.5, float32 four accumulators 20.7,
 * bfloat16 four accumulators 16.7, int8 × int16 6.7 — the scan is bound by bytes read and
 * instructions, and int8 needs a quarter of the bytes and half the instructions of bfloat16.
 */
import { dotKernelBytes, dotKernelSharedBytes } from './dotKernelBytes.js';

/** Signature of the exported kernel (byte offsets and counts). */
export type DotsKernel = (rowsPtr: number, queryPtr: number, rows: number, rowBytes: number, outPtr: number) => void;

/** Codes per step: a row's stride (codes, = bytes) is a multiple of this. */
export const KERNEL_STEP = 16;

const compiled = new Map<boolean, WebAssembly.Module | null>();

/**
 * The compiled kernel for a private (`shared: false`) or a shared memory, or null where
 * WebAssembly SIMD (or, for `shared`, shared memory) is not available.
 */
export function dotKernelModule(shared = false): WebAssembly.Module | null {
  let module = compiled.get(shared);
  if (module === undefined) {
    try {
      const bytes = shared ? dotKernelSharedBytes : dotKernelBytes;
      module = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      module = null;
    }
    compiled.set(shared, module);
  }
  return module;
}

/** Instantiates the kernel over `memory` (synchronously: the module is tiny). */
export function instantiateDotKernel(module: WebAssembly.Module, memory: WebAssembly.Memory): DotsKernel {
  const instance = new WebAssembly.Instance(module, { env: { mem: memory } });
  return instance.exports['dots'] as DotsKernel;
}
