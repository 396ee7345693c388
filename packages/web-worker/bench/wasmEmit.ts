/**
 * Just enough of the WebAssembly binary format to write the scan-kernel variants of
 * `searchKernels.ts` in TypeScript: modules of functions over one imported memory (`env.mem`),
 * i32 and v128 locals, loops, loads and the few SIMD instructions the kernels use. Bench-only: the
 * shipped kernel is assembled from `src/worker/search/dotKernel.wat` with wabt at dev time.
 */

/** LEB128 of an unsigned integer. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** LEB128 of a signed 32-bit integer (for i32.const). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
const simd = (op: number): number[] => [0xfd, ...uleb(op)];

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** Instructions, as byte lists to spread into a function body. */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  i32LtU: [0x49],
  f32Add: [0x92],
  f32ConvertI32S: [0xb2],
  f32Store: (offset = 0) => [0x38, 0x02, ...uleb(offset)],
  i32Store: (offset = 0) => [0x36, 0x02, ...uleb(offset)],
  /** `block … end` whose `br 0` leaves it. */
  block: (...body: number[][]) => [0x02, 0x40, ...body.flat(), 0x0b],
  /** `loop … end` whose `br 0` starts it again. */
  loop: (...body: number[][]) => [0x03, 0x40, ...body.flat(), 0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  v128Load: (offset = 0) => [...simd(0x00), 0x04, ...uleb(offset)],
  v128Zero: [...simd(0x0c), ...new Array<number>(16).fill(0)],
  shuffle: (lanes: readonly number[]) => [...simd(0x0d), ...lanes],
  f32x4Lane: (i: number) => [...simd(0x1f), i],
  i32x4Lane: (i: number) => [...simd(0x1b), i],
  i16x8ExtendLowI8x16S: simd(0x87),
  i16x8ExtendHighI8x16S: simd(0x88),
  i32x4Add: simd(0xae),
  i32x4DotI16x8S: simd(0xba),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
};

/** One exported function: its i32 parameters, extra locals, and body (without the final `end`). */
export interface FunctionSpec {
  name: string;
  params: number;
  /** Extra locals, in order after the parameters: [count, type] groups. */
  locals: [number, number][];
  body: number[][];
}

/** A module importing one memory as `env.mem` (shared when `shared`) and exporting `functions`. */
export function moduleBytes(functions: readonly FunctionSpec[], shared = false): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...uleb(f.params), ...new Array<number>(f.params).fill(I32), 0x00]);
  // Memory limits: flags 0 (min only) or 3 (shared, min and max); the import accepts any memory at least this large.
  const limits = shared ? [0x03, 0x00, ...uleb(65536)] : [0x00, 0x00];
  const bodies = functions.map((f) => {
    const code = [...uleb(f.locals.length), ...f.locals.flatMap(([n, t]) => [...uleb(n), t]), ...f.body.flat(), 0x0b];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(types.length), ...types.flat()]),
    ...section(2, [0x01, ...name('env'), ...name('mem'), 0x02, ...limits]),
    ...section(3, [...uleb(functions.length), ...functions.map((_, i) => uleb(i)).flat()]),
    ...section(7, [...uleb(functions.length), ...functions.flatMap((f, i) => [...name(f.name), 0x00, ...uleb(i)])]),
    ...section(10, [...uleb(bodies.length), ...bodies.flat()]),
  ]);
}
