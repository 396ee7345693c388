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
 *   ;; for each block of four rows r..r+3 (then the last rows one by one): two i32x4
 *   ;; accumulators per row; for each 16 query values, loaded once for the four rows:
 *   ;;   acc0[k] += i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(codes[k]), q[0..8])
 *   ;;   acc1[k] += i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(codes[k]), q[8..16])
 *   ;; out[r + k] = sum of row k's eight lanes (i32)
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

const [ROWS_PTR, Q, N, ROW_BYTES, OUT, R, P, END, QP, P1, P2, P3] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
/** v128 locals: 8 accumulators (two per row of a block of four), the loaded codes, the query's two halves. */
const ACC = 12;
const CODES = 20;
const QLO = 21;
const QHI = 22;
const BLOCK = 4;

const advance = (local: number, by: number) => [...op.get(local), ...op.i32(by), ...op.i32Add, ...op.set(local)];
const advanceBy = (local: number, by: number) => [...op.get(local), ...op.get(by), ...op.i32Add, ...op.set(local)];
/** acc += dot(widen(codes), q): codes × query, eight int16 products summed pairwise into four int32. */
const accumulate = (acc: number, widen: number[], q: number) => [
  ...op.get(acc), ...op.get(CODES), ...widen, ...op.get(q), ...op.i32x4DotI16x8S, ...op.i32x4Add, ...op.set(acc),
];
/** One row's 16 codes at `ptr` into its two accumulators. */
const step = (ptr: number, acc: number) => [
  ...op.get(ptr), ...op.v128Load(0), ...op.set(CODES),
  ...accumulate(acc, op.i16x8ExtendLowI8x16S, QLO), ...accumulate(acc + 1, op.i16x8ExtendHighI8x16S, QHI),
];
/** The eight lanes of a row's two accumulators, summed: one i32 on the stack. */
const sumLanes = (acc: number) => [
  ...op.get(acc), ...op.get(acc + 1), ...op.i32x4Add, ...op.set(acc),
  ...op.get(acc), ...op.i32x4Lane(0), ...op.get(acc), ...op.i32x4Lane(1), ...op.i32Add,
  ...op.get(acc), ...op.i32x4Lane(2), ...op.get(acc), ...op.i32x4Lane(3), ...op.i32Add, ...op.i32Add,
];
/** out[R + k] = the sum of row k's accumulators. */
const storeRow = (k: number) => [...op.get(OUT), ...op.get(R), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...sumLanes(ACC + 2 * k), ...op.i32Store(4 * k)];
const loadQuery = [...op.get(QP), ...op.v128Load(0), ...op.set(QLO), ...op.get(QP), ...op.v128Load(16), ...op.set(QHI)];
const zero = (count: number) => Array.from({ length: count }, (_, i) => [...op.v128Zero, ...op.set(ACC + i)]).flat();

const dots: FunctionSpec = {
  name: 'dots',
  params: 5,
  locals: [[7, I32], [11, V128]],
  body: [
    op.get(ROWS_PTR), op.set(P),
    // Four rows at a time: each 16 query values are loaded once for four rows of codes.
    op.block(
      op.loop(
        op.get(N), op.get(R), op.i32(BLOCK), op.i32Add, op.i32LtU, op.brIf(1),
        zero(2 * BLOCK),
        op.get(P), op.get(ROW_BYTES), op.i32Add, op.set(END),
        op.get(END), op.set(P1), op.get(P1), op.set(P2), advanceBy(P2, ROW_BYTES), op.get(P2), op.set(P3), advanceBy(P3, ROW_BYTES),
        op.get(Q), op.set(QP),
        op.block(
          op.loop(
            op.get(P), op.get(END), op.i32GeU, op.brIf(1),
            loadQuery,
            step(P, ACC), step(P1, ACC + 2), step(P2, ACC + 4), step(P3, ACC + 6),
            advance(P, 16), advance(P1, 16), advance(P2, 16), advance(P3, 16), advance(QP, 32),
            op.br(0),
          ),
        ),
        storeRow(0), storeRow(1), storeRow(2), storeRow(3),
        // P3 ends where the next block begins.
        op.get(P3), op.set(P),
        advance(R, BLOCK),
        op.br(0),
      ),
    ),
    // The last rows (fewer than four), one at a time.
    op.block(
      op.loop(
        op.get(R), op.get(N), op.i32GeU, op.brIf(1),
        zero(2),
        op.get(P), op.get(ROW_BYTES), op.i32Add, op.set(END),
        op.get(Q), op.set(QP),
        op.block(
          op.loop(
            op.get(P), op.get(END), op.i32GeU, op.brIf(1),
            loadQuery,
            step(P, ACC),
            advance(P, 16), advance(QP, 32),
            op.br(0),
          ),
        ),
        storeRow(0),
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
