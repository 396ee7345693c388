/**
 * Scan-kernel variants measured against each other for the vector index (`searchKernels.bench.ts`
 * runs them in Chromium): float32 with one accumulator (the kernel before), float32 with four,
 * the bfloat16 half of a split float32 (one row and two rows at a time), and int8 × int16.
 * Each exports dots(data, query, rows, rowBytes, out) and writes one float32 per row.
 */
import { I32, V128, moduleBytes, op, type FunctionSpec } from './wasmEmit.js';

const [DATA, Q, ROWS, ROW_BYTES, OUT, R, P, END, QP] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const ACC = 9; // first v128 local; locals are zero-initialised, so an unused one is a zero vector

const advance = (local: number, by: number) => [...op.get(local), ...op.i32(by), ...op.i32Add, ...op.set(local)];
const addF = (acc: number, product: number[]) => [...op.get(acc), ...product, ...op.f32x4Add, ...op.set(acc)];
const addI = (acc: number, product: number[]) => [...op.get(acc), ...product, ...op.i32x4Add, ...op.set(acc)];
/** Sum of v128 locals first..first+n-1 (f32x4), reduced to one f32: (l0 + l1) + (l2 + l3). */
const hsumF32 = (first: number, n: number): number[] => {
  const out: number[] = [...op.get(first)];
  for (let i = 1; i < n; i++) out.push(...op.get(first + i), ...op.f32x4Add);
  out.push(...op.set(first));
  out.push(...op.get(first), ...op.f32x4Lane(0), ...op.get(first), ...op.f32x4Lane(1), ...op.f32Add);
  out.push(...op.get(first), ...op.f32x4Lane(2), ...op.get(first), ...op.f32x4Lane(3), ...op.f32Add, ...op.f32Add);
  return out;
};
const hsumI32 = (first: number, n: number): number[] => {
  const out: number[] = [...op.get(first)];
  for (let i = 1; i < n; i++) out.push(...op.get(first + i), ...op.i32x4Add);
  out.push(...op.set(first));
  out.push(...op.get(first), ...op.i32x4Lane(0), ...op.get(first), ...op.i32x4Lane(1), ...op.i32Add);
  out.push(...op.get(first), ...op.i32x4Lane(2), ...op.get(first), ...op.i32x4Lane(3), ...op.i32Add, ...op.i32Add, ...op.f32ConvertI32S);
  return out;
};

/**
 * for r in 0..rows step rowsPerStep: zero the accumulators; run `inner` until P reaches the end of
 * the first row of the step (inner advances P and QP; a second row is read at P + rowBytes);
 * out[r + k] = results[k].
 */
function rowLoop(accs: number, inner: number[][], results: number[][], rowsPerStep = 1): number[][] {
  const zero = Array.from({ length: accs }, (_, i) => [...op.v128Zero, ...op.set(ACC + i)]);
  const stores = results.map((result, k) => [
    ...op.get(OUT), ...op.get(R), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...result, ...op.f32Store(4 * k),
  ]);
  return [
    op.get(DATA), op.set(P),
    op.block(
      op.loop(
        op.get(R), op.get(ROWS), op.i32GeU, op.brIf(1),
        ...zero,
        op.get(P), op.get(ROW_BYTES), op.i32Add, op.set(END),
        op.get(Q), op.set(QP),
        op.block(op.loop(op.get(P), op.get(END), op.i32GeU, op.brIf(1), ...inner, op.br(0))),
        ...stores,
        ...(rowsPerStep > 1 ? [op.get(P), op.get(ROW_BYTES), op.i32(rowsPerStep - 1), op.i32Mul, op.i32Add, op.set(P)] : []),
        op.get(R), op.i32(rowsPerStep), op.i32Add, op.set(R),
        op.br(0),
      ),
    ),
  ];
}

