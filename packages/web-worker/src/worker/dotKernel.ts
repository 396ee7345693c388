/**
 * The vector index's scan kernel, in WebAssembly SIMD: the dot product of one int16 query with
 * each row of a matrix of int8 codes (the scaled, rounded rows of `vectorIndex.ts`), written as
 * int32 — exact integer arithmetic, no rounding. Built from bytes here (`wasmEmit.ts`: no build
 * step, no fetch); absent where WebAssembly SIMD is not supported, and the index then uses its JS
 * loop.
 *
 * In the text format, with `rowBytes` a multiple of 16 (rows padded with zero codes):
 * ```wat
 * (func (export "dots") (param $rows i32) (param $q i32) (param $n i32) (param $rowBytes i32) (param $out i32)
 *   ;; for r in 0..n: two i32x4 accumulators; for each 16 codes of row r:
 *   ;;   acc0 += i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(codes), q[0..8])
 *   ;;   acc1 += i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(codes), q[8..16])
 *   ;; out[r] = sum of the eight lanes (i32)
 * ```
 * The caller keeps |code| ≤ 127 and |query| small enough that no sum leaves int32.
 *
 * Chosen by measurement (`bench/searchKernels.bench.ts`, 100,000 × 384 in Chromium here, median
 * ms per scan on a loaded box): float32 one accumulator 24.5, float32 four accumulators 20.7,
 * bfloat16 four accumulators 16.7, int8 × int16 6.7 — the scan is bound by bytes read and
 * instructions, and int8 needs a quarter of the bytes and half the instructions of bfloat16.
 */
import { I32, V128, moduleBytes, op, type FunctionSpec } from './wasmEmit.js';

/** Signature of the exported kernel (byte offsets and counts). */
export type DotsKernel = (rowsPtr: number, queryPtr: number, rows: number, rowBytes: number, outPtr: number) => void;

/** Codes per step: a row's stride (codes, = bytes) is a multiple of this. */
export const KERNEL_STEP = 16;

const [ROWS_PTR, Q, N, ROW_BYTES, OUT, R, P, END, QP] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const ACC = 9; // v128 locals 9, 10: accumulators; 11: loaded codes
const CODES = 11;

const advance = (local: number, by: number) => [...op.get(local), ...op.i32(by), ...op.i32Add, ...op.set(local)];
const accumulate = (acc: number, widen: number[], qOffset: number) => [
  ...op.get(acc), ...op.get(CODES), ...widen, ...op.get(QP), ...op.v128Load(qOffset), ...op.i32x4DotI16x8S, ...op.i32x4Add, ...op.set(acc),
];
const sumLanes = [
  ...op.get(ACC), ...op.get(ACC + 1), ...op.i32x4Add, ...op.set(ACC),
  ...op.get(ACC), ...op.i32x4Lane(0), ...op.get(ACC), ...op.i32x4Lane(1), ...op.i32Add,
  ...op.get(ACC), ...op.i32x4Lane(2), ...op.get(ACC), ...op.i32x4Lane(3), ...op.i32Add, ...op.i32Add,
];

const dots: FunctionSpec = {
  name: 'dots',
  params: 5,
  locals: [[4, I32], [3, V128]],
  body: [
    op.get(ROWS_PTR), op.set(P),
    op.block(
      op.loop(
        op.get(R), op.get(N), op.i32GeU, op.brIf(1),
        op.v128Zero, op.set(ACC), op.v128Zero, op.set(ACC + 1),
        op.get(P), op.get(ROW_BYTES), op.i32Add, op.set(END),
        op.get(Q), op.set(QP),
        op.block(
          op.loop(
            op.get(P), op.get(END), op.i32GeU, op.brIf(1),
            op.get(P), op.v128Load(0), op.set(CODES),
            accumulate(ACC, op.i16x8ExtendLowI8x16S, 0), accumulate(ACC + 1, op.i16x8ExtendHighI8x16S, 16),
            advance(P, 16), advance(QP, 32),
            op.br(0),
          ),
        ),
        op.get(OUT), op.get(R), op.i32(2), op.i32Shl, op.i32Add, sumLanes, op.i32Store(),
        advance(R, 1),
        op.br(0),
      ),
    ),
  ],
};

const compiled = new Map<boolean, WebAssembly.Module | null>();

/**
 * The compiled kernel for a private (`shared: false`) or a shared memory, or null where
 * WebAssembly SIMD (or, for `shared`, shared memory) is not available.
 */
export function dotKernelModule(shared = false): WebAssembly.Module | null {
  let module = compiled.get(shared);
  if (module === undefined) {
    try {
      const bytes = moduleBytes([dots], shared);
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
