/**
 * A WebAssembly SIMD kernel for the vector index: the dot product of one query with every row
 * of a row-major float32 matrix, written as float32 scores. Built from bytes here (no build
 * step, no fetch); absent where WebAssembly SIMD is not supported, and the index then uses its
 * plain JS loop.
 *
 * The function, in the text format:
 * ```wat
 * (func (export "dots") (param $data i32) (param $q i32) (param $rows i32) (param $stride i32) (param $out i32)
 *   ;; for r in 0..rows: acc = f32x4(0); for each 16 bytes of row r: acc += data[p] * q[p']
 *   ;; out[r] = (acc[0] + acc[1]) + (acc[2] + acc[3])
 * ```
 * `stride` (floats per row) must be a multiple of 4; rows are padded with zeros to it.
 */

/** Signature of the exported kernel (all arguments are byte offsets or counts). */
export type DotsKernel = (dataPtr: number, queryPtr: number, rows: number, stride: number, outPtr: number) => void;

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => [s.length, ...[...s].map((c) => c.charCodeAt(0))];

// opcodes
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_SHL = 0x74;
const I32_GE_U = 0x4f;
const BLOCK = 0x02;
const LOOP = 0x03;
const VOID = 0x40;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const F32_ADD = 0x92;
const F32_STORE = 0x38;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00, 0x04, 0x00]; // align 2^4, offset 0
const V128_ZERO = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const lane = (i: number) => [SIMD, 0x1f, i];

// params: 0 data, 1 q, 2 rows, 3 stride, 4 out; locals: 5 r, 6 p, 7 end, 8 qj (i32), 9 acc (v128)
const body = [
  0x02, 0x04, 0x7f, 0x01, 0x7b, // locals: 4 × i32, 1 × v128
  LOCAL_GET, 0, LOCAL_SET, 6,
  BLOCK, VOID,
  LOOP, VOID,
  LOCAL_GET, 5, LOCAL_GET, 2, I32_GE_U, BR_IF, 1,
  ...V128_ZERO, LOCAL_SET, 9,
  LOCAL_GET, 6, LOCAL_GET, 3, I32_CONST, 2, I32_SHL, I32_ADD, LOCAL_SET, 7,
  LOCAL_GET, 1, LOCAL_SET, 8,
  BLOCK, VOID,
  LOOP, VOID,
  LOCAL_GET, 6, LOCAL_GET, 7, I32_GE_U, BR_IF, 1,
  LOCAL_GET, 9, LOCAL_GET, 6, ...V128_LOAD, LOCAL_GET, 8, ...V128_LOAD, ...F32X4_MUL, ...F32X4_ADD, LOCAL_SET, 9,
  LOCAL_GET, 6, I32_CONST, 16, I32_ADD, LOCAL_SET, 6,
  LOCAL_GET, 8, I32_CONST, 16, I32_ADD, LOCAL_SET, 8,
  BR, 0,
  END,
  END,
  LOCAL_GET, 4, LOCAL_GET, 5, I32_CONST, 2, I32_SHL, I32_ADD,
  LOCAL_GET, 9, ...lane(0), LOCAL_GET, 9, ...lane(1), F32_ADD,
  LOCAL_GET, 9, ...lane(2), LOCAL_GET, 9, ...lane(3), F32_ADD,
  F32_ADD,
  F32_STORE, 0x02, 0x00,
  LOCAL_GET, 5, I32_CONST, 1, I32_ADD, LOCAL_SET, 5,
  BR, 0,
  END,
  END,
  END,
];

const MODULE_BYTES = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
  ...section(2, [0x01, ...name('env'), ...name('mem'), 0x02, 0x00, 0x01]),
  ...section(3, [0x01, 0x00]),
  ...section(7, [0x01, ...name('dots'), 0x00, 0x00]),
  ...section(10, [0x01, ...uleb(body.length), ...body]),
]);

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel module, or null where WebAssembly SIMD is not available. */
export function dotKernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = typeof WebAssembly === 'object' && WebAssembly.validate(MODULE_BYTES) ? new WebAssembly.Module(MODULE_BYTES) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Instantiates the kernel over `memory` (synchronously: the module is tiny). */
export function instantiateDotKernel(module: WebAssembly.Module, memory: WebAssembly.Memory): DotsKernel {
  const instance = new WebAssembly.Instance(module, { env: { mem: memory } });
  return instance.exports['dots'] as DotsKernel;
}