// shuffle(a = 8 bf16, b = zero) → the f32 whose high half is each bf16 (little-endian lanes)
const LO16 = [16, 16, 0, 1, 16, 16, 2, 3, 16, 16, 4, 5, 16, 16, 6, 7];
const HI16 = [16, 16, 8, 9, 16, 16, 10, 11, 16, 16, 12, 13, 16, 16, 14, 15];
const loadAt = (base: number, offset: number, extra: number[] = []) => [...op.get(base), ...extra, ...op.v128Load(offset)];
const rowB = [...op.get(ROW_BYTES), ...op.i32Add]; // address + rowBytes: the second row of a step

function bf16Step(rows: number, zero: number, tmp: number): number[][] {
  const body: number[][] = [];
  for (let h = 0; h < 2; h++) {
    for (let k = 0; k < rows; k++) {
      body.push([...loadAt(P, 16 * h, k === 1 ? rowB : []), ...op.set(tmp + k)]);
    }
    for (let half = 0; half < 2; half++) {
      const q = loadAt(QP, 32 * h + 16 * half);
      for (let k = 0; k < rows; k++) {
        body.push(addF(ACC + 4 * k + 2 * h + half, [...op.get(tmp + k), ...op.get(zero), ...op.shuffle(half === 0 ? LO16 : HI16), ...q, ...op.f32x4Mul]));
      }
    }
  }
  body.push(advance(P, 32), advance(QP, 64));
  return body;
}

export const kernels: Record<string, { bytesPerDim: number; query: 'f32' | 'i16'; spec: FunctionSpec }> = {
  f32x1: {
    bytesPerDim: 4, query: 'f32',
    spec: {
      name: 'dots', params: 5, locals: [[4, I32], [1, V128]],
      body: rowLoop(1, [addF(ACC, [...loadAt(P, 0), ...loadAt(QP, 0), ...op.f32x4Mul]), advance(P, 16), advance(QP, 16)], [hsumF32(ACC, 1)]),
    },
  },
  f32x4: {
    bytesPerDim: 4, query: 'f32',
    spec: {
      name: 'dots', params: 5, locals: [[4, I32], [4, V128]],
      body: rowLoop(4, [...[0, 1, 2, 3].map((i) => addF(ACC + i, [...loadAt(P, 16 * i), ...loadAt(QP, 16 * i), ...op.f32x4Mul])), advance(P, 64), advance(QP, 64)], [hsumF32(ACC, 4)]),
    },
  },
  bf16x4: {
    bytesPerDim: 2, query: 'f32',
    // v128 locals: 9..12 accumulators, 13 loaded row data, 14 zero
    spec: { name: 'dots', params: 5, locals: [[4, I32], [6, V128]], body: rowLoop(4, bf16Step(1, 14, 13), [hsumF32(ACC, 4)]) },
  },
  bf16x4r2: {
    bytesPerDim: 2, query: 'f32',
    // v128 locals: 9..16 accumulators (two rows), 17..18 loaded row data, 19 zero
    spec: { name: 'dots', params: 5, locals: [[4, I32], [11, V128]], body: rowLoop(8, bf16Step(2, 19, 17), [hsumF32(ACC, 4), hsumF32(ACC + 4, 4)], 2) },
  },
  i8x2: {
    bytesPerDim: 1, query: 'i16',
    spec: {
      name: 'dots', params: 5, locals: [[4, I32], [3, V128]],
      body: rowLoop(2, [
        [...loadAt(P, 0), ...op.set(ACC + 2)],
        addI(ACC, [...op.get(ACC + 2), ...op.i16x8ExtendLowI8x16S, ...loadAt(QP, 0), ...op.i32x4DotI16x8S]),
        addI(ACC + 1, [...op.get(ACC + 2), ...op.i16x8ExtendHighI8x16S, ...loadAt(QP, 16), ...op.i32x4DotI16x8S]),
        advance(P, 16), advance(QP, 32),
      ], [hsumI32(ACC, 2)]),
    },
  },
};

export const kernelModule = (name: string): WebAssembly.Module => new WebAssembly.Module(moduleBytes([kernels[name]!.spec]));
