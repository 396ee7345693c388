/**
 * The vector index's scan kernel, in WebAssembly SIMD: the dot product of one float32 query with
 * each row of a matrix of bfloat16 values (the high halves of the index's float32 rows, see
 * `vectorIndex.ts`), written as float32 scores. Built from bytes here (`wasmEmit.ts`: no build
 * step, no fetch); absent where WebAssembly SIMD is not supported, and the index then uses its JS
 * loop.
 *
 * In the text format, with `rowBytes` a multiple of 32 (16 values; rows padded with zeros):
 * ```wat
 * (func (export "dots") (param $rows i32) (param $q i32) (param $n i32) (param $rowBytes i32) (param $out i32)
 *   ;; for r in 0..n: four f32x4 accumulators; for each 32 bytes of row r: two v128 loads of 8 bf16,
 *   ;;   each widened to two f32x4 by a shuffle with zero (bf16 << 16), times the query, added
 *   ;; out[r] = (Σ acc)[0] + (Σ acc)[1] + ((Σ acc)[2] + (Σ acc)[3])
 * ```
 * Chosen by measurement (`bench/searchKernels.bench.ts`, 100,000 × 384 in Chromium here): the
 * scan is bound by memory traffic, so reading 2 bytes a value instead of 4 halves it, and four
 * accumulators keep the additions from waiting on each other.
 */
import { I32, V128, moduleBytes, op, type FunctionSpec } from './wasmEmit.js';

/** Signature of the exported kernel (byte offsets and counts). */
export type DotsKernel = (rowsPtr: number, queryPtr: number, rows: number, rowBytes: number, outPtr: number) => void;

/** Values per 32-byte step: the stride of a row's bfloat16 plane is a multiple of this. */
export const KERNEL_STEP = 16;

const [ROWS_PTR, Q, N, ROW_BYTES, OUT, R, P, END, QP] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const ACC = 9; // v128 locals 9..12: accumulators; 13: loaded values; 14: zero (locals start at zero)
const DATA = 13;
const ZERO = 14;
// shuffle(8 bf16, zero) → four f32 whose high halves are the bf16 (lanes are little-endian)
const LOW4 = [16, 16, 0, 1, 16, 16, 2, 3, 16, 16, 4, 5, 16, 16, 6, 7];
const HIGH4 = [16, 16, 8, 9, 16, 16, 10, 11, 16, 16, 12, 13, 16, 16, 14, 15];

const advance = (local: number, by: number) => [...op.get(local), ...op.i32(by), ...op.i32Add, ...op.set(local)];
const accumulate = (acc: number, half: number[], qOffset: number) => [
  ...op.get(acc), ...op.get(DATA), ...op.get(ZERO), ...op.shuffle(half),
  ...op.get(QP), ...op.v128Load(qOffset), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(acc),
];
const sumAccumulators = [
  ...op.get(ACC), ...op.get(ACC + 1), ...op.f32x4Add, ...op.get(ACC + 2), ...op.f32x4Add, ...op.get(ACC + 3), ...op.f32x4Add, ...op.set(ACC),
  ...op.get(ACC), ...op.f32x4Lane(0), ...op.get(ACC), ...op.f32x4Lane(1), ...op.f32Add,
  ...op.get(ACC), ...op.f32x4Lane(2), ...op.get(ACC), ...op.f32x4Lane(3), ...op.f32Add, ...op.f32Add,
];

const dots: FunctionSpec = {
  name: 'dots',
  params: 5,
  locals: [[4, I32], [6, V128]],
  body: [
    op.get(ROWS_PTR), op.set(P),
    op.block(
      op.loop(
        op.get(R), op.get(N), op.i32GeU, op.brIf(1),
        ...[0, 1, 2, 3].map((i) => [...op.v128Zero, ...op.set(ACC + i)]),
        op.get(P), op.get(ROW_BYTES), op.i32Add, op.set(END),
        op.get(Q), op.set(QP),
        op.block(
          op.loop(
            op.get(P), op.get(END), op.i32GeU, op.brIf(1),
            op.get(P), op.v128Load(0), op.set(DATA),
            accumulate(ACC, LOW4, 0), accumulate(ACC + 1, HIGH4, 16),
            op.get(P), op.v128Load(16), op.set(DATA),
            accumulate(ACC + 2, LOW4, 32), accumulate(ACC + 3, HIGH4, 48),
            advance(P, 32), advance(QP, 64),
            op.br(0),
          ),
        ),
        op.get(OUT), op.get(R), op.i32(2), op.i32Shl, op.i32Add, sumAccumulators, op.f32Store(),
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
